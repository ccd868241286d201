"""Tests of the score-card services: published models, the engine's inputs, ratings, rescoring and bases."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from assessments.models import AnswerReview, Assessment
from portal.models import AuditEvent
from scoring.engine import Metrics, ModelError, Status, load_scoring_model, score
from scoring.engine import ScoredAnswer as AnswerInput
from scoring.measurement.metrics import hoster_metrics
from scoring.rating import scorecards
from scoring.rating.models import Rating, ScoringModelVersion
from tests.factories import make_hoster
from tests.scoring.rating.helpers import NA, add_notices, best_answers, make_assessment, questionnaire

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "scoring"
pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment_a(hoster_a) -> Assessment:
    add_notices(hoster_a, [2.0] * 18 + [30.0, None])
    return make_assessment(hoster_a)


# Scoring models as data -----------------------------------------------------------------------------------------


def test_migrate_publishes_every_model_with_its_norm():
    versions = {version.code: version for version in ScoringModelVersion.objects.all()}
    assert set(versions) == {"good-hoster-2020", "good-hoster-2024", "good-hoster-2026"}
    assert versions["good-hoster-2020"].norm_hours == 24
    assert versions["good-hoster-2024"].norm_hours == 12
    assert versions["good-hoster-2024"].questionnaire == questionnaire()
    assert versions["good-hoster-2024"].parsed.norm_hours == 12
    assert versions["good-hoster-2026"].norm_hours == 12
    # Publishing a model does not put it in force: the SCORING_MODEL setting does (good-hoster-2020 without it).
    assert scorecards.model_version().code == "good-hoster-2020"


def test_loading_again_changes_nothing():
    results = scorecards.load_scoring_models()
    assert [result.created for result in results] == [False, False, False]
    assert ScoringModelVersion.objects.count() == 3


def test_a_new_version_is_published_beside_the_old(tmp_path):
    data = yaml.safe_load((FIXTURES / "good-hoster-2024.yaml").read_text())
    data["version"] = 2
    (tmp_path / "good-hoster-2024.yaml").write_text(yaml.safe_dump(data))
    [result] = scorecards.load_scoring_models(tmp_path)
    assert result.created and str(result.version) == "good-hoster-2024 v2"
    assert scorecards.model_version("good-hoster-2024").version == 2
    assert AuditEvent.objects.filter(action="scoring.model.published", object_id=str(result.version.pk)).exists()


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_malformed_model_is_refused_with_the_engines_message(tmp_path):
    data = yaml.safe_load((FIXTURES / "good-hoster-2020.yaml").read_text())
    data["code"] = "broken-model"
    data["gates"][0]["cap"] = "Z"
    path = _write(tmp_path, "broken-model.yaml", data)
    with pytest.raises(ModelError) as refused:
        scorecards.load_scoring_models(tmp_path)
    message = str(refused.value)
    assert message == "broken-model.yaml: gate terms-forbid-csam: unknown cap grade 'Z' (grades are A, B, C, D, F)"
    with pytest.raises(ModelError) as engine:
        load_scoring_model(path, questionnaire().parsed)
    assert str(engine.value) == message
    assert not ScoringModelVersion.objects.filter(code="broken-model").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("weights"), "broken-model.yaml: missing key 'weights'"),
        (lambda d: d.update(questionnaire="no-such-questionnaire"), "'no-such-questionnaire' is not published"),
        (lambda d: d["measured"][0].update(weight="huge"), "measured MEA-1"),
    ],
)
def test_each_malformed_model_names_its_problem(tmp_path, change, expected):
    data = yaml.safe_load((FIXTURES / "good-hoster-2020.yaml").read_text())
    data["code"] = "broken-model"
    change(data)
    _write(tmp_path, "broken-model.yaml", data)
    with pytest.raises(ModelError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        scorecards.load_scoring_models(tmp_path)


def test_invalid_yaml_is_refused_with_the_file_name(tmp_path):
    (tmp_path / "bad.yaml").write_text("code: [unclosed\n")
    with pytest.raises(ModelError, match=r"^bad\.yaml: not valid YAML"):
        scorecards.load_scoring_models(tmp_path)


def test_a_published_version_with_changed_content_is_refused(tmp_path):
    data = yaml.safe_load((FIXTURES / "good-hoster-2024.yaml").read_text())
    data["norm_hours"] = 8
    _write(tmp_path, "good-hoster-2024.yaml", data)
    with pytest.raises(ModelError, match="already published with different content"):
        scorecards.load_scoring_models(tmp_path)
    assert scorecards.model_version("good-hoster-2024").norm_hours == 12


def test_a_published_model_is_immutable():
    version = scorecards.model_version()
    version.definition = {**version.definition, "min_sample": 1}
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        scorecards.model_version().delete()
    with pytest.raises(IntegrityError):
        ScoringModelVersion.objects.create(
            code=version.code,
            version=version.version,
            questionnaire=version.questionnaire,
            norm_hours=24,
            definition={},
            checksum="x",
        )


# Inputs and computing -------------------------------------------------------------------------------------------


def test_metrics_for_uses_the_period_and_the_models_norm(hoster_a):
    add_notices(hoster_a, [20.0] * 12)
    assessment = make_assessment(hoster_a)
    at_24 = scorecards.metrics_for(assessment, scorecards.model_version("good-hoster-2020"))
    at_12 = scorecards.metrics_for(assessment, scorecards.model_version("good-hoster-2024"))
    assert (at_24["notices"], at_24["within_norm"], at_24["norm_hours"]) == (12, 12, 24)
    assert (at_12["notices"], at_12["within_norm"], at_12["norm_hours"]) == (12, 0, 12)
    assert (at_24["from"], at_24["to"]) == ("2025-01-01", "2026-01-01")


def test_notices_outside_the_period_are_not_counted(hoster_a):
    add_notices(hoster_a, [1.0] * 15)
    assessment = make_assessment(hoster_a, period=(date(2024, 1, 1), date(2024, 12, 31)))
    assert scorecards.metrics_for(assessment, scorecards.model_version())["notices"] == 0
    card = scorecards.compute_scorecard(assessment)
    assert card.criterion("MEA-1").status is Status.INCONCLUSIVE


def test_the_card_is_the_engines_card_of_the_answers_and_metrics(assessment_a):
    version = scorecards.model_version()
    row = hoster_metrics("2025-01-01", "2026-01-01", norm_hours=24, hoster=assessment_a.hoster)[0]
    expected = score(version.parsed, best_answers(), Metrics.from_dict(row))
    assert scorecards.compute_scorecard(assessment_a) == expected
    assert expected.criterion("MEA-1").status is Status.SCORED


def test_computing_never_writes(assessment_a):
    ratings, events = Rating.objects.count(), AuditEvent.objects.count()
    scorecards.compute_scorecard(assessment_a)
    scorecards.compute_scorecard(assessment_a, scorecards.model_version("good-hoster-2024"), "verified")
    assert (Rating.objects.count(), AuditEvent.objects.count()) == (ratings, events)


def test_self_assessed_counts_every_current_answer(hoster_a):
    answers = {**best_answers(), "KYC-2": "none", "HCS-2": NA, "COM-5": ""}
    assessment = make_assessment(hoster_a, answers)
    engine_answers = scorecards.answers_for(assessment)
    assert engine_answers["KYC-2"] == AnswerInput("none")
    assert engine_answers["HCS-2"] == AnswerInput(None, na=True)
    assert engine_answers["COM-5"] is None
    card = scorecards.compute_scorecard(assessment)
    assert card.criterion("HCS-2").status is Status.NA
    assert card.criterion("COM-5").status is Status.UNANSWERED
    assert not card.gate("identity-verification").passed


def test_verified_counts_only_accepted_answers_and_rejected_ones_score_zero(hoster_a):
    assessment = make_assessment(hoster_a, {**best_answers(), "HCS-2": NA})
    accepted = set(best_answers()) - {"KYC-1", "CON-1", "HCS-2"}
    verified = scorecards.compute_scorecard(assessment, basis="verified", accepted=accepted)
    self_assessed = scorecards.compute_scorecard(assessment)
    for code in ("KYC-1", "HCS-2"):
        assert verified.criterion(code).status is Status.UNANSWERED
        assert verified.criterion(code).points == 0
    assert self_assessed.criterion("HCS-2").status is Status.NA
    assert verified.criterion("KYC-3").points == self_assessed.criterion("KYC-3").points
    assert not verified.gate("terms-forbid-csam").passed and verified.grade == "F"
    assert verified.score < self_assessed.score
    by_callable = scorecards.compute_scorecard(assessment, basis="verified", accepted=lambda a: accepted)
    by_mapping = scorecards.compute_scorecard(assessment, basis="verified", accepted={assessment.pk: accepted})
    assert by_callable == by_mapping == verified


def test_verified_counts_exactly_the_answers_the_review_accepted(hoster_a, auditor):
    assessment = make_assessment(hoster_a)
    nothing = scorecards.compute_scorecard(assessment, basis="verified")
    assert nothing.score == 0 and all(
        item.status is not Status.SCORED for item in nothing.criteria if not item.code.startswith("MEA")
    )
    AnswerReview.objects.bulk_create(
        AnswerReview(assessment=assessment, criterion_code=code, decision="accepted", note="ok", reviewer=auditor)
        for code in best_answers()
    )
    assert scorecards.compute_scorecard(assessment, basis="verified") == scorecards.compute_scorecard(assessment)


def test_a_model_for_another_questionnaire_is_refused(hoster_a):
    assessment = make_assessment(hoster_a)
    version = scorecards.model_version()
    version.questionnaire.code = "other"
    with pytest.raises(scorecards.ScoringInputError, match="scores questionnaire other"):
        scorecards.compute_scorecard(assessment, version)


# Ratings --------------------------------------------------------------------------------------------------------


def test_save_rating_keeps_the_card_and_the_metrics_it_used(assessment_a, owner_a):
    rating = scorecards.save_rating(owner_a, assessment_a)
    card = scorecards.compute_scorecard(assessment_a)
    rating.refresh_from_db()
    assert rating.scorecard == card.to_dict()
    assert float(rating.score) == card.score and rating.grade == card.grade
    assert rating.certifiable_by_score == card.certifiable_by_score
    assert rating.basis == Rating.Basis.SELF_ASSESSED and rating.created_by == owner_a
    assert rating.metrics["notices"] == 20 and rating.metrics["norm_hours"] == 24
    assert rating.model_version == scorecards.model_version()
    event = AuditEvent.objects.get(action="scoring.rating.saved")
    assert event.object_id == str(rating.pk) and event.data["grade"] == card.grade
    assert Rating.objects.latest_for(assessment_a, "self_assessed") == rating
    assert Rating.objects.latest_for(assessment_a, "verified") is None


def test_a_rating_is_immutable(assessment_a):
    rating = scorecards.save_rating(None, assessment_a)
    rating.grade = "A"
    with pytest.raises(TypeError):
        rating.save()
    with pytest.raises(TypeError):
        rating.delete()
    with pytest.raises(TypeError):
        Rating.objects.filter(pk=rating.pk).update(grade="A")
    with pytest.raises(TypeError):
        Rating.objects.filter(pk=rating.pk).delete()


def test_current_assessments_are_the_latest_not_rejected_per_hoster(hoster_a, hoster_b):
    old = make_assessment(hoster_a, status=Assessment.Status.APPROVED, period=(date(2024, 1, 1),) * 2)
    rejected = make_assessment(hoster_a, status=Assessment.Status.REJECTED)
    draft_b = make_assessment(hoster_b)
    assert set(scorecards.current_assessments()) == {old, draft_b}
    assert rejected not in scorecards.current_assessments()


def test_rescore_all_rates_every_current_assessment(hoster_a, hoster_b):
    add_notices(hoster_a, [2.0] * 20)
    assessments = [make_assessment(hoster_a), make_assessment(hoster_b, {"CON-1": "no"})]
    version = scorecards.model_version("good-hoster-2024")
    result = scorecards.rescore_all(version)
    assert result.ratings == 2 and sum(result.grades.values()) == 2
    for assessment in assessments:
        rating = Rating.objects.get(assessment=assessment)
        assert rating.scorecard == scorecards.compute_scorecard(assessment, version).to_dict()
        assert rating.model_version == version
    assert Rating.objects.get(assessment=assessments[1]).grade == "F"
    event = AuditEvent.objects.get(action="scoring.ratings.rescored")
    assert event.data["ratings"] == 2


def test_rescore_all_needs_the_same_queries_for_more_assessments(hoster_a, hoster_b):
    version = scorecards.model_version()
    make_assessment(hoster_a)
    cache.clear()  # both runs compute the figures (a second run would find them under the same data version)
    with CaptureQueriesContext(connection) as few:
        scorecards.rescore_all(version)
    make_assessment(hoster_b)
    for index in range(5):
        make_assessment(make_hoster(f"extra-{index}"))
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert scorecards.rescore_all(version).ratings == 7
    assert len(many) == len(few)


def test_rescore_all_on_the_verified_basis(hoster_a):
    assessment = make_assessment(hoster_a)
    scorecards.rescore_all(scorecards.model_version(), "verified", accepted={assessment.pk: {"CON-1"}})
    rating = Rating.objects.get(assessment=assessment)
    assert rating.basis == "verified"
    assert rating.scorecard == scorecards.compute_scorecard(assessment, basis="verified", accepted={"CON-1"}).to_dict()


def test_answers_json_round_trips_through_the_command_format(hoster_a):
    assessment = make_assessment(hoster_a, {**best_answers(), "HCS-2": NA, "COM-5": ""})
    answers = scorecards.answers_for(assessment)
    assert scorecards.parse_answers_json(scorecards.answers_as_json(answers)) == answers


def test_an_unchanged_copy_of_a_published_model_loads_as_unchanged(tmp_path):
    shutil.copy(FIXTURES / "good-hoster-2020.yaml", tmp_path)
    assert [result.created for result in scorecards.load_scoring_models(tmp_path)] == [False]
