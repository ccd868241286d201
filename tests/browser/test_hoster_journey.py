"""The hoster's daily work in a real browser: the certificate on the dashboard (its badge snippet copied by
keyboard), a suspension with its reason and the way back (on the company page too, beside each assessment's next
step), a revocation, an expiry warning, a refused upload answered at its field with focus kept there (also without
JavaScript), and the timeline in sentences (the raw events for supervisors only). Each page is checked with axe in
English and Dutch; screenshots at 1280 px go to tests/artifacts/screenshots/ and, for the user guide,
docs/images/hoster-*.png.

Selectors use ids and names, never visible text, so the test holds while translations change.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from assessments import review, services
from portal.models import MemberRole, Role
from scoring.certification.services import revoke_certificate, suspend_certificate
from tests import factories
from tests.assessments.helpers import answer_everything, make_pdf
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.certification.helpers import PERIOD, certify

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WIDTH = 1280
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
LANGUAGES = ("en", "nl")


def open_as(page_for, base: str, user, language: str, path: str):
    page = page_for(language)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    force_session(page, base, user)
    page.goto(base + path)
    return page


def shoot(page, name: str, language: str, *, guide: bool = False, element: str = "") -> None:
    """A screenshot per language (of the page, or of one `element`); the English one is the guide's when `guide`."""
    path = screenshot(page, f"hoster-{name}-{language}")
    if element:
        path = path.with_name(f"hoster-{name}-{language}-detail.png")
        page.locator(element).screenshot(path=str(path))
    if guide and language == "en":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMAGES / f"hoster-{name}.png")


def assert_accessible(page, where: str) -> None:
    assert axe_violations(page) == [], where


def person(hoster, role, email: str, first: str, last: str):
    user = factories.make_member(hoster, role, email=email)
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_the_certificate_and_its_badge_snippet_copied_by_keyboard(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@goodhoster.example")
    hoster = factories.make_hoster("zeilhost", name="Zeilhost B.V.")
    owner = person(hoster, MemberRole.OWNER, "anna@zeilhost.example", "Anna", "de Vries")
    certificate = certify(owner, hoster, supervisor)

    for language in LANGUAGES:
        page = open_as(page_for, live_server.url, owner, language, "/dashboard/")
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        panel = page.locator("#certificate")
        expect(panel).to_contain_text(certificate.serial)
        expect(panel.locator("dd strong")).to_have_text(certificate.grade)
        expect(page.locator("#certificate-suspended, #certificate-expiring")).to_have_count(0)

        # Keyboard only: Tab to the copy button and press Enter.
        copy = page.locator("button[data-copy-from=badge-snippet]")
        for _press in range(80):
            if copy.evaluate("button => button === document.activeElement"):
                break
            page.keyboard.press("Tab")
        else:
            raise AssertionError("the copy button cannot be reached with Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#badge-snippet-status")).to_have_text(copy.get_attribute("data-copied"))
        assert page.evaluate("navigator.clipboard.readText()") == page.locator("#badge-snippet").input_value()
        assert f"/badge/{hoster.slug}.svg" in page.locator("#badge-snippet").input_value()
        assert copy.evaluate("button => button === document.activeElement")  # focus stays on the button
        shoot(page, "dashboard", language, guide=True)
        assert_accessible(page, f"dashboard {language}")

        page.goto(f"{live_server.url}/hosters/{hoster.slug}/")
        expect(page.locator("#certificate")).to_contain_text(certificate.serial)
        shoot(page, "company", language)
        assert_accessible(page, f"company page {language}")


