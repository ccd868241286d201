"""The timeline in words: every action code that can reach an assessment's timeline has a sentence (found by
reading every `log_action(` call of the code base), unknown codes and odd data get a generic one, the days are
grouped, and only supervisors see the raw events."""

from __future__ import annotations

import ast
import html
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from assessments import review, services
from assessments.models import AnswerReview, Decision
from assessments.timeline import SENTENCES, sentence_for, timeline_days
from portal.models import AuditEvent
from tests.assessments.helpers import answer_everything, make_pdf

ROOT = Path(__file__).resolve().parents[2]
AMS = ZoneInfo("Europe/Amsterdam")
ACTOR = "Anna de Vries"

# Values of the expressions inside f-string action codes that log on an assessment.
FORMATTED = {
    "decision": AnswerReview.Decision.values,
    "outcome": Decision.Outcome.values,
}

# One realistic `data` per code, as the code that logs it writes it.
EXAMPLES: dict[str, dict] = {
    "assessments.assessment.started": {"hoster": "a", "questionnaire": "q v1", "period": ["2025-01-01", "2025-12-31"]},
    "assessments.answers.saved": {"answers": {"KYC-1": {"value": "yes"}, "KYC-2": {"value": "no"}}, "via": "form"},
    "assessments.evidence.added": {"criterion": "KYC-2", "kind": "file", "name": "policy.pdf", "type": "pdf"},
    "assessments.evidence.removed": {"criterion": "KYC-2", "kind": "url", "url": "https://example.org/kyc"},
    "assessments.assessment.submitted": {"from": "draft", "to": "submitted", "snapshot": 1},
    "assessments.assessment.resubmitted": {"from": "changes_requested", "to": "in_review", "snapshot": 2},
    "assessments.auditor.assigned": {"auditor": "auditor@example.org", "from": "submitted", "to": "in_review"},
    "assessments.answer.accepted": {"criterion": "KYC-2", "note": "Fine.", "evidence": [], "review": 1},
    "assessments.answer.rejected": {"criterion": "KYC-2", "note": "No.", "evidence": [], "review": 2},
    "assessments.answer.clarification": {"criterion": "KYC-2", "note": "Which?", "evidence": [], "review": 3},
    "assessments.assessment.changes_requested": {"criteria": ["KYC-2", "HCS-1"], "message": "Please explain."},
    "assessments.comment.posted": {"criterion": "KYC-2", "comment": 1, "body": "Here it is."},
    "assessments.assessment.approved": {"rationale": "Good.", "grade": "A", "certificate": "GH-2026-000001"},
    "assessments.assessment.rejected": {"rationale": "Not enough.", "grade": None, "certificate": ""},
    "scoring.rating.saved": {"assessment": 1, "model": "m v1", "basis": "verified", "score": 91.5, "grade": "A"},
    "scoring.certificate.issued": {"assessment": 1, "grade": "A", "valid_until": "2027-03-01"},
    "scoring.certificate.suspended": {"reason": "Too slow.", "automatic": True},
    "scoring.certificate.reinstated": {"reason": "Fixed."},
    "scoring.certificate.revoked": {"reason": "Forged."},
    "scoring.certificate.expired": {"valid_until": "2027-03-01"},
    "scoring.certificate.superseded": {"superseded_by": "GH-2027-000002"},
    "scoring.certificate.expiry_warned": {"days_left": 30, "warnings": ["expiry_warning_30"]},
}


# Events the portal causes, or whose person does not matter to the reader: their sentences name no one.
WITHOUT_ACTOR = {
    "scoring.rating.saved",
    "scoring.certificate.issued",
    "scoring.certificate.expired",
    "scoring.certificate.superseded",
    "scoring.certificate.expiry_warned",
}


