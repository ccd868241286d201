"""One clarification round in a real browser, the round that once made the review page answer 500.

The hoster has submitted; the auditor asks for clarification on KYC-1 and hands the assessment back; an editor adds
a new document (a real PDF) to KYC-1 and the owner resubmits; auditor and owner open the review page, which shows
the change with the new document's name; the auditor accepts KYC-1 and approves. A screenshot of every step is kept
as tests/artifacts/screenshots/clarification-NN-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assessments import review, services
from assessments.models import Assessment, Evidence
from portal.models import MemberRole, Role
from tests import factories
from tests.assessments.helpers import answer_everything, make_pdf
from tests.browser.conftest import force_session, screenshot
from tests.scoring.certification.helpers import PERIOD

ASKED = "KYC-1"
NEW_DOCUMENT = "kyc-policy-2026.pdf"


def quiet_inline_pdfs(page) -> None:
    """Frame each PDF as a little text: Chromium's PDF viewer is looked at in the workspace journey, not here."""
    page.route(
        re.compile(r"/assessments/\d+/evidence/\d+/inline/$"),
        lambda route: route.fulfill(status=200, content_type="text/plain", body="PDF"),
    )


def open_review(page, base: str, assessment: Assessment, section: str = "") -> None:
    response = page.goto(f"{base}/assessments/{assessment.pk}/review/{'?section=' + section if section else ''}")
    assert response is not None and response.status == 200, response and response.status


def build_round() -> dict:
    """Round Host has submitted; the auditor has accepted every answer but KYC-1."""
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@round.example")
    auditor = factories.make_role_user(Role.AUDITOR, email="auditor@round.example")
    hoster = factories.make_hoster("round-host", name="Round Host")
    owner = factories.make_member(hoster, MemberRole.OWNER, email="owner@round.example")
    editor = factories.make_member(hoster, MemberRole.EDITOR, email="editor@round.example")
    assessment = services.start_assessment(owner, hoster, *PERIOD)
    answer_everything(owner, assessment)
    services.submit_assessment(owner, assessment, send_mail=False)
    review.assign_auditor(supervisor, assessment, auditor, send_mail=False)
    for criterion in assessment.questionnaire.parsed.criteria:  # the rest of the review is not this test's subject
        if criterion.code != ASKED:
            review.review_answer(auditor, assessment, criterion.code, "accepted", "Evidence checked.")
    return {"assessment": assessment, "auditor": auditor, "owner": owner, "editor": editor}


def signed_in(page_for, base: str, user, language: str):
    page = page_for(language)
    page.set_viewport_size({"width": 1280, "height": 900})
    force_session(page, base, user)
    quiet_inline_pdfs(page)
    return page


def auditor_asks_for_clarification(page, base: str, assessment: Assessment) -> None:
    """KYC-1 marked for clarification (saved in place), then the assessment handed back."""
    open_review(page, base, assessment, "KYC")
    card = page.locator(f"#crit-{ASKED}")
    card.locator(f"#review-{ASKED}-clarification").check()
    card.locator(f"#review-{ASKED}-note").fill("Which customers does the policy cover? Please add the current policy.")
    card.locator("form.review-verdict button[type=submit]").click()
    expect(page.locator(f"#head-{ASKED}")).to_have_attribute("data-state", "asked")
    expect(page.locator(f"#saved-{ASKED}")).to_be_focused()
    screenshot(page, "clarification-01-auditor-asks", full_page=False)
    open_review(page, base, assessment)
    page.fill("#changes-message", "Please clarify KYC-1.")
    with page.expect_navigation():
        page.locator("form[action$='/review/changes/'] button[type=submit]").click()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.CHANGES_REQUESTED
    screenshot(page, "clarification-02-changes-requested", full_page=False)


def editor_adds_a_document(page, base: str, assessment: Assessment) -> None:
    page.goto(f"{base}/assessments/{assessment.pk}/sections/KYC/")
    upload = page.locator(f"#crit-{ASKED} form[enctype='multipart/form-data']")
    upload.locator("input[type=file]").set_input_files(
        {"name": NEW_DOCUMENT, "mimeType": "application/pdf", "buffer": make_pdf("KYC policy 2026: all customers")}
    )
    upload.locator("button[type=submit]").click()
    expect(page.locator(f"#crit-{ASKED}")).to_contain_text(NEW_DOCUMENT)
    assert Evidence.objects.filter(answer__assessment=assessment, original_name=NEW_DOCUMENT).exists()
    screenshot(page, "clarification-03-document-added", full_page=False)


