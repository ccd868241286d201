"""The engine's hash-check inputs from the database: one assessment, a batch, the impact comparison, the what-if
metrics and the daily monitoring run all carry the statistics when the model reads them (good-hoster-2026)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scoring.certification.daily_run import monitor_certificates, recheck
from scoring.certification.models import Certificate, CertificateStatus
from scoring.engine import Metrics, Status
from scoring.measurement.hashchecks import HashCheckWeek
from scoring.rating import scorecards
from scoring.rating.inputs import batch_metrics, parse_metrics_json
from scoring.rating.rescoring import score_many
from tests.scoring.certification.helpers import certify
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
# The assessments' period is 2025 (helpers.PERIOD): its last whole ISO week is 2025-W52, the Monday 22 December.
LAST_WEEK = date(2025, 12, 22)


def store(hoster, week: date, checks: int, hits: int = 0) -> None:
    HashCheckWeek.objects.create(
        hoster=hoster,
        week=week,
        checks=checks,
        hits=hits,
        batch="00000000-0000-0000-0000-000000000002",
        imported_at=datetime(2026, 1, 5, tzinfo=AMS),
    )


def weeks_back(count: int, start: date = LAST_WEEK) -> list[date]:
    return [start - timedelta(weeks=i) for i in range(count)]


@pytest.fixture
def two_hosters(hoster_a, hoster_b):
    """A checks in 9 of the last 12 weeks; B, connected by its own answer, in none of the weeks measured."""
    add_notices(hoster_a, [2.0] * 30)
    add_notices(hoster_b, [2.0] * 30)
    for week in weeks_back(9):
        store(hoster_a, week, 500, 1)
    for week in weeks_back(12)[9:]:
        store(hoster_b, week, 0)  # measured weeks: B listed with 0 checks
    return make_assessment(hoster_a), make_assessment(hoster_b)


def test_metrics_carry_the_hash_checks_only_for_a_model_that_reads_them(two_hosters):
    assessment_a, _ = two_hosters
    under_2024 = scorecards.metrics_for(assessment_a, scorecards.model_version("good-hoster-2024"))
    under_2026 = scorecards.metrics_for(assessment_a, scorecards.model_version("good-hoster-2026"))
    assert "hash_checks" not in under_2024
    assert under_2026["hash_checks"]["last_week"] == "2025-W52"
    weeks = under_2026["hash_checks"]["weeks"]
    assert len(weeks) == 12  # every week measured for some hoster
    assert sum(1 for week in weeks if week["checks"]) == 9
    assert {"week": "2025-W52", "checks": 500, "hits": 1} in weeks
    assert {key: under_2026[key] for key in under_2024} == under_2024  # the takedown figures are the same


def test_the_card_scores_mea4_and_the_gate_from_the_database(two_hosters):
    assessment_a, assessment_b = two_hosters
    version = scorecards.model_version("good-hoster-2026")
    card_a = scorecards.compute_scorecard(assessment_a, version)
    assert card_a.criterion("MEA-4").points == pytest.approx(10 * 9 / 12)
    assert card_a.gate("hashcheck-measured").passed
    card_b = scorecards.compute_scorecard(assessment_b, version)
    assert card_b.criterion("MEA-4").points == 0.0
    assert not card_b.gate("hashcheck-measured").passed and card_b.grade == "C"


def test_without_statistics_mea4_is_inconclusive_and_the_gate_stays_quiet(hoster_a):
    add_notices(hoster_a, [2.0] * 30)
    store(hoster_a, LAST_WEEK - timedelta(weeks=12), 400)  # measured, but before the last 12 weeks
    assessment = make_assessment(hoster_a)
    metrics = scorecards.metrics_for(assessment, scorecards.model_version("good-hoster-2026"))
    assert metrics["hash_checks"] == {"last_week": "2025-W52", "weeks": []}
    card = scorecards.compute_scorecard(assessment, scorecards.model_version("good-hoster-2026"))
    assert card.criterion("MEA-4").status is Status.INCONCLUSIVE
    gate = card.gate("hashcheck-measured")
    assert gate.passed and gate.inconclusive and card.grade == "A"


def test_a_batch_reads_the_same_statistics_as_one_at_a_time(two_hosters):
    version = scorecards.model_version("good-hoster-2026")
    batch = batch_metrics(list(two_hosters), version.norm_hours, version.parsed.hash_check_weeks)
    for assessment in two_hosters:
        assert batch[assessment.pk] == scorecards.metrics_for(assessment, version)
    assert all("hash_checks" not in row for row in batch_metrics(list(two_hosters), 12).values())


def test_scoring_many_uses_the_statistics(two_hosters):
    scored = {item.assessment.hoster.slug: item for item in score_many(scorecards.model_version("good-hoster-2026"))}
    assert scored["hoster-a"].card.criterion("MEA-4").answer == 9
    assert scored["hoster-b"].card.grade == "C"
    assert scored["hoster-b"].metrics["hash_checks"]["last_week"] == "2025-W52"


def test_the_impact_of_2026_shows_who_declares_checks_nobody_measures(two_hosters):
    impact = scorecards.compare_models(
        scorecards.model_version("good-hoster-2024"), scorecards.model_version("good-hoster-2026")
    )
    rows = {row.hoster: row for row in impact.rows}
    assert (rows["hoster-b"].grade_a, rows["hoster-b"].grade_b, rows["hoster-b"].direction) == ("A", "C", "down")
    assert rows["hoster-a"].grade_b == "A" and rows["hoster-a"].score_b < rows["hoster-a"].score_a
    assert impact.summary()["lose_certifiability"] == ["hoster-b"]


def test_the_what_if_metrics_round_trip_with_their_hash_checks(two_hosters):
    _, assessment_b = two_hosters
    version = scorecards.model_version("good-hoster-2026")
    metrics = parse_metrics_json(scorecards.metrics_for(assessment_b, version))
    assert isinstance(metrics, Metrics) and metrics.hash_checks is not None
    assert metrics.hash_checks.weeks_with_checks(12) == 0
    answers = {**best_answers(), "HCS-1": "no"}
    card = scorecards.score(version.parsed, answers, metrics)
    assert card.gate("hashcheck-measured").passed and card.grade == "B"


# --- the daily monitoring run --------------------------------------------------------------------------------

ISSUED = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)
RUN = ISSUED + timedelta(days=40)  # Saturday 11 April 2026: the last whole week is 2026-W14, from 30 March


@pytest.fixture
def certified_under_2026(settings, owner_a, hoster_a, supervisor):
    settings.SCORING_MODEL = "good-hoster-2026"
    with time_machine.travel(ISSUED, tick=False):
        certificate = certify(owner_a, hoster_a, supervisor)
    assert certificate.rating.model_version.code == "good-hoster-2026"
    add_notices(hoster_a, [2.0] * 30, start=ISSUED + timedelta(days=10), prefix="recent")
    return certificate


def test_the_daily_run_suspends_a_connection_nobody_measures(certified_under_2026, hoster_a, hoster_b):
    for week in weeks_back(12, start=date(2026, 3, 30)):
        store(hoster_b, week, 250)  # measured weeks; hoster A is not in them: no checks
    with time_machine.travel(RUN, tick=False):
        card, metrics = recheck(certified_under_2026, RUN)
        assert metrics["hash_checks"]["last_week"] == "2026-W14"
        assert [gate.code for gate in card.failed_gates] == ["hashcheck-measured"]
        result = monitor_certificates()
    assert result.suspended == [certified_under_2026.serial]
    certificate = Certificate.objects.get(pk=certified_under_2026.pk)
    assert certificate.status == CertificateStatus.SUSPENDED
    event = certificate.events.get(kind="suspended")
    assert "no checks were measured in the last 12 weeks" in event.reason


def test_the_daily_run_keeps_a_hoster_that_checks(certified_under_2026, hoster_a):
    store(hoster_a, date(2026, 3, 23), 40)
    with time_machine.travel(RUN, tick=False):
        card, _metrics = recheck(certified_under_2026, RUN)
        result = monitor_certificates()
    assert card.criterion("MEA-4").points == pytest.approx(10 / 12)
    assert result.suspended == []


def test_the_daily_run_without_statistics_does_not_suspend(certified_under_2026):
    with time_machine.travel(RUN, tick=False):
        card, metrics = recheck(certified_under_2026, RUN)
        result = monitor_certificates()
    assert metrics["hash_checks"]["weeks"] == []
    assert card.gate("hashcheck-measured").inconclusive and result.suspended == []
