"""The whole journey in a real browser, a screenshot of every step (tests/artifacts/screenshots/journey-NN-*.png).

A hoster owner signs up in Dutch, confirms the e-mail, registers a hoster, invites an editor (who accepts), fills
the assessment with evidence, is refused images and submits; an English-speaking supervisor signs in with TOTP,
verifies the hoster and assigns an auditor; the auditor signs in with TOTP, reviews the evidence inline and asks a
clarification; the owner changes that answer and resubmits; the auditor accepts and approves; the certificate is
on the registry, its verification page says valid and its PDF downloads.

Selectors use names, ids and form actions, never visible text, so the test holds while the Dutch translation
changes; where a message matters it is compared with the translation the server itself gives.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import expect

from assessments import review, services
from assessments.evidence import _image_refusal
from assessments.models import Assessment
from portal.models import Hoster, Role, User
from scoring.certification.models import Certificate, CertificateStatus
from tests import factories
from tests.assessments.helpers import best_value, make_pdf
from tests.browser.conftest import force_session, screenshot, sign_in
from tests.scoring.certification.helpers import notices_for

OWNER_EMAIL = "eigenaar@schoonhost.example"
OWNER_PASSWORD = "Zeer-geheim-wachtwoord-2026"
EDITOR_EMAIL = "redacteur@schoonhost.example"
HOSTER_NAME = "SchoonHost B.V."
BROWSER_SECTION = "KYC"


def png_bytes() -> bytes:
    """A real PNG of one pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + (chunk(b"IEND", b""))
    )


def jpeg_bytes() -> bytes:
    """The start of a JFIF file: enough for any content sniffer to call it a JPEG."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def link_in_mail(to: str, pattern: str) -> str:
    """The path of the first link matching `pattern` in the last e-mail to `to`."""
    messages = [message for message in mail.outbox if to in message.to]
    assert messages, f"no e-mail to {to}; outbox: {[(m.to, m.subject) for m in mail.outbox]}"
    match = re.search(pattern, messages[-1].body)
    assert match, messages[-1].body
    return match.group(0)


def submit_form(page, form_selector: str) -> None:
    """Click the form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()
    page.wait_for_load_state()


