"""The review page's score-card panel, served by the rating stage (the review itself knows nothing of scoring)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db


def test_the_panel_shows_the_metrics_and_swaps_in_the_card(client_for, owner_a, hoster_a, supervisor):
    assessment = make_assessment(hoster_a, best_answers())
    add_notices(hoster_a, [2.0] * 20)
    response = client_for(supervisor).get(reverse("scorecard_review_panel", args=[assessment.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<div id="review-metrics">') and "Notices" in page
    assert '<div id="review-card" hx-swap-oob="true">' in page and "Grade A, 100.00 of 100" in page
    assert client_for(owner_a).get(reverse("scorecard_review_panel", args=[assessment.pk])).status_code == 200


def test_outsiders_get_404(client_for, owner_b, hoster_a):
    assessment = make_assessment(hoster_a, best_answers())
    assert client_for(owner_b).get(reverse("scorecard_review_panel", args=[assessment.pk])).status_code == 404


def test_the_review_page_asks_for_the_panel(client_for, owner_a, hoster_a):
    assessment = make_assessment(hoster_a, best_answers(), status="submitted")
    page = client_for(owner_a).get(reverse("assessments:review", args=[assessment.pk])).content.decode()
    assert f'hx-get="{reverse("scorecard_review_panel", args=[assessment.pk])}"' in page
