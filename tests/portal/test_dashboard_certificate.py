"""The hoster's certificate on the dashboard and the company page: grade, status, validity, serial, the badge
snippet, a suspension or revocation with its public reason and the next step, expiry warnings, and per assessment
its state and next step. One company never sees another's certificate."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from assessments import services
from assessments.models import Assessment
from portal.models import User
from scoring.certification.models import Certificate
from scoring.certification.panels import EXPIRY_NOTICE_DAYS, badge_snippet
from scoring.certification.services import revoke_certificate, suspend_certificate
from tests.assessments.helpers import answer_everything
from tests.conftest import logged_in
from tests.scoring.certification.helpers import certify

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
ISSUED = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)


@pytest.fixture
def certificate_a(owner_a, hoster_a, supervisor) -> Certificate:
    with time_machine.travel(ISSUED, tick=False):
        return certify(owner_a, hoster_a, supervisor)


@pytest.fixture
def draft_a(owner_a, hoster_a) -> Assessment:
    return services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))


def page(user: User, url: str, when: datetime | None = None, *, language: str = "en") -> str:
    """The page as `user` sees it at `when` (signed in then, so a session never outlives the travel)."""
    with time_machine.travel(when or ISSUED + timedelta(days=10), tick=False):
        client = logged_in(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def words(content: str) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(strip_tags(content).split())


def dashboard(user: User, when: datetime | None = None, *, language: str = "en") -> str:
    return page(user, reverse("dashboard"), when, language=language)


def test_the_owner_sees_the_valid_certificate_and_its_badge_snippet(owner_a, hoster_a, certificate_a):
    content = dashboard(owner_a)
    assert 'id="panel-certificate"' in content
    assert certificate_a.serial in content
    assert certificate_a.valid_until.strftime("%-d %B %Y") in content
    assert f'<strong class="fs-4">{certificate_a.grade}</strong>' in content
    assert "Valid" in content and "Nothing needs doing now" in content
    snippet = badge_snippet(hoster_a)
    assert f"{settings.SITE_URL}/badge/{hoster_a.slug}.svg" in snippet
    assert f"{settings.SITE_URL}/registry/{hoster_a.slug}/" in snippet
    assert snippet in content  # in the text area, escaped once
    assert 'data-copy-from="badge-snippet"' in content and 'role="status"' in content
    assert 'id="certificate-expiring"' not in content and 'id="certificate-suspended"' not in content


def test_the_snippet_escapes_a_hostile_hoster_name(hoster_a):
    hoster_a.name = 'Evil" onerror="alert(1)'
    assert 'onerror="alert' not in badge_snippet(hoster_a)


def test_a_suspension_by_the_daily_run_shows_its_reason_and_the_way_back(owner_a, certificate_a):
    with time_machine.travel(ISSUED + timedelta(days=20), tick=False):
        suspend_certificate(
            certificate_a, None, "Too slow.", reason_nl="Te langzaam.", automatic=True, data={"gates": []}
        )
    content = dashboard(owner_a, ISSUED + timedelta(days=21))
    assert 'id="certificate-suspended"' in content
    assert "Your certificate is suspended" in content and "Reason: Too slow." in words(content)
    assert reverse("scoring:hoster_metrics", args=["hoster-a"]) in content
    assert reverse("scoring:hoster_notices", args=["hoster-a"]) in content
    assert "ask the supervisor to reinstate" in content
    assert 'data-copy-from="badge-snippet"' not in content  # no badge to paste while suspended


def test_the_reason_is_in_the_readers_language(owner_a, certificate_a):
    with time_machine.travel(ISSUED + timedelta(days=20), tick=False):
        suspend_certificate(
            certificate_a, None, "Too slow.", reason_nl="Te langzaam.", automatic=True, data={"gates": []}
        )
    content = dashboard(owner_a, ISSUED + timedelta(days=21), language="nl")
    assert "Te langzaam." in content and "Too slow." not in content


def test_a_suspension_by_the_supervisor_says_whom_to_turn_to(
    owner_a, supervisor, certificate_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend_certificate(certificate_a, supervisor, "The KYC policy is not applied.")
    assert [message.to for message in mail.outbox if "suspended" in message.subject.lower()] == [
        [owner_a.email],
        [supervisor.email],
    ]
    assert "The KYC policy is not applied." in mail.outbox[0].body
    content = dashboard(owner_a, datetime.now(AMS))
    assert "Reason: The KYC policy is not applied." in words(content)
    assert "only the supervisor can reinstate" in content
    assert "hoster_metrics" not in content


def test_a_revocation_shows_its_reason_and_a_new_assessment_as_the_way_back(
    owner_a, editor_a, supervisor, certificate_a
):
    revoke_certificate(certificate_a, supervisor, "Forged evidence.")
    content = dashboard(owner_a, datetime.now(AMS))
    assert 'id="certificate-revoked"' in content and "Reason: Forged evidence." in words(content)
    assert "cannot be reinstated" in content
    assert reverse("assessments:start", args=["hoster-a"]) in content
    editor_view = dashboard(editor_a, datetime.now(AMS))
    assert "Reason: Forged evidence." in words(editor_view)
    assert reverse("assessments:start", args=["hoster-a"]) not in editor_view
    assert "ask one of your company's owners" in editor_view


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [(100, None), (EXPIRY_NOTICE_DAYS, "alert-warning"), (45, "alert-warning"), (7, "alert-danger")],
)
def test_an_expiry_warning_comes_within_sixty_days(owner_a, certificate_a, days_before, expected):
    until = certificate_a.valid_until
    when = datetime(until.year, until.month, until.day, 12, 0, tzinfo=AMS) - timedelta(days=days_before)
    content = dashboard(owner_a, when)
    if expected is None:
        assert 'id="certificate-expiring"' not in content
        return
    assert f'class="alert {expected}" id="certificate-expiring"' in content
    assert f"Your certificate expires in {days_before} days" in content
    assert reverse("assessments:start", args=["hoster-a"]) in content


def test_the_expiry_warning_points_to_the_assessment_under_way(owner_a, hoster_a, certificate_a):
    until = certificate_a.valid_until
    when = datetime(until.year, until.month, until.day, 12, 0, tzinfo=AMS) - timedelta(days=30)
    with time_machine.travel(when, tick=False):
        renewal = services.start_assessment(owner_a, hoster_a, *services.default_period())
    content = dashboard(owner_a, when)
    assert "Your self-assessment in progress: Draft." in content
    assert reverse("assessments:detail", args=[renewal.pk]) in content


def test_an_expired_certificate_says_so(owner_a, certificate_a):
    until = certificate_a.valid_until
    content = dashboard(owner_a, datetime(until.year, until.month, until.day, 12, 0, tzinfo=AMS) + timedelta(days=2))
    assert 'id="certificate-expired"' in content and certificate_a.serial in content
    assert "Expired" in content


def test_a_hoster_without_a_certificate_is_told_how_to_get_one(owner_a):
    content = dashboard(owner_a)
    assert "Hoster A has no certificate yet." in content
    assert "When an auditor approves it with grade A or B" in content


def test_the_company_page_shows_the_certificate_to_members_and_supervisors(
    owner_a, viewer_a, supervisor, certificate_a
):
    url = reverse("hoster_detail", args=["hoster-a"])
    viewer_page = page(viewer_a, url)
    assert certificate_a.serial in viewer_page and 'id="certificate-next-steps"' in viewer_page
    supervisor_page = page(supervisor, url)
    assert certificate_a.serial in supervisor_page
    assert 'data-copy-from="badge-snippet"' not in supervisor_page  # the snippet is for the hoster's website
    assert 'id="certificate-next-steps"' not in supervisor_page


def test_another_company_never_sees_the_certificate(owner_b, certificate_a):
    assert logged_in(owner_b).get(reverse("hoster_detail", args=["hoster-a"])).status_code == 404
    content = dashboard(owner_b)
    assert certificate_a.serial not in content and "Hoster B has no certificate yet." in content


def test_every_company_page_module_offers_hoster_panels():
    for module_name in settings.HOSTER_PAGE_PANELS:
        assert callable(import_module(module_name).hoster_panels), module_name


# The assessments panel: each assessment's state and the next step in words.


def test_a_draft_names_what_remains_for_an_editor_and_an_owner(owner_a, editor_a, draft_a):
    owner_view = dashboard(owner_a, datetime.now(AMS))
    assert 'class="next-step' in owner_view and "questions still need an answer" in owner_view
    answer_everything(owner_a, draft_a)
    assert "Submit it for review" in dashboard(owner_a, datetime.now(AMS))
    assert "Ask an owner to submit it" in dashboard(editor_a, datetime.now(AMS))


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Assessment.Status.SUBMITTED, "A supervisor assigns an auditor"),
        (Assessment.Status.IN_REVIEW, "An auditor is reviewing"),
        (Assessment.Status.REJECTED, "Read the auditor's rationale"),
    ],
)
def test_each_state_has_its_next_step(owner_a, draft_a, status, words):
    Assessment.objects.filter(pk=draft_a.pk).update(status=status)
    with translation.override("en"):
        assert words in dashboard(owner_a, datetime.now(AMS))


def test_the_company_page_shows_a_suspension_and_each_assessments_next_step(owner_a, viewer_a, certificate_a):
    with time_machine.travel(ISSUED + timedelta(days=20), tick=False):
        suspend_certificate(
            certificate_a, None, "Too slow.", reason_nl="Te langzaam.", automatic=True, data={"gates": []}
        )
    url = reverse("hoster_detail", args=["hoster-a"])
    content = page(owner_a, url, ISSUED + timedelta(days=21))
    assert 'id="certificate-suspended"' in content and "Reason: Too slow." in words(content)
    assert reverse("scoring:hoster_metrics", args=["hoster-a"]) in content
    assert 'id="panel-company-assessments"' in content
    assert "Approved. The certificate is on the company page." in words(content)
    viewer_page = page(viewer_a, url, ISSUED + timedelta(days=21))
    assert "Reason: Too slow." in words(viewer_page) and 'id="panel-company-assessments"' in viewer_page
