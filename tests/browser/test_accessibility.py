"""axe-core finds no serious or critical WCAG 2.1 AA violation on the portal's main pages, in Dutch and English.

Public: home, registry, a certified hoster's profile, a certificate's verification page, login. Signed in: the
dashboard of a hoster owner, an auditor and a supervisor, a section of a draft assessment (its autosave form) and
the auditor's review page of a submitted assessment; and the journey's other pages (members, assessment overview,
review queue, auditor assignment, the supervisor's hoster list and verification form). One test per language
builds the data once and checks every page, so a failure lists all pages with problems at once; each page's
screenshot is kept as a11y-<lang>-<page>.png.
"""

from __future__ import annotations

import re

import pytest

from assessments import review, services
from portal.models import MemberRole, Role
from tests import factories
from tests.assessments.helpers import answer_everything
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.certification.helpers import PERIOD, certify


def build_data() -> dict:
    """A certified hoster, one whose assessment is in review and one with a half-answered draft, and their people."""
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@a11y.example")
    auditor = factories.make_role_user(Role.AUDITOR, email="auditor@a11y.example")

    certified = factories.make_hoster("certified-host", name="Certified Host", asns=[64500], prefixes=["192.0.2.0/24"])
    certified_owner = factories.make_member(certified, MemberRole.OWNER, email="owner@certified.example")
    certificate = certify(certified_owner, certified, supervisor)

    reviewed = factories.make_hoster("reviewed-host", name="Reviewed Host")
    reviewed_owner = factories.make_member(reviewed, MemberRole.OWNER, email="owner@reviewed.example")
    in_review = services.start_assessment(reviewed_owner, reviewed, *PERIOD)
    answer_everything(reviewed_owner, in_review)
    services.submit_assessment(reviewed_owner, in_review, send_mail=False)
    review.assign_auditor(supervisor, in_review, auditor, send_mail=False)
    review.review_answer(auditor, in_review, "KYC-1", "clarification", "Which customers does it cover?")
    review.review_answer(auditor, in_review, "KYC-2", "accepted", "Checked.")

    drafting = factories.make_hoster("drafting-host", name="Drafting Host")
    drafting_owner = factories.make_member(drafting, MemberRole.OWNER, email="owner@drafting.example")
    draft = services.start_assessment(drafting_owner, drafting, *PERIOD)
    services.save_answers(
        drafting_owner,
        draft,
        {"KYC-1": services.AnswerInput(value="yes"), "KYC-2": services.AnswerInput(value="identity")},
    )

    return {
        "pages": [
            # (name, who, path)
            ("home", None, "/"),
            ("registry", None, "/registry/"),
            ("hoster-profile", None, f"/registry/{certified.slug}/"),
            ("verify", None, f"/verify/{certificate.serial}/"),
            ("login", None, "/accounts/login/"),
            ("dashboard-owner", drafting_owner, "/dashboard/"),
            ("dashboard-auditor", auditor, "/dashboard/"),
            ("dashboard-supervisor", supervisor, "/dashboard/"),
            ("assessment-section", drafting_owner, f"/assessments/{draft.pk}/sections/KYC/"),
            ("review", auditor, f"/assessments/{in_review.pk}/review/"),
            # The other pages of the journey.
            ("members", drafting_owner, f"/hosters/{drafting.slug}/members/"),
            ("assessment-overview", drafting_owner, f"/assessments/{draft.pk}/"),
            ("review-queue", auditor, "/assessments/review/queue/"),
            ("assign-auditors", supervisor, "/assessments/review/assign/"),
            ("supervision-hosters", supervisor, "/supervision/hosters/"),
            ("verify-hoster", supervisor, f"/supervision/hosters/{drafting.slug}/verify/"),
        ],
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_main_pages_have_no_serious_violations(page_for, live_server, language):
    data = build_data()
    pages: dict = {}  # one browser context per person
    problems = {}
    for name, user, path in data["pages"]:
        if user not in pages:
            pages[user] = page_for(language)
            if user is not None:
                force_session(pages[user], live_server.url, user)
                # The review page frames each PDF in Chromium's viewer, which axe cannot enter; leave them empty.
                pages[user].route(
                    re.compile(r"/evidence/\d+/inline/$"),
                    lambda route: route.fulfill(status=200, content_type="text/plain", body="PDF"),
                )
        page = pages[user]
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, path, response.status)
        assert page.locator("html").get_attribute("lang") == language
        if user is not None:  # signed in, not sent to the login page
            assert "/accounts/login/" not in page.url, name
        if "/dashboard/" in path or "/sections/" in path:
            page.wait_for_load_state("networkidle")  # htmx panels and the score-card preview
        screenshot(page, f"a11y-{language}-{name}")
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}
