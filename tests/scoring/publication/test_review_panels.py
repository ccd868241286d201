"""The panel that sends a hoster's members to their draft figures of a monitor period in review: on the dashboard
and the company page, with the deadline; never another hoster's review, nothing when no review awaits a reply."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import strip_tags

from portal.models import Hoster, User
from scoring.publication.models import MonitorReview, MonitorReviewHoster
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("dashboard")
SENTENCE = "Your figures for Monitor January 2025 are open for review until"


def in_review(code: str, *hosters: Hoster, state: str = MonitorReview.State.IN_REVIEW, days: int = 10) -> MonitorReview:
    """A review of January 2025 that names `hosters`, closing in `days` days (negative: closed already)."""
    now = timezone.now()
    review = MonitorReview.objects.create(
        code=code,
        title=f"Monitor January 2025{'' if code == '2025-01' else ' ' + code}",
        date_from=date(2025, 1, 1),
        date_to=date(2025, 1, 31),
        scoring_model="test",
        norm_hours=24,
        state=state,
        opened_at=now - timedelta(days=4),
        closes_at=now + timedelta(days=days),
    )
    MonitorReviewHoster.objects.bulk_create(
        [MonitorReviewHoster(review=review, hoster=hoster, notified_at=now) for hoster in hosters]
    )
    return review


def text_of(user: User, url: str = DASHBOARD, language: str = "en") -> str:
    client = logged_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def words(content: str) -> str:
    return " ".join(strip_tags(content).split())


def test_a_member_is_sent_to_its_draft_with_the_deadline(owner_a, hoster_a):
    review = in_review("2025-01", hoster_a)
    content = text_of(owner_a)
    assert SENTENCE in words(content)
    with translation.override("en"):
        deadline = formats.date_format(timezone.localtime(review.closes_at), "DATETIME_FORMAT")
    assert f"{SENTENCE} {deadline}: check them and dispute what is wrong." in words(content)
    assert reverse("monitor_review_hoster", args=["hoster-a", "2025-01"]) in content


def test_a_member_of_another_hoster_never_sees_it(owner_b, hoster_a, hoster_b):
    in_review("2025-01", hoster_a)
    content = text_of(owner_b)
    assert "Monitor January 2025" not in content and 'id="monitor-review"' not in content
    assert reverse("monitor_review_hoster", args=["hoster-a", "2025-01"]) not in content


@pytest.mark.parametrize(
    ("state", "days"),
    [
        (MonitorReview.State.DRAFT, 10),
        (MonitorReview.State.IN_REVIEW, -1),  # the time to reply has run out
        (MonitorReview.State.PUBLISHED, 10),
    ],
)
def test_nothing_when_no_review_awaits_a_reply(owner_a, hoster_a, state, days):
    in_review("2025-01", hoster_a, state=state, days=days)
    assert 'id="monitor-review"' not in text_of(owner_a)


def test_the_company_page_shows_it_to_members_only(owner_a, viewer_a, supervisor, hoster_a):
    in_review("2025-01", hoster_a)
    url = reverse("hoster_detail", args=["hoster-a"])
    assert SENTENCE in words(text_of(viewer_a, url))
    assert SENTENCE in words(text_of(owner_a, url))
    assert 'id="monitor-review"' not in text_of(supervisor, url)  # the supervisor follows the review on its page


def test_the_queries_do_not_grow_with_the_reviews(owner_a, hoster_a, hoster_b):
    in_review("2025-01", hoster_a, hoster_b)
    client = logged_in(owner_a)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as one:
        assert client.get(DASHBOARD).status_code == 200
    for code in ("2025-01-b", "2025-01-c", "2025-01-d"):
        in_review(code, hoster_a, hoster_b)
    with CaptureQueriesContext(connection) as four:
        content = client.get(DASHBOARD).content.decode()
    assert content.count("Check your figures for") == 4
    assert len(four) == len(one)


def test_the_panel_speaks_dutch(owner_a, hoster_a):
    """The words come from the Dutch catalogue once the lead compiles it; the deadline is Dutch already."""
    review = in_review("2025-01", hoster_a)
    content = text_of(owner_a, language="nl")
    with translation.override("nl"):
        deadline = formats.date_format(timezone.localtime(review.closes_at), "DATETIME_FORMAT")
    assert '<html lang="nl"' in content and 'id="monitor-review"' in content
    assert deadline in words(content)
