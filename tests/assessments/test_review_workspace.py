"""The review workspace: progress, sections, the next answer to do, verdicts and messages in place, the decision panel,
the approval rule through the POST itself, and a query count that does not grow with the answers."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import review, services
from assessments.models import AnswerReview, Assessment, Assignment, Comment, Decision
from assessments.review_progress import AnswerState, review_progress
from portal.models import AuditEvent
from portal.refusals import Refusal
from tests.assessments.helpers import answer_everything, make_pdf

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def review_url(assessment: Assessment, section: str = "") -> str:
    url = reverse("assessments:review", args=[assessment.pk])
    return f"{url}?section={section}" if section else url


def judge(auditor, assessment, codes, decision="accepted") -> None:
    for code in codes:
        review.review_answer(auditor, assessment, code, decision, f"{decision} by the test")


def twelve_reviewed(auditor, assessment) -> None:
    """KYC whole (6), CON-1 to CON-5 accepted and CON-6 rejected: 12 of 27, 15 open."""
    judge(auditor, assessment, ["KYC-1", "KYC-2", "KYC-3", "KYC-4", "KYC-5", "KYC-6", "CON-1", "CON-2", "CON-3"])
    judge(auditor, assessment, ["CON-4", "CON-5"])
    judge(auditor, assessment, ["CON-6"], "rejected")


def state() -> tuple:
    return (
        list(Assessment.objects.values_list("pk", "status")),
        AnswerReview.objects.count(),
        Comment.objects.count(),
        Decision.objects.count(),
        AuditEvent.objects.exclude(action__startswith="portal.user.").count(),
    )


# Progress and the next answer ----------------------------------------------------------------------------------------


def test_the_progress_counts_verdicts_per_section(client_for, in_review_a, auditor):
    twelve_reviewed(auditor, in_review_a)
    review.review_answer(auditor, in_review_a, "HCS-1", "clarification", "Since when?")
    progress = review_progress(in_review_a)
    assert (progress.reviewed, progress.total, len(progress.open)) == (12, 27, 15)
    assert progress.asked == ["HCS-1"] and progress.states["HCS-1"] is AnswerState.ASKED
    counts = {s.code: (s.reviewed, s.total, s.to_do) for s in progress.sections()}
    assert counts == {"KYC": (6, 6, 0), "CON": (6, 6, 0), "HCS": (0, 5, 4), "NTD": (0, 5, 5), "COM": (0, 5, 5)}
    page = client_for(auditor).get(review_url(in_review_a)).content.decode()
    assert "12 of 27 reviewed" in page and "1 awaiting clarification" in page
    assert 'aria-valuenow="12"' in page and 'aria-valuemax="27"' in page
    assert "15 open" in page and "6 of 6 reviewed" in page and "0 of 5 reviewed" in page


def test_the_next_answer_to_do_follows_the_questionnaire_and_wraps(in_review_a, auditor):
    judge(auditor, in_review_a, ["KYC-1", "KYC-2"])
    review.review_answer(auditor, in_review_a, "KYC-3", "clarification", "Which?")
    progress = review_progress(in_review_a)
    assert progress.next_to_do() == "KYC-4"  # the clarification asked in this round waits for the hoster
    assert progress.next_to_do("CON-2") == "CON-3"
    assert progress.next_in_or_after("HCS") == "HCS-1"
    judge(auditor, in_review_a, [c.code for c in in_review_a.questionnaire.parsed.criteria if c.section == "COM"])
    assert review_progress(in_review_a).next_to_do("COM-5") == "KYC-4"


def test_a_clarified_answer_is_to_do_again_after_the_resubmission(in_review_a, auditor, owner_a):
    review.review_answer(auditor, in_review_a, "KYC-2", "clarification", "Which checks?")
    review.request_changes(auditor, in_review_a, send_mail=False)
    services.save_answer(owner_a, in_review_a, "KYC-2", services.AnswerInput(value="identity"))
    services.submit_assessment(owner_a, in_review_a, send_mail=False)
    progress = review_progress(in_review_a)
    assert progress.states["KYC-2"] is AnswerState.CLARIFIED and progress.next_to_do() == "KYC-1"
    assert progress.next_to_do("KYC-1") == "KYC-2"


def test_the_workspace_links_the_next_answer_to_do(client_for, in_review_a, auditor):
    judge(auditor, in_review_a, ["KYC-1", "KYC-2"])
    web = client_for(auditor)
    page = web.get(review_url(in_review_a)).content.decode()
    assert f'id="review-next" href="{review_url(in_review_a, "KYC")}#crit-KYC-3"' in page
    assert 'aria-keyshortcuts="n"' in page and "data-review-shortcut" in page and "<kbd>N</kbd>" in page
    page = web.get(review_url(in_review_a, "NTD")).content.decode()
    assert f'id="review-next" href="{review_url(in_review_a, "NTD")}#crit-NTD-1"' in page
    judge(auditor, in_review_a, [c.code for c in in_review_a.questionnaire.parsed.criteria])
    page = web.get(review_url(in_review_a, "NTD")).content.decode()
    assert 'id="review-next"' not in page and 'id="review-next-none"' in page


def test_a_section_pane_shows_only_its_answers_in_order(client_for, in_review_a, auditor):
    page = client_for(auditor).get(review_url(in_review_a, "HCS")).content.decode()
    ids = re.findall(r'<article id="crit-([A-Z]+-\d+)"', page)
    assert ids == ["HCS-1", "HCS-2", "HCS-3", "HCS-4", "HCS-5"]
    assert 'aria-current="page"' in page and f'href="{review_url(in_review_a, "NTD")}"' in page


# Verdicts and messages in place --------------------------------------------------------------------------------------


def test_a_verdict_through_htmx_returns_the_card_and_the_progress_out_of_band(client_for, in_review_a, auditor):
    url = reverse("assessments:review_answer", args=[in_review_a.pk, "KYC-1"])
    response = client_for(auditor).post(url, {"decision": "accepted", "note": "Policy seen."}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<div class="col-lg-5 review-work" id="work-KYC-1">')
    assert '<div class="card-header' in page and 'id="head-KYC-1" data-state="accepted" hx-swap-oob="true"' in page
    assert 'id="saved-KYC-1"' in page and "data-review-focus" in page
    assert '<div id="review-status" hx-swap-oob="true">' in page and "1 of 27 reviewed" in page
    assert f'id="review-next" href="{review_url(in_review_a, "KYC")}#crit-KYC-2"' in page
    assert AnswerReview.objects.get().decision == "accepted"


def test_a_refused_verdict_through_htmx_stays_in_the_card_with_what_was_typed(client_for, in_review_a, auditor):
    url = reverse("assessments:review_answer", args=[in_review_a.pk, "KYC-1"])
    before = state()
    response = client_for(auditor).post(url, {"decision": "maybe", "note": "<b>typed</b>"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "Choose accept, reject or ask for clarification." in page
    assert 'id="review-KYC-1-error" role="alert"' in page and 'aria-invalid="true"' in page
    assert "&lt;b&gt;typed&lt;/b&gt;</textarea>" in page and 'id="saved-KYC-1"' not in page
    assert state() == before


def test_a_verdict_without_javascript_goes_back_to_the_card_with_a_confirmation(client_for, in_review_a, auditor):
    web = client_for(auditor)
    url = reverse("assessments:review_answer", args=[in_review_a.pk, "CON-2"])
    response = web.post(url, {"decision": "rejected", "note": "No clause."})
    assert response.status_code == 302
    assert response["Location"] == f"{review_url(in_review_a, 'CON')}&saved=CON-2#crit-CON-2"
    page = web.get(response["Location"]).content.decode()
    assert 'id="saved-CON-2"' in page and "Saved: CON-2 is now" in page
    refused = web.post(url, {"decision": "accepted", "note": " "})
    assert refused.status_code == 400 and 'id="review-CON-2-error"' in refused.content.decode()


def test_a_message_through_htmx_returns_the_thread(client_for, in_review_a, auditor, owner_a):
    url = reverse("assessments:comment", args=[in_review_a.pk])
    response = client_for(owner_a).post(url, {"criterion": "KYC-1", "body": "See page 2."}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<section id="thread-KYC-1"')
    assert "See page 2." in page and "Your message has been sent." in page and "Discussion of KYC-1" in page
    before = state()
    empty = client_for(auditor).post(url, {"criterion": "KYC-1", "body": "  "}, **HTMX).content.decode()
    assert "Write a message before sending it." in empty and 'id="comment-KYC-1-error"' in empty
    assert state() == before
    whole = client_for(auditor).post(url, {"body": "About everything."}, **HTMX).content.decode()
    assert whole.lstrip().startswith('<section id="thread-assessment"') and "Discussion of the whole" in whole


@pytest.mark.parametrize("persona", ["owner_b", "viewer_a", "other_auditor"])
def test_no_one_else_records_verdicts_in_place(request, client_for, in_review_a, persona):
    from portal.models import Role
    from tests import factories

    if persona == "other_auditor":
        user = factories.make_role_user(Role.AUDITOR, email="other@example.org")
    else:
        user = request.getfixturevalue(persona)
    before = state()
    web = client_for(user)
    verdict = web.post(
        reverse("assessments:review_answer", args=[in_review_a.pk, "KYC-1"]),
        {"decision": "accepted", "note": "ok"},
        **HTMX,
    )
    assert verdict.status_code == (403 if persona == "viewer_a" else 404)
    message = web.post(reverse("assessments:comment", args=[in_review_a.pk]), {"body": "hi"}, **HTMX)
    assert message.status_code == (403 if persona == "viewer_a" else 404)
    assert web.get(review_url(in_review_a, "KYC")).status_code == (200 if persona == "viewer_a" else 404)
    assert state() == before


# The decision panel and the approval rule ----------------------------------------------------------------------------


def test_approval_needs_a_verdict_on_every_answer(in_review_a, auditor):
    for code in ("KYC-1", "KYC-2", "KYC-3"):
        review.review_answer(auditor, in_review_a, code, "accepted", "ok")
    review.review_answer(auditor, in_review_a, "KYC-4", "clarification", "Which customers?")
    before = state()
    with pytest.raises(review.ApprovalBlocked) as refused:
        review.decide(auditor, in_review_a, "approved", "Only KYC-1 to KYC-3 were checked.")
    message = str(refused.value)
    assert "24 of 27 are still open" in message
    assert "not reviewed: KYC-5, KYC-6, CON-1" in message and "awaiting clarification: KYC-4" in message
    assert refused.value.open[:3] == ["KYC-4", "KYC-5", "KYC-6"] and len(refused.value.open) == 24
    assert isinstance(refused.value, Refusal)
    assert state() == before  # still in review: no decision, no verdict, no audit event


def test_a_rejected_answer_is_a_verdict_and_approval_follows_the_last_one(in_review_a, auditor):
    judge(
        auditor,
        in_review_a,
        [c.code for c in in_review_a.questionnaire.parsed.criteria if c.code not in ("KYC-2", "KYC-3")],
    )
    judge(auditor, in_review_a, ["KYC-2"], "rejected")
    judge(auditor, in_review_a, ["KYC-3"], "clarification")
    with pytest.raises(review.ApprovalBlocked, match="1 of 27 are still open"):
        review.decide(auditor, in_review_a, "approved", "KYC-3 is still in question.")
    review.review_answer(auditor, in_review_a, "KYC-3", "accepted", "Explained in the thread.")
    decision = review.decide(auditor, in_review_a, "approved", "KYC-2 stays rejected.")
    assert decision.outcome == Decision.Outcome.APPROVED


def test_the_decision_panel_lists_what_is_still_open(client_for, in_review_a, auditor):
    twelve_reviewed(auditor, in_review_a)
    page = client_for(auditor).get(review_url(in_review_a)).content.decode()
    assert "Still open: 15 answers" in page and "Not reviewed (15)" in page
    open_list = page[page.index('id="open-answers"') : page.index("</div>", page.index('id="open-answers"'))]
    assert re.findall(r"#crit-([A-Z]+-\d+)\"", open_list)[:3] == ["HCS-1", "HCS-2", "HCS-3"]
    assert f'href="{review_url(in_review_a, "COM")}#crit-COM-5"' in open_list and "#crit-KYC-1" not in open_list
    assert 'id="outcome-approved" required disabled aria-describedby="approve-blocked"' in page
    assert "Not possible yet: 15 answers have no verdict" in page


def test_approval_with_answers_unreviewed_is_refused_through_the_post(client_for, in_review_a, auditor):
    twelve_reviewed(auditor, in_review_a)
    before = state()
    response = client_for(auditor).post(
        reverse("assessments:decide", args=[in_review_a.pk]), {"outcome": "approved", "rationale": "Looks fine."}
    )
    page = response.content.decode()
    assert response.status_code == 400
    error = page[page.index('id="decision-error"') : page.index("</div>", page.index('id="decision-error"'))]
    assert "15 of 27 are still open" in error and "not reviewed: HCS-1, HCS-2" in error
    assert "Looks fine.</textarea>" in page
    assert state() == before and Assessment.objects.get(pk=in_review_a.pk).status == Assessment.Status.IN_REVIEW


def test_rejection_goes_through_the_post_at_any_time_but_needs_a_rationale(client_for, in_review_a, auditor):
    url = reverse("assessments:decide", args=[in_review_a.pk])
    web = client_for(auditor)
    refused = web.post(url, {"outcome": "rejected", "rationale": ""})
    assert refused.status_code == 400 and "Write the rationale for your decision." in refused.content.decode()
    assert not Decision.objects.exists()
    response = web.post(url, {"outcome": "rejected", "rationale": "The terms do not forbid CSAM."})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=in_review_a.pk).status == Assessment.Status.REJECTED
    assert Decision.objects.get().rationale == "The terms do not forbid CSAM."


def test_the_api_cannot_decide(client_for, in_review_a, auditor):
    """The API reads and writes a hoster's answers only; approval is the review page's alone."""
    from assessments import api_urls

    assert [pattern.name for pattern in api_urls.urlpatterns] == ["answers"]
    response = client_for(auditor).put(
        reverse("api:assessments_api:answers", args=[in_review_a.pk]), {}, content_type="application/json"
    )
    assert response.status_code in (401, 403, 404)
    assert Assessment.objects.get(pk=in_review_a.pk).status == Assessment.Status.IN_REVIEW


# Both languages ------------------------------------------------------------------------------------------------------


def test_the_workspace_speaks_dutch(client_for, in_review_a, auditor):
    web = client_for(auditor)
    for section in ("", "KYC"):
        page = web.get(review_url(in_review_a, section), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
        assert '<html lang="nl">' in page and "Toetsing" in page
        assert "Accepteren" in page or "Tijdlijn van alle gebeurtenissen" in page


# Queries -------------------------------------------------------------------------------------------------------------


def queries_of(web, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert web.get(url).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_answers(client_for, draft_a, owner_a, auditor, supervisor, editor_a):
    """Three answers, no verdicts or messages, against 27 answers, two rounds, a verdict and a message on each."""
    services.save_answers(owner_a, draft_a, {c: services.AnswerInput(value="yes") for c in ("KYC-1", "KYC-4")})
    services.attach_evidence_file(owner_a, draft_a, "KYC-1", io.BytesIO(make_pdf()), "one.pdf")
    Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.IN_REVIEW)
    Assignment.objects.create(assessment=draft_a, auditor=auditor, assigned_by=supervisor)
    web = client_for(auditor)
    few = {section: queries_of(web, review_url(draft_a, section)) for section in ("", "KYC")}

    Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.DRAFT)
    answer_everything(owner_a, draft_a)
    for code in ("KYC-1", "KYC-2", "KYC-3"):
        services.attach_evidence_file(owner_a, draft_a, code, io.BytesIO(make_pdf(code + " v2")), f"{code}-2.pdf")
    services.submit_assessment(owner_a, draft_a, send_mail=False)
    Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.IN_REVIEW)
    codes = [c.code for c in draft_a.questionnaire.parsed.criteria]
    judge(auditor, draft_a, codes, "clarification")
    review.request_changes(auditor, draft_a, "All of them.", send_mail=False)
    services.submit_assessment(owner_a, draft_a, send_mail=False)
    judge(auditor, draft_a, codes)
    for code in codes:
        review.post_comment(editor_a, draft_a, f"About {code}", code)
        review.post_comment(auditor, draft_a, f"Thanks for {code}", code)
    many = {section: queries_of(web, review_url(draft_a, section)) for section in ("", "KYC")}
    assert many == few, (few, many)
    assert max(many.values()) <= 25
    with CaptureQueriesContext(connection) as captured:
        web.post(
            reverse("assessments:review_answer", args=[draft_a.pk, "KYC-1"]),
            {"decision": "rejected", "note": "On second thought."},
            **HTMX,
        )
    assert len(captured) <= 40
