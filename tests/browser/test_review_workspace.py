"""The auditor's review workspace in a real browser: section by section, evidence beside the answer, verdicts and
messages saved in place, the next unreviewed answer one key away, the decision panel; keyboard only, axe clean in
Dutch and English, and the same work without JavaScript.

Screenshots are kept as tests/artifacts/screenshots/workspace-*.png; the auditor guide's pictures
(docs/images/auditor-*.png, 1280 px wide) are taken here too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments import review, services
from assessments.models import AnswerReview, Assessment, Comment
from portal.models import MemberRole, Role
from tests import factories
from tests.assessments.helpers import answer_everything
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.certification.helpers import PERIOD

DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"
VIEWPORT = {"width": 1280, "height": 900}
TWELVE = ["KYC-1", "KYC-2", "KYC-3", "KYC-4", "KYC-5", "KYC-6", "CON-1", "CON-2", "CON-3", "CON-4", "CON-5"]


def build_review() -> dict:
    """An assessment in review with 12 of 27 answers judged (CON-6 rejected) and a message from the hoster."""
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@workspace.example")
    auditor = factories.make_role_user(Role.AUDITOR, email="anna.de.vries@audit.example")
    hoster = factories.make_hoster("voorbeeld-hosting", name="Voorbeeld Hosting B.V.")
    owner = factories.make_member(hoster, MemberRole.OWNER, email="eigenaar@voorbeeld.example")
    assessment = services.start_assessment(owner, hoster, *PERIOD)
    answer_everything(owner, assessment)
    services.submit_assessment(owner, assessment, send_mail=False)
    review.assign_auditor(supervisor, assessment, auditor, send_mail=False)
    for code in TWELVE:
        review.review_answer(auditor, assessment, code, "accepted", "Policy document checked.")
    review.review_answer(auditor, assessment, "CON-6", "rejected", "The page does not say how notices reach customers.")
    review.post_comment(owner, assessment, "De aansluiting loopt sinds maart; zie het contract.", "HCS-1")
    return {"auditor": auditor, "owner": owner, "assessment": assessment}


def docs_shot(page, name: str) -> None:
    """A picture for the auditor guide: the visible 1280 px of the page."""
    assert page.viewport_size["width"] == 1280
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"))


def quiet_inline_pdfs(page) -> None:
    """Frame PDFs as text, for axe, which cannot enter Chromium's PDF viewer."""
    page.route(
        re.compile(r"/evidence/\d+/inline/$"),
        lambda route: route.fulfill(status=200, content_type="text/plain", body="PDF"),
    )


def pdf_viewer_attached(page, frame_locator) -> None:
    frame_locator.scroll_into_view_if_needed()
    document = frame_locator.element_handle().content_frame()
    document.wait_for_load_state()
    for _ in range(100):
        if document.child_frames:
            viewer = document.child_frames[0]
            expect(viewer.locator("pdf-viewer")).to_be_attached()
            expect(viewer.locator("viewer-toolbar")).to_be_visible()
            page.wait_for_timeout(1500)  # the first page paints after the viewer is ready
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no PDF viewer in {document.url}")


def same_document(page) -> bool:
    """Whether the page is still the one marked by mark_document: nothing reloaded it."""
    return page.evaluate("window.__workspaceMark === 1")


def mark_document(page) -> None:
    page.evaluate("window.__workspaceMark = 1")


def summary_shows_what_is_open(page, review_url: str) -> None:
    """The summary: the progress, the sections with their counts, what is still open; approval not yet possible."""
    page.goto(review_url)
    expect(page.locator("#review-progress-text")).to_contain_text("12 of 27 reviewed")
    expect(page.locator("#open-answers li")).to_have_count(15)
    expect(page.locator("#open-answers a").first).to_have_attribute("href", re.compile(r"\?section=HCS#crit-HCS-1$"))
    expect(page.locator("#outcome-approved")).to_be_disabled()
    expect(page.locator("#approve-blocked")).to_contain_text("15 answers have no verdict")
    page.wait_for_load_state("networkidle")  # the measured data and the score card
    screenshot(page, "workspace-01-summary")
    docs_shot(page, "auditor-review")
    page.locator("#decision-panel").scroll_into_view_if_needed()
    docs_shot(page, "auditor-decision")


