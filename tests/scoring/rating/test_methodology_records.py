"""The methodology on every figure (DESIGN §4.2): recorded with ratings and certificates, shown with them, and a
warning wherever two cards or two models whose figures were computed differently are compared."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from scoring.certification.services import issue_certificate
from scoring.engine import ScoreCard
from scoring.measurement import methodology
from scoring.measurement.methodology import LEGACY, VERSION, Methodology
from scoring.rating import scorecards
from scoring.rating.impact import compare_models
from scoring.rating.models import Rating
from tests.scoring.certification.helpers import approved_assessment, pdf_text, verified_rating
from tests.scoring.rating.helpers import add_notices, make_assessment

pytestmark = pytest.mark.django_db


def legacy_rating(assessment) -> Rating:
    """A rating as kept before methodologies were recorded (no methodology, metrics without `pending`)."""
    evaluation = scorecards.evaluate(assessment)
    frozen = {key: value for key, value in evaluation.metrics.items() if key not in ("pending", "due")}
    rating = Rating.of_card(evaluation.card, assessment, evaluation.model_version, "self_assessed", metrics=frozen)
    rating.methodology = None
    rating.save()
    return rating


def test_a_saved_rating_records_the_methodology_at_its_norm_and_cut_off(hoster_a):
    add_notices(hoster_a, [3.0] * 12)
    assessment = make_assessment(hoster_a)
    rating = scorecards.save_rating(None, assessment)
    recorded = Methodology.from_dict(rating.methodology)
    assert (recorded.version, recorded.norm_hours) == (VERSION, 24.0)
    assert recorded.cutoff == datetime.fromisoformat(rating.metrics["as_of"])
    assert rating.methodology_used == recorded


def test_a_rating_kept_before_methodologies_reads_as_legacy_and_keeps_its_figures(hoster_a):
    add_notices(hoster_a, [3.0] * 12)
    rating = legacy_rating(make_assessment(hoster_a))
    rating.refresh_from_db()
    assert rating.methodology is None and "pending" not in rating.metrics
    assert (rating.methodology_used.version, rating.methodology_used.norm_hours) == (LEGACY, 24.0)


def test_the_card_page_warns_that_a_legacy_rating_does_not_compare(hoster_a, owner_a, client_for):
    add_notices(hoster_a, [3.0] * 12)
    assessment = make_assessment(hoster_a)
    legacy_rating(assessment)
    scorecards.save_rating(None, assessment)
    html = client_for(owner_a).get(reverse("scorecard_detail", args=[assessment.pk])).content.decode()
    assert html.count("Not comparable with the card above") == 1  # the legacy rating, not the new one
    assert "only one of them leaves notices that are not yet due out of the rates" in html
    assert f"Methodology {VERSION}" in html  # the live card's figures name theirs


def test_a_certificate_keeps_its_ratings_methodology_and_shows_it_on_the_pdf_and_verification_page(
    owner_a, hoster_a, supervisor, client
):
    assessment = approved_assessment(owner_a, hoster_a)
    rating = verified_rating(assessment)
    certificate = issue_certificate(assessment, rating, supervisor)
    assert certificate.methodology == rating.methodology
    assert certificate.methodology_used.version == VERSION
    assert f"{VERSION} · 24 h" in pdf_text(bytes(certificate.pdf))
    html = client.get(reverse("verify", args=[certificate.serial])).content.decode()
    assert f"{VERSION}, removed within 24 hours" in html and "Not yet due" in html


def test_a_certificate_issued_on_a_legacy_rating_says_legacy(owner_a, hoster_a, supervisor, client):
    assessment = approved_assessment(owner_a, hoster_a)
    rating = verified_rating(assessment)
    legacy = Rating.of_card(ScoreCard.from_dict(rating.scorecard), assessment, rating.model_version, rating.basis)
    legacy.methodology = None
    legacy.save()
    certificate = issue_certificate(assessment, legacy, supervisor)
    assert certificate.methodology is None and certificate.methodology_used.version == LEGACY
    assert (
        f"{LEGACY}, removed within 24 hours"
        in client.get(reverse("verify", args=[certificate.serial])).content.decode()
    )


def test_the_impact_of_a_model_with_another_norm_says_what_differs(hoster_a, supervisor, client_for, capsys):
    add_notices(hoster_a, [3.0] * 12)
    make_assessment(hoster_a)
    impact = compare_models(scorecards.model_version("good-hoster-2020"), scorecards.model_version("good-hoster-2024"))
    assert impact.methodology_differences == ["the norm differs (24 and 12 hours)"]
    assert impact.to_dict()["methodology_b"]["norm_hours"] == 12.0
    same = compare_models(scorecards.model_version("good-hoster-2020"), scorecards.model_version("good-hoster-2020"))
    assert same.methodology_differences == []
    html = client_for(supervisor).get(reverse("scorecard_impact"), {"a": "good-hoster-2020", "b": "good-hoster-2024"})
    assert "the norm differs (24 and 12 hours)" in html.content.decode()
    call_command("compare_models", "good-hoster-2020", "good-hoster-2024")
    assert "warning: the figures do not compare: the norm differs (24 and 12 hours)" in capsys.readouterr().out


def test_what_if_under_a_model_with_another_norm_warns_and_under_the_same_does_not(hoster_a, supervisor, client_for):
    add_notices(hoster_a, [3.0] * 12)
    assessment = make_assessment(hoster_a)
    client = client_for(supervisor)
    other = client.get(reverse("scorecard_whatif"), {"assessment": assessment.pk, "model": "good-hoster-2024"})
    assert other.context["comparison"].methodology_differences == ["the norm differs (24 and 12 hours)"]
    assert "were not computed the same way" in other.content.decode()
    same = client.get(reverse("scorecard_whatif"), {"assessment": assessment.pk, "model": "good-hoster-2020"})
    assert same.context["comparison"].methodology_differences == []
    assert "were not computed the same way" not in same.content.decode()


def test_differences_name_the_rules_and_the_norm_but_not_the_cut_off():
    new = methodology.current(12, datetime(2026, 1, 1, tzinfo=UTC))
    assert methodology.differences(new, methodology.current(12, datetime(2026, 7, 1, tzinfo=UTC))) == []
    legacy = Methodology.from_dict(None, norm_hours=24)
    found = methodology.differences(legacy, new)
    assert len(found) == 2 and "GH-M-2020.1" in found[0] and "24 and 12 hours" in found[1]


def test_methodology_of_a_metrics_row_takes_its_norm_and_cut_off():
    row = {"norm_hours": 12, "as_of": "2025-06-30T12:00:00+02:00"}
    used = methodology.methodology_of(row, 24)
    assert (used.version, used.norm_hours, used.cutoff.isoformat()) == (VERSION, 12.0, "2025-06-30T12:00:00+02:00")
    assert methodology.methodology_of(None, 24) == methodology.current(24)
