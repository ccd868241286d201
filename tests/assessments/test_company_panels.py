"""The company page's assessments panel: each self-assessment of the hoster with its state and the next step for
the reader's role, for members and supervisors only, in a number of queries that does not grow with the assessments."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags

from assessments import services
from assessments.models import Assessment, Decision
from portal.models import Hoster, User
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
COMPANY_A = reverse("hoster_detail", args=["hoster-a"])


def company_page(user: User, url: str = COMPANY_A) -> str:
    response = logged_in(user).get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def panel_of(content: str) -> str:
    """The text of the assessments panel, or '' when the page has none."""
    found = re.search(r'<section[^>]*id="assessments"[^>]*>(.*?)</section>', content, re.S)
    return " ".join(strip_tags(found.group(1)).split()) if found else ""


def closed_assessment(owner: User, hoster: Hoster, year: int, status: str, auditor: User) -> Assessment:
    """A past assessment of `year`, approved or rejected by `auditor` with a recorded decision."""
    assessment = services.start_assessment(owner, hoster, date(year, 1, 1), date(year, 12, 31))
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    Decision.objects.create(assessment=assessment, outcome=status, rationale="Decided by the test.", decided_by=auditor)
    return assessment


def test_the_owner_sees_each_assessment_with_its_state_and_next_step(owner_a, draft_a):
    content = company_page(owner_a)
    panel = panel_of(content)
    assert "Self-assessment January 2025 \N{EN DASH} December 2025" in panel and "Draft" in panel
    assert "questions still need an answer" in panel and "Continue answering" in panel
    assert reverse("assessments:detail", args=[draft_a.pk]) in content
    assert 'class="next-step' in content
    assert reverse("assessments:start", args=["hoster-a"]) not in content  # one open assessment at a time


def test_the_next_step_follows_the_readers_role(viewer_a, editor_a, supervisor, draft_a):
    assert "The owners and editors are answering the questions." in panel_of(company_page(viewer_a))
    assert "questions still need an answer" in panel_of(company_page(editor_a))
    supervisor_panel = panel_of(company_page(supervisor))
    assert "The owners and editors are answering the questions." in supervisor_panel
    assert "Continue answering" not in supervisor_panel


def test_closed_assessments_say_what_came_of_them(owner_a, hoster_a, auditor, questionnaire):
    approved = closed_assessment(owner_a, hoster_a, 2023, Assessment.Status.APPROVED, auditor)
    closed_assessment(owner_a, hoster_a, 2024, Assessment.Status.REJECTED, auditor)
    content = company_page(owner_a)
    panel = panel_of(content)
    assert "Approved, but no certificate was issued" in panel  # the decision was not certifiable
    assert reverse("scorecard_detail", args=[approved.pk]) in content
    assert "Read the auditor's rationale" in panel
    assert reverse("assessments:start", args=["hoster-a"]) in content  # nothing open: the owner may start one


def test_without_assessments_the_owner_is_offered_to_start_one(owner_a, viewer_a, questionnaire):
    assert "No self-assessment yet." in panel_of(company_page(owner_a))
    assert reverse("assessments:start", args=["hoster-a"]) in company_page(owner_a)
    assert reverse("assessments:start", args=["hoster-a"]) not in company_page(viewer_a)


def test_another_company_never_sees_them(owner_b, viewer_b, draft_a, draft_b):
    for outsider in (owner_b, viewer_b):
        assert logged_in(outsider).get(COMPANY_A).status_code == 404
        own_page = company_page(outsider, reverse("hoster_detail", args=["hoster-b"]))
        assert reverse("assessments:detail", args=[draft_b.pk]) in own_page
        assert reverse("assessments:detail", args=[draft_a.pk]) not in own_page


def test_an_auditor_outside_the_hoster_has_no_company_page(auditor, draft_a):
    assert logged_in(auditor).get(COMPANY_A).status_code == 404


def test_the_query_count_does_not_grow_with_the_assessments(owner_a, hoster_a, auditor, draft_a):
    client = logged_in(owner_a)
    client.get(COMPANY_A)  # the session and the caches settle

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(COMPANY_A).status_code == 200
        return len(captured)

    one = queries()
    for year, status in ((2021, "approved"), (2022, "rejected"), (2023, "approved"), (2024, "approved")):
        Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.REJECTED)  # room to start one
        closed_assessment(owner_a, hoster_a, year, status, auditor)
        Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.DRAFT)
    assert panel_of(company_page(owner_a)).count("Next step:") == 5
    assert queries() == one