def n_opens_the_next_answer_beside_its_pdf(page) -> None:
    """N opens the next unreviewed answer, in its section, with its PDF in Chromium's viewer beside it."""
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"\?section=HCS#crit-HCS-1$"))
    card = page.locator("#crit-HCS-1")
    expect(card).to_be_focused()
    expect(page.locator("a[aria-current=page][href$='?section=HCS']")).to_be_visible()
    expect(page.locator("article.review-item")).to_have_count(5)
    pdf_viewer_attached(page, card.locator("iframe"))
    card.scroll_into_view_if_needed()
    screenshot(page, "workspace-02-next-unreviewed", full_page=False)
    docs_shot(page, "auditor-review-answer")


def a_verdict_by_keyboard_is_saved_in_place(page) -> None:
    """A verdict by keyboard alone, saved in place; typing an "n" in the note does not jump anywhere."""
    mark_document(page)
    page.locator("#viewer-HCS-1").evaluate("frame => { frame.dataset.kept = 'yes'; }")
    page.locator("#review-HCS-1-accepted").focus()
    page.keyboard.press("Space")
    expect(page.locator("#review-HCS-1-accepted")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("#review-HCS-1-note")).to_be_focused()
    page.keyboard.type("Connection contract seen; checks run since March.")
    expect(page).to_have_url(re.compile(r"#crit-HCS-1$"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#saved-HCS-1")).to_be_focused()
    expect(page.locator("#head-HCS-1")).to_have_attribute("data-state", "accepted")
    expect(page.locator("#review-progress-text")).to_contain_text("13 of 27 reviewed")
    expect(page.locator("#review-next")).to_contain_text("HCS-2")
    expect(page.locator("a[href$='?section=HCS'] .visually-hidden")).to_have_text("1 of 5 reviewed")
    assert same_document(page)
    expect(page.locator("#viewer-HCS-1")).to_have_attribute("data-kept", "yes")  # the document stays open
    assert AnswerReview.objects.filter(criterion_code="HCS-1").get().note.startswith("Connection contract seen")
    screenshot(page, "workspace-03-saved-in-place", full_page=False)
    docs_shot(page, "auditor-review-saved")


def n_again_stays_in_the_section_and_can_be_switched_off(page) -> None:
    """Switched off, N does nothing; switched on again, N goes to the next answer in the section without a reload."""
    switch = page.locator("#review-shortcut")
    switch.focus()
    page.keyboard.press("Space")
    expect(switch).not_to_be_checked()
    page.keyboard.press("n")
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(r"#crit-HCS-1$"))
    expect(switch).to_be_focused()
    page.keyboard.press("Space")
    expect(switch).to_be_checked()
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"#crit-HCS-2$"))
    expect(page.locator("#crit-HCS-2")).to_be_focused()
    assert same_document(page)


def a_message_and_a_refusal_stay_at_the_answer(page) -> None:
    """A message in the answer's discussion, sent in place; a refused verdict stays at its answer."""
    page.locator("#comment-HCS-2").fill("Which hash lists does the upload check use?")
    page.locator("#thread-HCS-2 button[type=submit]").click()
    expect(page.locator("#thread-HCS-2")).to_contain_text("Which hash lists")
    expect(page.locator("#thread-HCS-2-sent")).to_be_focused()
    assert Comment.objects.filter(criterion_code="HCS-2").count() == 1
    page.locator("#review-HCS-2-rejected").check()
    page.locator("#review-HCS-2-note").evaluate("note => note.removeAttribute('required')")
    page.locator("#crit-HCS-2 form.review-verdict button[type=submit]").click()
    expect(page.locator("#review-HCS-2-error")).to_be_focused()
    expect(page.locator("#review-HCS-2-error")).to_contain_text("Write a note")
    assert not AnswerReview.objects.filter(criterion_code="HCS-2").exists()
    assert same_document(page)
    page.route(re.compile(r"/review/answers/HCS-2/$"), lambda route: route.fulfill(status=500, body="Server Error"))
    page.locator("#review-HCS-2-rejected").check()
    page.locator("#review-HCS-2-note").fill("No hash lists named.")
    page.locator("#crit-HCS-2 form.review-verdict button[type=submit]").click()
    expect(page.locator("#crit-HCS-2 .review-failed")).to_be_focused()
    expect(page.locator("#crit-HCS-2 .review-failed")).to_contain_text("Not saved")
    page.unroute(re.compile(r"/review/answers/HCS-2/$"))
    screenshot(page, "workspace-04-message-and-refusal", full_page=False)