@pytest.mark.django_db(transaction=True)
def test_a_suspension_and_an_expiry_warning_say_what_to_do(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@goodhoster.example")
    slow = factories.make_hoster("traaghost", name="Traaghost B.V.")
    slow_owner = person(slow, MemberRole.OWNER, "piet@traaghost.example", "Piet", "Bakker")
    suspended = certify(slow_owner, slow, supervisor)
    reason = "The daily measurement of the last 90 days no longer meets the requirements: too few removed in time."
    suspend_certificate(
        suspended, None, reason, reason_nl="De dagelijkse meting voldoet niet meer.", automatic=True, data={}
    )

    ageing = factories.make_hoster("oudhost", name="Oudhost B.V.")
    ageing_owner = person(ageing, MemberRole.OWNER, "els@oudhost.example", "Els", "Smit")
    with time_machine.travel(timezone.now() - timedelta(days=320), tick=False):
        expiring = certify(ageing_owner, ageing, supervisor)

    for language in LANGUAGES:
        page = open_as(page_for, live_server.url, slow_owner, language, "/dashboard/")
        alert = page.locator("#certificate-suspended")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text(reason if language == "en" else "De dagelijkse meting voldoet niet meer.")
        steps = page.locator("#certificate-next-steps")
        expect(steps.locator(f"a[href='/hoster/{slow.slug}/metrics/']")).to_be_visible()
        expect(steps.locator(f"a[href='/hoster/{slow.slug}/notices/']")).to_be_visible()
        expect(page.locator("#badge-snippet")).to_have_count(0)
        shoot(page, "certificate-suspended", language, guide=True)
        assert_accessible(page, f"suspended {language}")

        page = open_as(page_for, live_server.url, ageing_owner, language, "/dashboard/")
        warning = page.locator("#certificate-expiring")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(str((expiring.valid_until - timezone.localdate()).days))
        expect(page.locator(f"#certificate-next-steps a[href='/assessments/start/{ageing.slug}/']")).to_be_visible()
        shoot(page, "certificate-expiring", language, guide=True)
        assert_accessible(page, f"expiring {language}")


@pytest.mark.django_db(transaction=True)
def test_the_company_page_shows_a_suspension_and_the_assessments_next_step(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@goodhoster.example")
    hoster = factories.make_hoster("kaaphost", name="Kaaphost B.V.")
    owner = person(hoster, MemberRole.OWNER, "joost@kaaphost.example", "Joost", "Mulder")
    certificate = certify(owner, hoster, supervisor)
    reason = "The KYC policy named in the assessment is not applied to resellers."
    suspend_certificate(certificate, supervisor, reason)
    renewal = services.start_assessment(owner, hoster, *services.default_period())

    for language in LANGUAGES:
        page = open_as(page_for, live_server.url, owner, language, f"/hosters/{hoster.slug}/")
        alert = page.locator("#certificate-suspended")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text(reason)
        expect(alert).to_contain_text(certificate.serial)
        expect(page.locator("#certificate-next-steps li")).to_have_count(1)  # remedy, then the supervisor
        rows = page.locator("#company-assessments > li")
        expect(rows).to_have_count(2)
        draft = rows.first
        expect(draft.locator(f"a[href='/assessments/{renewal.pk}/']")).to_be_visible()
        expect(draft.locator(f".next-step a[href^='/assessments/{renewal.pk}/sections/']")).to_be_visible()
        expect(rows.nth(1).locator(f".next-step a[href='/hosters/{hoster.slug}/#certificate']")).to_be_visible()
        shoot(page, "company-suspended", language, guide=True)
        assert_accessible(page, f"company page, suspended {language}")


@pytest.mark.django_db(transaction=True)
def test_a_revoked_certificate_says_so_on_the_dashboard(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@goodhoster.example")
    hoster = factories.make_hoster("valshost", name="Valshost B.V.")
    owner = person(hoster, MemberRole.OWNER, "kees@valshost.example", "Kees", "Jansen")
    certificate = certify(owner, hoster, supervisor)
    reason = "The evidence for KYC-1 was forged."
    revoke_certificate(certificate, supervisor, reason)

    for language in LANGUAGES:
        page = open_as(page_for, live_server.url, owner, language, "/dashboard/")
        alert = page.locator("#certificate-revoked")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text(reason)
        expect(alert).to_contain_text(certificate.serial)
        expect(page.locator("#certificate-suspended, #badge-snippet")).to_have_count(0)
        expect(page.locator(f"#certificate-next-steps a[href='/assessments/start/{hoster.slug}/']")).to_be_visible()
        shoot(page, "certificate-revoked", language, element="#certificate")
        assert_accessible(page, f"revoked {language}")


@pytest.mark.django_db(transaction=True)
def test_without_javascript_a_refused_upload_is_answered_at_its_field(browser, page_for, live_server):
    hoster = factories.make_hoster("zeilhost", name="Zeilhost B.V.")
    owner = person(hoster, MemberRole.OWNER, "anna@zeilhost.example", "Anna", "de Vries")
    draft = services.start_assessment(owner, hoster, *PERIOD)
    section = f"{live_server.url}/assessments/{draft.pk}/sections/KYC/"

    for language in LANGUAGES:
        context = browser.new_context(
            java_script_enabled=False,
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": WIDTH, "height": 900},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            force_session(page, live_server.url, owner)
            page.goto(section)
            page.locator("#id_KYC-1_evidence_file").set_input_files(
                {"name": "policy.pdf", "mimeType": "application/pdf", "buffer": JPEG}
            )
            with page.expect_navigation():
                page.locator("#evidence-KYC-1 button[type=submit]").last.click()
            assert page.url == f"{section}#id_KYC-1_evidence_file"  # the refused field, which takes the focus
            error = page.locator("#evidence-error-KYC-1")
            expect(error).to_be_visible()
            expect(error).to_have_attribute("role", "alert")
            expect(error).to_be_in_viewport()
            expect(page.locator("main > div[aria-live] .alert")).to_have_count(0)  # nothing at the top of the page
            file_input = page.locator("#id_KYC-1_evidence_file")
            expect(file_input).to_be_focused()
            expect(file_input).to_have_attribute("aria-invalid", "true")
            expect(file_input).to_have_attribute("aria-describedby", "evidence-error-KYC-1")
            assert not draft.answers.filter(evidence__isnull=False).exists()
            shoot(page, "upload-refused-nojs", language, element="#crit-KYC-1")

            page.goto(section)  # shown once: a later visit starts clean
            expect(page.locator("#evidence-error-KYC-1")).to_have_count(0)
        finally:
            context.close()

        # axe needs JavaScript: the same plain post (form.submit() passes htmx by) and its page, checked with it on.
        page = open_as(page_for, live_server.url, owner, language, section.removeprefix(live_server.url))
        page.locator("#id_KYC-1_evidence_file").set_input_files(
            {"name": "policy.pdf", "mimeType": "application/pdf", "buffer": JPEG}
        )
        with page.expect_navigation():
            page.locator("#evidence-KYC-1 form").last.evaluate("form => form.submit()")
        expect(page.locator("#evidence-error-KYC-1")).to_be_visible()
        assert_accessible(page, f"refused upload without JavaScript {language}")


@pytest.mark.django_db(transaction=True)
def test_a_refused_upload_is_answered_at_its_field(page_for, live_server):
    hoster = factories.make_hoster("zeilhost", name="Zeilhost B.V.")
    owner = person(hoster, MemberRole.OWNER, "anna@zeilhost.example", "Anna", "de Vries")
    draft = services.start_assessment(owner, hoster, *PERIOD)
    services.save_answers(owner, draft, {"KYC-1": services.AnswerInput(value="yes")})

    for language in LANGUAGES:
        page = open_as(page_for, live_server.url, owner, language, f"/assessments/{draft.pk}/sections/KYC/")
        stored = draft.answers.get(criterion_code="KYC-1").evidence.count()
        file_input = page.locator("#id_KYC-1_evidence_file")
        file_input.set_input_files({"name": "policy.pdf", "mimeType": "application/pdf", "buffer": JPEG})
        url_before = page.url
        file_input.focus()
        page.keyboard.press("Tab")  # to the "Add evidence" button
        page.keyboard.press("Enter")
        error = page.locator("#evidence-error-KYC-1")
        expect(error).to_be_visible()
        expect(error).to_have_attribute("role", "alert")
        expect(error).to_be_in_viewport()
        assert page.url == url_before  # no page load, no jump
        expect(page.locator("main > div[aria-live] .alert")).to_have_count(0)  # nothing at the top of the page
        expect(page.locator("#id_KYC-1_evidence_file")).to_be_focused()
        expect(page.locator("#id_KYC-1_evidence_file")).to_have_attribute("aria-describedby", "evidence-error-KYC-1")
        assert draft.answers.get(criterion_code="KYC-1").evidence.count() == stored
        shoot(page, "upload-refused", language, guide=True, element="#crit-KYC-1")
        assert_accessible(page, f"refused upload {language}")

        page.locator("#id_KYC-1_evidence_file").set_input_files(
            {"name": f"kyc-{language}.pdf", "mimeType": "application/pdf", "buffer": make_pdf("KYC policy")}
        )
        page.locator("#evidence-KYC-1 button[type=submit]").last.click()
        expect(page.locator("#evidence-status-KYC-1")).to_contain_text(f"kyc-{language}.pdf")
        expect(page.locator("#evidence-error-KYC-1")).to_have_count(0)
        expect(page.locator(f"#evidence-KYC-1 a:has-text('kyc-{language}.pdf')")).to_be_visible()
        expect(page.locator("#id_KYC-1_evidence_file")).to_be_focused()
        shoot(page, "upload-added", language)


@pytest.mark.django_db(transaction=True)
def test_the_timeline_reads_as_sentences_and_only_supervisors_see_raw_events(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@goodhoster.example")
    supervisor.first_name, supervisor.last_name = "Sanne", "Visser"
    supervisor.save()
    auditor = factories.make_role_user(Role.AUDITOR, email="bram@audit.example")
    auditor.first_name, auditor.last_name = "Bram", "Jansen"
    auditor.save()
    hoster = factories.make_hoster("zeilhost", name="Zeilhost B.V.")
    owner = person(hoster, MemberRole.OWNER, "anna@zeilhost.example", "Anna", "de Vries")
    start = timezone.now() - timedelta(days=6)
    with time_machine.travel(start, tick=False):
        assessment = services.start_assessment(owner, hoster, *PERIOD)
        answer_everything(owner, assessment)
    with time_machine.travel(start + timedelta(days=2), tick=False):
        services.submit_assessment(owner, assessment, send_mail=False)
    with time_machine.travel(start + timedelta(days=3), tick=False):
        review.assign_auditor(supervisor, assessment, auditor, send_mail=False)
    with time_machine.travel(start + timedelta(days=5), tick=False):
        review.review_answer(auditor, assessment, "KYC-2", "accepted", "The policy covers every new customer.")
        review.review_answer(auditor, assessment, "KYC-1", "clarification", "Which customers does it cover?")
    path = f"/assessments/{assessment.pk}/timeline/"

    for language in LANGUAGES:
        page = open_as(page_for, live_server.url, owner, language, path)
        entries = page.locator(".timeline-entry")
        expect(entries.first).to_be_visible()
        text = page.locator("main").inner_text()
        assert "Bram Jansen" in text and "KYC-2" in text and "Anna de Vries" in text
        assert "assessments.answer" not in text and "{" not in text
        expect(page.locator("main details")).to_have_count(0)
        expect(page.locator("main section h2 time")).to_have_count(4)  # four days, each under its heading
        shoot(page, "timeline", language, guide=True)
        assert_accessible(page, f"timeline (hoster) {language}")

        page = open_as(page_for, live_server.url, supervisor, language, path)
        raw = page.locator("main details").first
        expect(raw).to_be_visible()
        raw.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(raw.locator("pre")).to_contain_text("assessments.assessment.started")
        shoot(page, "timeline-supervisor", language)
        assert_accessible(page, f"timeline (supervisor) {language}")