def pdf_viewer_of(page, document, timeout_ms: int = 10_000):
    """The frame of Chromium's PDF viewer inside a frame that shows a PDF, once the viewer has attached it."""
    for _ in range(timeout_ms // 100):
        if document.child_frames:
            return document.child_frames[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no PDF viewer in {document.url}")


def quiet_inline_pdfs(page) -> None:
    """Serve the review page's PDF frames as empty text from now on.

    Each frame starts Chromium's PDF viewer; two dozen of them on every reload of the review page cost seconds.
    The inline evidence itself is checked (and looked at) once before this is called.
    """
    page.route(
        re.compile(r"/assessments/\d+/evidence/\d+/inline/$"),
        lambda route: route.fulfill(status=200, content_type="text/plain", body=""),
    )


def prefill_other_sections(user, assessment: Assessment) -> None:
    """Best answers and the evidence they need for every section but BROWSER_SECTION, through the service layer.

    Only for speed: one whole section (every criterion of it, answers and documents) goes through the browser's
    autosave and upload controls below; the other four sections would only repeat those same controls.
    """
    criteria = [c for c in assessment.questionnaire.parsed.criteria if c.section != BROWSER_SECTION]
    services.save_answers(user, assessment, {c.code: services.AnswerInput(value=best_value(c)) for c in criteria})
    for criterion in criteria:
        if criterion.evidence in {"document", "document_or_url"}:
            pdf = io.BytesIO(make_pdf(f"{criterion.code} policy"))
            services.attach_evidence_file(user, assessment, criterion.code, pdf, f"{criterion.code}.pdf")
        elif criterion.evidence == "url":
            services.attach_evidence_url(
                user, assessment, criterion.code, f"https://schoonhost.example/{criterion.code}"
            )


@pytest.mark.django_db(transaction=True)
def test_the_whole_journey(page_for, live_server, tmp_path):
    base = live_server.url
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@goodhoster.example", language="en")
    auditor = factories.make_role_user(Role.AUDITOR, email="auditor@goodhoster.example", language="en")

    # 1. The owner signs up in Dutch and confirms the address with the link from the e-mail.
    owner_page = page_for("nl")
    owner_page.goto(f"{base}/accounts/signup/")
    assert owner_page.locator("html").get_attribute("lang") == "nl"
    owner_page.fill("input[name=email]", OWNER_EMAIL)
    owner_page.fill("input[name=password1]", OWNER_PASSWORD)
    owner_page.fill("input[name=password2]", OWNER_PASSWORD)
    screenshot(owner_page, "journey-01-signup")
    submit_form(owner_page, "main form")
    expect(owner_page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    screenshot(owner_page, "journey-02-verification-sent")

    confirm = link_in_mail(OWNER_EMAIL, r"/accounts/confirm-email/[^/\s]+/")
    owner_page.goto(base + confirm)
    screenshot(owner_page, "journey-03-confirm-email")
    submit_form(owner_page, "main form")
    expect(owner_page).to_have_url(re.compile(r"/dashboard/$"))
    screenshot(owner_page, "journey-04-dashboard")

    # 2. The owner registers the hoster.
    owner_page.goto(f"{base}/hosters/new/")
    owner_page.fill("#id_name", HOSTER_NAME)
    owner_page.fill("#id_legal_name", "SchoonHost Besloten Vennootschap")
    owner_page.fill("#id_coc_number", "12345678")
    owner_page.fill("#id_website", "https://schoonhost.example")
    owner_page.fill("#id_abuse_email", "abuse@schoonhost.example")
    owner_page.fill("#id_declared_customers", "1200")
    screenshot(owner_page, "journey-05-register-hoster")
    submit_form(owner_page, "main form")
    hoster = Hoster.objects.get(name=HOSTER_NAME)
    expect(owner_page).to_have_url(re.compile(rf"/hosters/{hoster.slug}/$"))
    assert hoster.verification == Hoster.Verification.UNVERIFIED
    assert hoster.memberships.get().user.email == OWNER_EMAIL

    # 3. The owner invites an editor; the invitation e-mail goes out and the editor accepts it in the browser.
    owner_page.goto(f"{base}/hosters/{hoster.slug}/members/")
    owner_page.fill("#id_email", EDITOR_EMAIL)
    owner_page.select_option("#id_role", "editor")
    submit_form(owner_page, "#h-invite + p + form")
    expect(owner_page.locator(".alert-success")).to_be_visible()
    screenshot(owner_page, "journey-06-invitation-sent")
    invitation = link_in_mail(EDITOR_EMAIL, r"/invitations/[^/\s]+/")

    factories.make_user(EDITOR_EMAIL, language="nl")
    editor_page = page_for("nl")
    sign_in(editor_page, base, EDITOR_EMAIL, factories.PASSWORD)
    editor_page.goto(base + invitation)
    screenshot(editor_page, "journey-07-editor-invitation")
    submit_form(editor_page, "main form")
    expect(editor_page).to_have_url(re.compile(rf"/hosters/{hoster.slug}/$"))
    assert hoster.memberships.get(user__email=EDITOR_EMAIL).role == "editor"
    editor_page.context.close()

    # The hotline's notices for the hoster arrive (imported as the supervisor would): 20 in the measurement
    # period, each removed within two hours, so the measured criteria score and pass their gates.

    # 4. The owner starts the assessment on the default period and answers a whole section in the browser.
    owner_page.goto(f"{base}/assessments/start/{hoster.slug}/")
    # The Dutch page renders the default dates as 01-11-2025, which a date input cannot show (see
    # test_the_start_form_shows_the_default_period_in_dutch): the owner types the period in.
    first_day, last_day = services.default_period()
    owner_page.fill("#id_period_start", first_day.isoformat())
    owner_page.fill("#id_period_end", last_day.isoformat())
    submit_form(owner_page, "main form")
    assessment = Assessment.objects.get(hoster=hoster)
    expect(owner_page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/$"))
    period_start = timezone.make_aware(datetime.combine(assessment.period_start, datetime.min.time()))
    notices_for(hoster, 20, hours=2, start=period_start + timedelta(days=3), prefix="journey-")
    prefill_other_sections(User.objects.get(email=OWNER_EMAIL), assessment)

    section = assessment.questionnaire.parsed.sections[0]
    assert section.code == BROWSER_SECTION
    owner_page.goto(f"{base}/assessments/{assessment.pk}/sections/{section.code}/")
    for criterion in section.criteria:
        card = owner_page.locator(f"#crit-{criterion.code}")
        card.locator(f"input[name=value][value='{best_value(criterion)}']").check()  # autosaves on change
        expect(card.locator(f"#status-{criterion.code} .text-success")).to_be_visible()
    screenshot(owner_page, "journey-08-section-answered")

    # Images are refused, whatever their name says, with the "no image content" message (in Dutch here).
    with translation.override("nl"):
        refusal = str(_image_refusal().args[0])
    first = section.criteria[0].code
    for name, content, mime in (("beleid.png", png_bytes(), "image/png"), ("scan.pdf", jpeg_bytes(), "image/jpeg")):
        card = owner_page.locator(f"#crit-{first}")
        card.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})
        card.locator("form[enctype='multipart/form-data'] button[type=submit]").click()  # swaps this question only
        expect(card.locator(f"#evidence-error-{first}")).to_contain_text(refusal)
    screenshot(owner_page, "journey-09-image-refused")
    assert not assessment.answers.get(criterion_code=first).evidence.exists()

    for criterion in section.criteria:
        if criterion.evidence == "none":
            continue
        pdf = make_pdf(f"{criterion.code}: beleid van {HOSTER_NAME}")
        card = owner_page.locator(f"#crit-{criterion.code}")
        card.locator("input[type=file]").set_input_files(
            {"name": f"{criterion.code}-beleid.pdf", "mimeType": "application/pdf", "buffer": pdf}
        )
        card.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
        expect(card.locator(f"#evidence-status-{criterion.code}")).to_contain_text(f"{criterion.code}-beleid.pdf")
        expect(owner_page.locator(f"#crit-{criterion.code} a[href*='/evidence/']").first).to_be_visible()
    screenshot(owner_page, "journey-10-evidence-uploaded")

    # 5. Nothing is missing: the owner submits.
    owner_page.goto(f"{base}/assessments/{assessment.pk}/")
    expect(owner_page.locator("#missing-items")).to_have_count(0)
    submit_form(owner_page, f"form[action='/assessments/{assessment.pk}/submit/']")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    screenshot(owner_page, "journey-11-submitted")

    # 6. The supervisor (English) signs in with TOTP, verifies the hoster and assigns the auditor.
    supervisor_page = page_for("en")
    sign_in(
        supervisor_page,
        base,
        supervisor.email,
        factories.PASSWORD,
        totp_secret=factories.TOTP_SECRET,
        shot="journey-12-supervisor-totp",
    )
    supervisor_page.goto(f"{base}/supervision/hosters/")
    supervisor_page.locator(f"a[href='/supervision/hosters/{hoster.slug}/verify/']").click()
    supervisor_page.check("input[name=decision][value=verified]")
    supervisor_page.fill("textarea[name=reason]", "Chamber of Commerce record and abuse contact checked.")
    screenshot(supervisor_page, "journey-13-verify-hoster")
    submit_form(supervisor_page, "main form")
    hoster.refresh_from_db()
    assert hoster.verification == Hoster.Verification.VERIFIED

    supervisor_page.goto(f"{base}/assessments/review/assign/")
    supervisor_page.select_option(f"#auditor-{assessment.pk}", str(auditor.pk))
    screenshot(supervisor_page, "journey-14-assign-auditor")
    submit_form(supervisor_page, f"form[action='/assessments/{assessment.pk}/assign/']")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_REVIEW
    assert any(auditor.email in message.to for message in mail.outbox)
    supervisor_page.context.close()

    # 7. The auditor signs in with TOTP and reviews the evidence inline.
    auditor_page = page_for("en")
    sign_in(
        auditor_page,
        base,
        auditor.email,
        factories.PASSWORD,
        totp_secret=factories.TOTP_SECRET,
        shot="journey-15-auditor-totp",
    )
    auditor_page.goto(f"{base}/assessments/review/queue/")
    auditor_page.locator(f"a[href='/assessments/{assessment.pk}/review/']").first.click()
    expect(auditor_page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/review/$"))
    auditor_page.locator(f"a[href$='/review/?section={BROWSER_SECTION}']").first.click()
    frame = auditor_page.locator(f"#crit-{first} iframe").first
    expect(frame).to_have_attribute("src", re.compile(r"/inline/$"))
    inline = auditor_page.request.get(base + frame.get_attribute("src"))
    assert inline.status == 200
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.body().startswith(b"%PDF")
    # Chromium's own PDF viewer renders the document inside the sandboxed frame.
    frame.scroll_into_view_if_needed()
    document = frame.element_handle().content_frame()
    document.wait_for_load_state()
    expect(pdf_viewer_of(auditor_page, document).locator("pdf-viewer")).to_be_attached()
    screenshot(auditor_page, "journey-16-review-evidence-inline", full_page=False)
    quiet_inline_pdfs(auditor_page)

    # The first answer goes back for clarification, the rest of the section is accepted in the browser; the other
    # sections are accepted through the service layer (the same form, 21 more times, would only cost time).
    for criterion in section.criteria:
        decision = "clarification" if criterion.code == first else "accepted"
        auditor_page.check(f"#review-{criterion.code}-{decision}")
        note = "Which customers does the policy cover?" if decision == "clarification" else "Policy document checked."
        auditor_page.fill(f"#review-{criterion.code}-note", note)
        auditor_page.locator(f"#crit-{criterion.code} form.review-verdict button[type=submit]").click()  # htmx
        expect(auditor_page.locator(f"#head-{criterion.code}")).not_to_have_attribute("data-state", "unreviewed")
    for criterion in assessment.questionnaire.parsed.criteria:
        if criterion.section != BROWSER_SECTION:
            review.review_answer(auditor, assessment, criterion.code, "accepted", "Evidence checked.")
    auditor_page.goto(f"{base}/assessments/{assessment.pk}/review/")
    auditor_page.fill("#changes-message", f"Please clarify {first}.")
    submit_form(auditor_page, f"form[action='/assessments/{assessment.pk}/review/changes/']")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.CHANGES_REQUESTED
    screenshot(auditor_page, "journey-17-clarification-asked")

    # 8. The owner answers: changes the answer in question, replies in its discussion and resubmits.
    owner_page.goto(f"{base}/assessments/{assessment.pk}/sections/{section.code}/")
    card = owner_page.locator(f"#crit-{first}")
    expect(card.locator(".alert-warning")).to_be_visible()
    card.locator(f"#id_{first}_comment").fill("Het beleid geldt voor alle klanten, ook resellers.")
    card.locator("button[type=submit]").first.click()  # htmx saves the form in place
    expect(card.locator(f"#status-{first} .text-success")).to_be_visible()
    screenshot(owner_page, "journey-18-answer-changed")
    quiet_inline_pdfs(owner_page)
    owner_page.goto(f"{base}/assessments/{assessment.pk}/review/?section={section.code}")
    owner_page.fill(f"#comment-{first}", "Zie de toelichting bij het antwoord: alle klanten.")
    owner_page.locator(f"#thread-{first} button[type=submit]").click()  # htmx sends it in place
    expect(owner_page.locator(f"#thread-{first}")).to_contain_text("alle klanten")
    owner_page.goto(f"{base}/assessments/{assessment.pk}/")
    submit_form(owner_page, f"form[action='/assessments/{assessment.pk}/submit/']")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_REVIEW
    screenshot(owner_page, "journey-19-resubmitted")

    # 9. The auditor sees the change, accepts it and approves with a rationale: the certificate is issued.
    auditor_page.goto(f"{base}/assessments/{assessment.pk}/review/")
    expect(auditor_page.locator("#changes-heading")).to_be_visible()
    auditor_page.goto(f"{base}/assessments/{assessment.pk}/review/?section={section.code}")
    expect(auditor_page.locator(f"#thread-{first}")).to_contain_text("alle klanten")
    auditor_page.check(f"#review-{first}-accepted")
    auditor_page.fill(f"#review-{first}-note", "Clear now.")
    auditor_page.locator(f"#crit-{first} form.review-verdict button[type=submit]").click()  # htmx
    expect(auditor_page.locator(f"#head-{first}")).to_have_attribute("data-state", "accepted")
    auditor_page.goto(f"{base}/assessments/{assessment.pk}/review/")
    auditor_page.check("#outcome-approved")
    auditor_page.fill("#decision-rationale", "Every answer is backed by accepted evidence; takedown data within norm.")
    submit_form(auditor_page, f"form[action='/assessments/{assessment.pk}/review/decision/']")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED
    certificate = Certificate.objects.get(hoster=hoster)
    assert certificate.state == CertificateStatus.VALID
    expect(auditor_page.locator("#decision-heading")).to_be_visible()
    expect(auditor_page.locator("main")).to_contain_text(certificate.serial)
    screenshot(auditor_page, "journey-20-approved")

    # 10. The public sees it: registry, verification page, PDF.
    public_page = page_for("nl")
    public_page.goto(f"{base}/registry/")
    expect(public_page.locator(f"main a[href='/registry/{hoster.slug}/']").first).to_be_visible()
    screenshot(public_page, "journey-21-registry")
    public_page.goto(f"{base}/verify/{certificate.serial}/")
    expect(public_page.locator(".alert-success[role=status]")).to_contain_text(HOSTER_NAME)
    expect(public_page.locator("#pdf-sha256")).to_have_text(certificate.pdf_sha256)
    screenshot(public_page, "journey-22-verify-valid")
    pdf = public_page.request.get(f"{base}/certificates/{certificate.serial}.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_the_start_form_shows_the_default_period_in_dutch(page_for, live_server):
    hoster = factories.make_hoster("datum-host")
    owner = factories.make_member(hoster, "owner", language="nl")
    page = page_for("nl")
    force_session(page, live_server.url, owner)
    page.goto(f"{live_server.url}/assessments/start/{hoster.slug}/")
    first_day, last_day = services.default_period()
    assert page.input_value("#id_period_start") == first_day.isoformat()
    assert page.input_value("#id_period_end") == last_day.isoformat()