def _codes_of(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes_of(node.body) + _codes_of(node.orelse)
    if isinstance(node, ast.JoinedStr):
        codes = [""]
        for part in node.values:
            if isinstance(part, ast.Constant):
                codes = [code + str(part.value) for code in codes]
            else:
                expression = ast.unparse(part.value)  # type: ignore[attr-defined]
                assert expression in FORMATTED, f"name the values of {{{expression}}} in FORMATTED"
                codes = [code + value for code in codes for value in FORMATTED[expression]]
        return codes
    raise AssertionError(f"an action code this test cannot read: {ast.unparse(node)}")


def _on_an_assessment(call: ast.Call) -> bool:
    """Logged on the assessment itself, or naming it in its data: the two ways into an assessment's timeline."""
    obj = call.args[2] if len(call.args) > 2 else None
    data = call.args[3] if len(call.args) > 3 else None
    named = isinstance(data, ast.Dict) and any(
        isinstance(key, ast.Constant) and key.value == "assessment" for key in data.keys
    )
    return (isinstance(obj, ast.Name) and obj.id == "assessment") or named


def timeline_codes() -> set[str]:
    codes: set[str] = set()
    for package in ("portal", "assessments", "scoring"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "log_action"
                    and len(node.args) > 1
                    and _on_an_assessment(node)
                ):
                    codes.update(_codes_of(node.args[1]))
    return codes


def event(action: str, data: dict | None = None, actor_label: str = "", object_repr: str = "") -> AuditEvent:
    return AuditEvent(action=action, data=data or {}, actor_label=actor_label, object_repr=object_repr)


def test_the_scan_finds_the_assessment_codes():
    codes = timeline_codes()
    assert {"assessments.answers.saved", "assessments.answer.accepted", "scoring.rating.saved"} <= codes
    assert "portal.user.logged_in" not in codes


def test_every_code_that_can_reach_a_timeline_has_a_sentence():
    assert timeline_codes() - set(SENTENCES) == set()
    assert set(EXAMPLES) == set(SENTENCES)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_each_code_reads_as_a_sentence(code):
    text = sentence_for(event(code, EXAMPLES[code], actor_label=ACTOR, object_repr="GH-2026-000001"))
    assert text and code not in text and "%(" not in text and "{" not in text
    assert "cannot put into words" not in text
    assert text.endswith(".")
    assert (ACTOR in text) == (code not in WITHOUT_ACTOR)


def test_the_sentences_name_what_happened():
    def say(code: str) -> str:
        return sentence_for(event(code, EXAMPLES[code], actor_label=ACTOR, object_repr="GH-2026-000001"))

    assert say("assessments.answer.accepted") == "Anna de Vries accepted the answer to KYC-2."
    assert say("assessments.answers.saved") == "Anna de Vries saved the answers to KYC-1, KYC-2."
    assert say("assessments.evidence.added") == "Anna de Vries added the document “policy.pdf” as evidence for KYC-2."
    assert say("assessments.assessment.started") == (
        "Anna de Vries started the self-assessment for 1 January 2025 to 31 December 2025."
    )
    assert say("scoring.certificate.issued") == (
        "Certificate GH-2026-000001 was issued with grade A, valid until 1 March 2027."
    )
    assert say("assessments.assessment.approved") == (
        "Anna de Vries approved the self-assessment: grade A, certificate GH-2026-000001."
    )


def test_the_sentences_speak_the_readers_language():
    def say(code: str) -> str:
        return sentence_for(event(code, EXAMPLES[code], actor_label=ACTOR, object_repr="GH-2026-000001"))

    with translation.override("nl"):
        assert say("assessments.answer.accepted") == "Anna de Vries heeft het antwoord op KYC-2 geaccepteerd."
        started = say("assessments.assessment.started")
    assert "1 januari 2025" in started and "31 december 2025" in started  # the months in Dutch too


def test_an_unknown_code_gets_a_generic_sentence_not_the_code():
    text = sentence_for(event("portal.user.logged_in", {"ip": "192.0.2.1"}, actor_label=ACTOR))
    assert text.startswith(ACTOR) and "logged_in" not in text and "portal." not in text


@pytest.mark.parametrize(
    "data", [{}, {"criterion": None}, {"period": "not a list"}, {"answers": 5}, {"days_left": "many"}, []]
)
def test_data_of_another_shape_never_breaks_the_page(data):
    for code in SENTENCES:
        text = sentence_for(event(code, data, actor_label=ACTOR))
        assert text and code not in text


def test_an_event_without_a_person_is_the_portals():
    assert sentence_for(event("scoring.certificate.suspended", {})) == "The portal suspended the certificate."


@pytest.mark.django_db
def test_the_page_shows_sentences_by_day_and_raw_events_only_to_supervisors(
    client_for, owner_a, hoster_a, supervisor, auditor, questionnaire
):
    owner_a.first_name, owner_a.last_name = "Anna", "de Vries"
    owner_a.save()
    auditor.first_name, auditor.last_name = "Bram", "Jansen"
    auditor.save()
    first = datetime(2026, 2, 2, 9, 30, tzinfo=AMS)
    with time_machine.travel(first, tick=False):
        assessment = services.start_assessment(owner_a, hoster_a, *services.default_period())
        services.save_answers(owner_a, assessment, {"KYC-2": services.AnswerInput(value="identity")})
        services.attach_evidence_file(owner_a, assessment, "KYC-2", io.BytesIO(make_pdf()), "kyc.pdf")
    with time_machine.travel(first + timedelta(days=1), tick=False):
        answer_everything(owner_a, assessment, with_evidence=True)
        services.submit_assessment(owner_a, assessment, send_mail=False)
        review.assign_auditor(supervisor, assessment, auditor, send_mail=False)
        assessment.refresh_from_db()
        review.review_answer(auditor, assessment, "KYC-2", "accepted", "The policy is clear.")

    url = reverse("assessments:timeline", args=[assessment.pk])
    with time_machine.travel(first + timedelta(days=2), tick=False):
        owner_page = html.unescape(client_for(owner_a).get(url).content.decode())
        supervisor_page = client_for(supervisor).get(url).content.decode()
        auditor_page = client_for(auditor).get(url).content.decode()
    text = " ".join(strip_tags(owner_page).split())
    assert "Anna de Vries saved the answer to KYC-2." in text
    assert "Bram Jansen accepted the answer to KYC-2." in text
    assert "assigned Bram Jansen as auditor." in text
    assert "The policy is clear." in text
    assert "Monday 2 February 2026" in text and "Tuesday 3 February 2026" in text
    assert text.index("Monday 2 February 2026") < text.index("Tuesday 3 February 2026")
    assert "assessments.answers.saved" not in owner_page and "<details" not in owner_page
    assert "assessments.answers.saved" not in auditor_page and "<details" not in auditor_page
    assert "<details" in supervisor_page and "assessments.answers.saved" in supervisor_page


@pytest.mark.django_db
def test_another_company_cannot_read_the_timeline(client_for, owner_b, draft_a):
    assert client_for(owner_b).get(reverse("assessments:timeline", args=[draft_a.pk])).status_code == 404


@pytest.mark.django_db
def test_the_days_follow_the_sites_time_zone(owner_a, draft_a):
    # 23:30 UTC on 1 March is already 2 March in Amsterdam.
    late = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    events = [AuditEvent(action="assessments.assessment.submitted", at=late, actor=owner_a)]
    [day] = timeline_days(events)
    assert day.day.isoformat() == "2026-03-02"