def an_old_link_opens_the_answer_in_its_section(page, review_url: str) -> None:
    """An old link to an answer on the review page (as the hoster's pages give) opens that answer's section."""
    page.goto(f"{review_url}#crit-NTD-2")
    expect(page).to_have_url(re.compile(r"\?section=NTD#crit-NTD-2$"))
    expect(page.locator("#crit-NTD-2")).to_be_focused()


@pytest.mark.django_db(transaction=True)
def test_the_auditor_reviews_with_the_keyboard_in_place(page_for, live_server):
    data = build_review()
    assessment, base = data["assessment"], live_server.url
    review_url = f"{base}/assessments/{assessment.pk}/review/"
    page = page_for("en")
    page.set_viewport_size(VIEWPORT)
    force_session(page, base, data["auditor"])

    page.goto(f"{base}/assessments/review/queue/")
    docs_shot(page, "auditor-queue")

    summary_shows_what_is_open(page, review_url)
    n_opens_the_next_answer_beside_its_pdf(page)
    a_verdict_by_keyboard_is_saved_in_place(page)
    n_again_stays_in_the_section_and_can_be_switched_off(page)
    a_message_and_a_refusal_stay_at_the_answer(page)
    an_old_link_opens_the_answer_in_its_section(page, review_url)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_workspace_has_no_serious_violations(page_for, live_server, language):
    data = build_review()
    assessment, base = data["assessment"], live_server.url
    problems = {}
    for who in ("auditor", "owner"):
        page = page_for(language)
        page.set_viewport_size(VIEWPORT)
        force_session(page, base, data[who])
        quiet_inline_pdfs(page)
        for section in ("", "KYC", "HCS"):
            response = page.goto(
                f"{base}/assessments/{assessment.pk}/review/{'?section=' + section if section else ''}"
            )
            assert response.status == 200
            assert page.locator("html").get_attribute("lang") == language
            page.wait_for_load_state("networkidle")
            screenshot(page, f"workspace-a11y-{language}-{who}-{section or 'summary'}")
            violations = axe_violations(page)
            if violations:
                problems[f"{who} {section or 'summary'}"] = violations
    assert problems == {}


@pytest.mark.django_db(transaction=True)
def test_the_workspace_works_without_javascript(browser, live_server):
    data = build_review()
    assessment, base = data["assessment"], live_server.url
    context = browser.new_context(java_script_enabled=False, locale="en", viewport=VIEWPORT)
    try:
        page = context.new_page()
        force_session(page, base, data["auditor"])
        page.goto(f"{base}/assessments/{assessment.pk}/review/?section=NTD")
        page.locator("#review-NTD-1-accepted").check()
        page.locator("#review-NTD-1-note").fill("Procedure seen.")
        with page.expect_navigation():
            page.locator("#crit-NTD-1 form.review-verdict button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"\?section=NTD&saved=NTD-1#crit-NTD-1$"))
        expect(page.locator("#saved-NTD-1")).to_contain_text("13 of 27 reviewed")
        page.locator("#comment-NTD-1").fill("Thank you.")
        with page.expect_navigation():
            page.locator("#thread-NTD-1 button[type=submit]").click()
        expect(page.locator("#thread-NTD-1")).to_contain_text("Thank you.")
        screenshot(page, "workspace-05-without-javascript", full_page=False)
        page.goto(f"{base}/assessments/{assessment.pk}/review/")
        page.locator("#outcome-rejected").check()
        page.locator("#decision-rationale").fill("The HashCheckService is not used for uploads.")
        with page.expect_navigation():
            page.locator("form[action$='/review/decision/'] button[type=submit]").click()
        assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.REJECTED
    finally:
        context.close()