def owner_resubmits(page, base: str, assessment: Assessment) -> None:
    page.goto(f"{base}/assessments/{assessment.pk}/")
    with page.expect_navigation():
        page.locator(f"form[action='/assessments/{assessment.pk}/submit/'] button[type=submit]").click()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_REVIEW
    screenshot(page, "clarification-04-resubmitted", full_page=False)


def auditor_sees_the_change(page, base: str, assessment: Assessment) -> None:
    """The summary names the new document; its link opens KYC-1, clarified, with the document and its hash check."""
    open_review(page, base, assessment)
    changes = page.locator("section[aria-labelledby=changes-heading]")
    expect(changes).to_contain_text(NEW_DOCUMENT)
    expect(page.locator("#open-answers")).to_contain_text(ASKED)
    screenshot(page, "clarification-05-auditor-sees-the-change", full_page=False)
    changes.locator(f"a[href$='#crit-{ASKED}']").click()
    expect(page).to_have_url(re.compile(rf"\?section=KYC#crit-{ASKED}$"))
    card = page.locator(f"#crit-{ASKED}")
    expect(card.locator(".card-header")).to_have_attribute("data-state", "clarified")
    expect(card.locator("details[open]")).to_contain_text(NEW_DOCUMENT)
    expect(card).to_contain_text("SHA-256 verified against the stored file")
    screenshot(page, "clarification-06-auditor-sees-the-document", full_page=False)


def owner_sees_the_change(page, base: str, assessment: Assessment) -> None:
    open_review(page, base, assessment)
    expect(page.locator("section[aria-labelledby=changes-heading]")).to_contain_text(NEW_DOCUMENT)
    open_review(page, base, assessment, "KYC")
    expect(page.locator(f"#crit-{ASKED} details[open]")).to_contain_text(NEW_DOCUMENT)
    screenshot(page, "clarification-07-owner-sees-the-change", full_page=False)


def auditor_accepts_and_approves(page, base: str, assessment: Assessment) -> None:
    card = page.locator(f"#crit-{ASKED}")
    card.locator(f"#review-{ASKED}-accepted").check()
    card.locator(f"#review-{ASKED}-note").fill("The 2026 policy covers every customer.")
    card.locator("form.review-verdict button[type=submit]").click()
    expect(page.locator(f"#head-{ASKED}")).to_have_attribute("data-state", "accepted")
    expect(page.locator("#review-progress-text")).to_contain_text("27 of 27 reviewed")
    screenshot(page, "clarification-08-accepted", full_page=False)
    open_review(page, base, assessment)
    expect(page.locator("#outcome-approved")).to_be_enabled()
    page.check("#outcome-approved")
    page.fill("#decision-rationale", "Every answer is backed by its evidence, KYC-1 after clarification.")
    with page.expect_navigation():
        page.locator("form[action$='/review/decision/'] button[type=submit]").click()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED
    expect(page.locator("#decision-heading")).to_be_visible()
    screenshot(page, "clarification-09-approved", full_page=False)


@pytest.mark.django_db(transaction=True)
def test_a_document_added_in_a_clarification_round_is_reviewed_and_approved(page_for, live_server):
    data = build_round()
    assessment, base = data["assessment"], live_server.url
    auditor_page = signed_in(page_for, base, data["auditor"], "en")
    auditor_asks_for_clarification(auditor_page, base, assessment)
    editor_adds_a_document(signed_in(page_for, base, data["editor"], "nl"), base, assessment)
    owner_page = signed_in(page_for, base, data["owner"], "nl")
    owner_resubmits(owner_page, base, assessment)
    auditor_sees_the_change(auditor_page, base, assessment)
    owner_sees_the_change(owner_page, base, assessment)
    auditor_accepts_and_approves(auditor_page, base, assessment)
