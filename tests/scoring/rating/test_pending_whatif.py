"""Pending notices in ratings and what-if: the share and the sample are over the due notices, and typing figures by
hand starts from the due ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from scoring.rating import scorecards
from tests.scoring.rating.helpers import add_notices, make_assessment
from tests.scoring.rating.test_whatif_page import form_of

pytestmark = pytest.mark.django_db

URL = reverse("scorecard_whatif")


@pytest.fixture
def assessment_with_pending(hoster_a):
    # 12 notices removed after 3 hours, and 3 still open at the period's end (midnight in Amsterdam, 23:00 UTC),
    # sent 51, 27 and 3 hours before it: under the 24-hour norm the last is not yet due, the others are overdue.
    add_notices(hoster_a, [3.0] * 12)
    add_notices(hoster_a, [None] * 3, start=datetime(2025, 12, 29, 20, tzinfo=UTC), prefix="late")
    return make_assessment(hoster_a)


def test_a_rating_counts_only_the_due_notices(assessment_with_pending):
    evaluation = scorecards.evaluate(assessment_with_pending)
    metrics = evaluation.metrics
    assert (metrics["notices"], metrics["pending"], metrics["due"], metrics["within_norm_pct"]) == (15, 1, 14, 85.71)
    card = evaluation.card
    assert card.criterion("MEA-1").answer == pytest.approx(12 / 14, abs=1e-4)
    assert metrics["open_over_norm"] == 2 and card.gate("open-over-norm").passed is False  # 2 of 14 due (> 1%)


def test_what_if_starts_typed_figures_from_the_due_notices_and_keeps_the_card(
    assessment_with_pending, supervisor, client_for
):
    client = client_for(supervisor)
    form = form_of(client.get(URL, {"assessment": assessment_with_pending.pk}))
    typed = client.get(URL, {**form, "figures": "manual"})
    fields = form_of(typed)
    assert (fields["notices"], fields["within_norm_pct"], fields["open_over_norm"]) == ("14", "85.71", "2")
    comparison = typed.context["comparison"]
    assert comparison.whatif.card.score == comparison.current.card.score
    rows = {row.label: (row.current, row.whatif) for row in comparison.figures}
    assert rows["Notices due"] == (14, 14) and rows["Not yet due"] == (1, 0)
