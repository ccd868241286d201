"""Review services: assignment, per-answer verdicts, rounds, comments, decisions, verified scores, e-mails (§4.4)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessments import review, review_rounds, services
from assessments.models import AnswerReview, Assessment, Assignment, Comment, Decision, Evidence, Snapshot
from portal.models import AuditEvent, MemberRole, Membership, Role
from scoring.rating.models import Rating
from tests import factories
from tests.assessments.helpers import make_pdf

pytestmark = pytest.mark.django_db
ACCEPT, REJECT, CLARIFY = "accepted", "rejected", "clarification"


def accept_all(auditor, assessment, **verdicts: str) -> None:
    """Accept every answer, except the codes given (as KYC_1=...) with another verdict."""
    wanted = {code.replace("_", "-"): decision for code, decision in verdicts.items()}
    for answer in assessment.answers.order_by("criterion_code"):
        decision = wanted.get(answer.criterion_code, ACCEPT)
        review.review_answer(auditor, assessment, answer.criterion_code, decision, f"{decision} by the test")


def state(assessment: Assessment) -> tuple:
    return (
        Assessment.objects.get(pk=assessment.pk).status,
        list(assessment.answers.order_by("pk").values_list("criterion_code", "value", "na", "comment")),
        Evidence.objects.filter(answer__assessment=assessment).count(),
        Snapshot.objects.filter(assessment=assessment).count(),
        AnswerReview.objects.count(),
        Comment.objects.count(),
        Decision.objects.count(),
        Assignment.objects.count(),
        Rating.objects.count(),
        AuditEvent.objects.count(),
    )


def tamper(evidence: Evidence) -> None:
    path = Path(evidence.file.path)
    path.write_bytes(path.read_bytes() + b"% changed on disk\n")


def file_evidence(assessment: Assessment, code: str = "KYC-1") -> Evidence:
    return Evidence.objects.filter(answer__assessment=assessment, answer__criterion_code=code, kind="file").first()


# Assignment -----------------------------------------------------------------------------------------------------


def test_assignment_starts_the_review_and_mails_the_auditor_in_their_language(
    submitted_a, supervisor, django_capture_on_commit_callbacks
):
    dutch_auditor = factories.make_role_user(Role.AUDITOR, email="nl-auditor@example.org", language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        review.assign_auditor(supervisor, submitted_a, dutch_auditor)
    submitted_a.refresh_from_db()
    assert submitted_a.status == Assessment.Status.IN_REVIEW
    assert submitted_a.auditor_can_access(dutch_auditor)
    [message] = mail.outbox
    assert message.to == [dutch_auditor.email]
    assert "1 januari 2025" in message.body and f"/assessments/{submitted_a.pk}/review/" in message.body
    assert AuditEvent.objects.filter(action="assessments.auditor.assigned", object_id=str(submitted_a.pk)).exists()


def test_a_second_auditor_can_join_without_changing_the_status(in_review_a, supervisor):
    second = factories.make_role_user(Role.AUDITOR, email="second@example.org")
    review.assign_auditor(supervisor, in_review_a, second, send_mail=False)
    assert [user.email for user in review.auditors_of(in_review_a)] == ["auditor@example.org", second.email]
    assert Assessment.objects.get(pk=in_review_a.pk).status == Assessment.Status.IN_REVIEW


def test_an_auditor_who_belongs_to_the_hoster_cannot_be_assigned(submitted_a, supervisor, hoster_a):
    member_auditor = factories.make_role_user(Role.AUDITOR, email="insider@example.org")
    Membership.objects.create(user=member_auditor, hoster=hoster_a, role=MemberRole.VIEWER)
    before = state(submitted_a)
    with pytest.raises(review.ReviewRefused, match="conflict of interest"):
        review.assign_auditor(supervisor, submitted_a, member_auditor)
    assert state(submitted_a) == before
    assert [a.conflicted for a in review.eligible_auditors(submitted_a) if a == member_auditor] == [True]


@pytest.mark.parametrize("who", ["auditor", "owner_a"])
def test_only_supervisors_assign(request, submitted_a, who):
    user = request.getfixturevalue(who)
    before = state(submitted_a)
    with pytest.raises(PermissionDenied):
        review.assign_auditor(user, submitted_a, request.getfixturevalue("auditor"))
    assert state(submitted_a) == before


def test_a_draft_cannot_get_an_auditor(draft_a, supervisor, auditor):
    with pytest.raises(review.ReviewRefused, match="draft"):
        review.assign_auditor(supervisor, draft_a, auditor)
    assert not Assignment.objects.exists()


def test_an_auditor_sees_only_the_assessments_assigned_to_them(in_review_a, auditor, owner_b, draft_b):
    other = factories.make_role_user(Role.AUDITOR, email="other@example.org")
    assert list(Assessment.objects.visible_to(auditor)) == [in_review_a]
    assert list(Assessment.objects.visible_to(other)) == []
    assert services.get_assessment_for(auditor, in_review_a.pk) == in_review_a
    for user, pk in ((auditor, draft_b.pk), (other, in_review_a.pk)):
        with pytest.raises(Http404):
            services.get_assessment_for(user, pk)
    with pytest.raises(Http404):
        services.get_assessment_for(auditor, in_review_a.pk, write=True)
    assert list(review.queue_for(auditor)) == [in_review_a]


# Judging answers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_a", "editor_a", "supervisor", "unassigned"])
def test_only_the_assigned_outside_auditor_judges_answers(request, in_review_a, who):
    user = (
        factories.make_role_user(Role.AUDITOR, email="x@example.org")
        if who == "unassigned"
        else request.getfixturevalue(who)
    )
    before = state(in_review_a)
    with pytest.raises(PermissionDenied):
        review.review_answer(user, in_review_a, "KYC-1", ACCEPT, "Looks fine to me")
    assert state(in_review_a) == before


def test_an_assigned_auditor_who_joins_the_hoster_can_no_longer_review(in_review_a, auditor, hoster_a):
    Membership.objects.create(user=auditor, hoster=hoster_a, role=MemberRole.EDITOR)
    with pytest.raises(PermissionDenied):
        review.review_answer(auditor, in_review_a, "KYC-1", ACCEPT, "My own company")
    assert not AnswerReview.objects.exists()


def test_a_verdict_needs_a_note_and_a_known_criterion(in_review_a, auditor):
    before = state(in_review_a)
    with pytest.raises(review.ReviewRefused, match="note"):
        review.review_answer(auditor, in_review_a, "KYC-1", ACCEPT, "  ")
    with pytest.raises(review.ReviewRefused, match="NOPE-1"):
        review.review_answer(auditor, in_review_a, "NOPE-1", ACCEPT, "note")
    with pytest.raises(review.ReviewRefused, match="accept, reject"):
        review.review_answer(auditor, in_review_a, "KYC-1", "maybe", "note")
    assert state(in_review_a) == before


def test_accepting_rechecks_the_evidence_hashes_and_records_them(in_review_a, auditor):
    item = review.review_answer(auditor, in_review_a, "KYC-1", ACCEPT, "Policy present")
    assert item.snapshot == in_review_a.snapshots.get()
    assert [record["verified"] for record in item.evidence] == [True]
    assert item.evidence[0]["sha256"] == file_evidence(in_review_a).sha256
    event = AuditEvent.objects.get(action="assessments.answer.accepted")
    assert event.object_id == str(in_review_a.pk) and event.data["criterion"] == "KYC-1"


def test_a_tampered_evidence_file_is_flagged_and_cannot_be_accepted(in_review_a, auditor):
    evidence = file_evidence(in_review_a)
    tamper(evidence)
    check = review.check_evidence(evidence)
    assert not check.ok and check.actual_sha256 != evidence.sha256 and "SHA-256" in check.problem
    before = state(in_review_a)
    with pytest.raises(review.ReviewRefused, match=r"KYC-1 cannot be accepted: KYC-1\.pdf failed the SHA-256 check"):
        review.review_answer(auditor, in_review_a, "KYC-1", ACCEPT, "Fine")
    assert state(in_review_a) == before
    rejected = review.review_answer(auditor, in_review_a, "KYC-1", REJECT, "The file was changed after upload")
    assert rejected.evidence[0]["verified"] is False


def test_a_missing_evidence_file_is_flagged(in_review_a):
    evidence = file_evidence(in_review_a)
    Path(evidence.file.path).unlink()
    assert review.check_evidence(evidence).problem == "The stored file is missing."


# Rounds ------------------------------------------------------------------------------------------------------------


def test_a_clarification_round_opens_only_the_answers_in_question(
    in_review_a, auditor, owner_a, editor_a, viewer_a, django_capture_on_commit_callbacks
):
    editor_a.language = "nl"
    editor_a.save()
    accept_all(auditor, in_review_a, KYC_1=CLARIFY)
    with django_capture_on_commit_callbacks(execute=True):
        assert review.request_changes(auditor, in_review_a, "Please clarify KYC-1.") == ["KYC-1"]
    in_review_a.refresh_from_db()
    assert in_review_a.status == Assessment.Status.CHANGES_REQUESTED
    assert sorted(m.to[0] for m in mail.outbox) == [editor_a.email, owner_a.email]  # not the viewer
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "1 januari 2025" in by_address[editor_a.email].body
    assert "1 January 2025" in by_address[owner_a.email].body
    assert "KYC-1: clarification by the test" in by_address[owner_a.email].body

    before = state(in_review_a)
    with pytest.raises(services.AssessmentLocked, match="KYC-3 cannot be changed"):
        services.save_answer(editor_a, in_review_a, "KYC-3", services.AnswerInput(value="no"))
    with pytest.raises(services.AssessmentLocked):
        services.attach_evidence_url(editor_a, in_review_a, "CON-6", "https://example.org/other")
    with pytest.raises(services.AssessmentLocked):
        services.remove_evidence(editor_a, in_review_a, file_evidence(in_review_a, "KYC-3"))
    assert state(in_review_a) == before

    # Unchanged answers may be sent along (an API client PUTs them all); the one in question changes.
    current = {a.criterion_code: services.AnswerInput(value=a.value) for a in in_review_a.answers.all()}
    current["KYC-1"] = services.AnswerInput(value="informal", comment="See the new policy")
    services.save_answers(editor_a, in_review_a, current)
    services.attach_evidence_file(editor_a, in_review_a, "KYC-1", io.BytesIO(make_pdf("v2")), "policy-v2.pdf")
    review.post_comment(editor_a, in_review_a, "We replaced the policy.", "KYC-1")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_assessment(owner_a, in_review_a)
    in_review_a.refresh_from_db()
    assert in_review_a.status == Assessment.Status.IN_REVIEW
    assert in_review_a.snapshots.count() == 2
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    assert "resubmitted" in mail.outbox[0].subject
    changes = review_rounds.changes_since_last_round(in_review_a)
    assert list(changes) == ["KYC-1"]
    assert ("value", "yes", "informal") in changes["KYC-1"].fields
    assert [item["name"] for item in changes["KYC-1"].evidence_added] == ["policy-v2.pdf"]
    assert AuditEvent.objects.filter(action="assessments.assessment.resubmitted").exists()


# Illegal transitions ------------------------------------------------------------------------------------------------


def _approve(user, assessment):
    return review.decide(user, assessment, "approved", "All evidence checked")


ILLEGAL = {
    "approve a draft": ("draft", lambda a, who: _approve(who["auditor"], a), review.ReviewRefused, "draft"),
    "approve a submitted one": (
        "submitted",
        lambda a, who: _approve(who["auditor"], a),
        review.ReviewRefused,
        "submitted",
    ),
    "edit while in review": (
        "in_review",
        lambda a, who: services.save_answer(who["owner"], a, "KYC-1", services.AnswerInput(value="no")),
        services.AssessmentLocked,
        "in review",
    ),
    "add evidence while in review": (
        "in_review",
        lambda a, who: services.attach_evidence_url(who["owner"], a, "CON-6", "https://x.example"),
        services.AssessmentLocked,
        "in review",
    ),
    "resubmit while in review": (
        "in_review",
        lambda a, who: services.submit_assessment(who["owner"], a),
        services.AssessmentLocked,
        "cannot be submitted",
    ),
    "ask for changes without a clarification": (
        "in_review",
        lambda a, who: review.request_changes(who["auditor"], a),
        review.ReviewRefused,
        "at least one answer",
    ),
    "approve with an open clarification": (
        "clarifying",
        lambda a, who: _approve(who["auditor"], a),
        review.ApprovalBlocked,
        "awaiting clarification: KYC-1",
    ),
    "decide without a rationale": (
        "in_review",
        lambda a, who: review.decide(who["auditor"], a, "rejected", " "),
        review.ReviewRefused,
        "rationale",
    ),
    "an unknown outcome": (
        "in_review",
        lambda a, who: review.decide(who["auditor"], a, "shelved", "because"),
        review.ReviewRefused,
        "approve or to reject",
    ),
    "review while changes are requested": (
        "changes_requested",
        lambda a, who: review.review_answer(who["auditor"], a, "KYC-2", ACCEPT, "ok"),
        review.ReviewRefused,
        "changes requested",
    ),
    "decide while changes are requested": (
        "changes_requested",
        lambda a, who: review.decide(who["auditor"], a, "rejected", "Too slow"),
        review.ReviewRefused,
        "changes requested",
    ),
    "decide twice": (
        "approved",
        lambda a, who: review.decide(who["auditor"], a, "rejected", "Changed my mind"),
        review.ReviewRefused,
        "approved",
    ),
    "ask for changes after the decision": (
        "approved",
        lambda a, who: review.request_changes(who["auditor"], a),
        review.ReviewRefused,
        "approved",
    ),
    "edit after approval": (
        "approved",
        lambda a, who: services.save_answer(who["owner"], a, "KYC-1", services.AnswerInput(value="no")),
        services.AssessmentLocked,
        "approved",
    ),
    "comment after the decision": (
        "approved",
        lambda a, who: review.post_comment(who["owner"], a, "One more thing"),
        review.ReviewRefused,
        "approved",
    ),
}


@pytest.mark.parametrize("case", list(ILLEGAL))
def test_illegal_transitions_are_refused_with_a_clear_message_and_change_nothing(
    case, owner_a, draft_a, supervisor, auditor
):
    reached, attempt, error, message = ILLEGAL[case]
    from tests.assessments.helpers import answer_everything

    assessment = draft_a
    if reached == "draft":
        Assignment.objects.create(assessment=assessment, auditor=auditor, assigned_by=supervisor)
    else:
        answer_everything(owner_a, assessment)
        services.submit_assessment(owner_a, assessment, send_mail=False)
        if reached == "submitted":
            Assignment.objects.create(assessment=assessment, auditor=auditor, assigned_by=supervisor)
        else:
            review.assign_auditor(supervisor, assessment, auditor, send_mail=False)
    if reached in {"clarifying", "changes_requested"}:
        review.review_answer(auditor, assessment, "KYC-1", CLARIFY, "Which policy?")
    if reached == "changes_requested":
        review.request_changes(auditor, assessment)
    if reached == "approved":
        accept_all(auditor, assessment)
        _approve(auditor, assessment)
    assessment.refresh_from_db()
    before = state(assessment)
    with pytest.raises(error, match=message):
        attempt(assessment, {"owner": owner_a, "auditor": auditor})
    assert state(assessment) == before


# Comments ---------------------------------------------------------------------------------------------------------


def test_comments_are_append_only(in_review_a, auditor, owner_a):
    comment = review.post_comment(auditor, in_review_a, "Where is the 2024 policy?", "KYC-1")
    reply = review.post_comment(owner_a, in_review_a, "Attached in round two.", "KYC-1")
    assert list(Comment.objects.filter(criterion_code="KYC-1")) == [comment, reply]
    comment.body = "edited"
    with pytest.raises(TypeError):
        comment.save()
    with pytest.raises(TypeError):
        comment.delete()
    with pytest.raises(TypeError):
        Comment.objects.filter(pk=comment.pk).update(body="edited")
    with pytest.raises(TypeError):
        Comment.objects.all().delete()
    assert Comment.objects.get(pk=comment.pk).body == "Where is the 2024 policy?"
    event = AuditEvent.objects.filter(action="assessments.comment.posted").last()
    assert event.data["body"] == "Attached in round two." and event.object_id == str(in_review_a.pk)


@pytest.mark.parametrize("who", ["viewer_a", "supervisor", "owner_b"])
def test_readers_and_outsiders_do_not_comment(request, in_review_a, who):
    with pytest.raises(PermissionDenied):
        review.post_comment(request.getfixturevalue(who), in_review_a, "Hello")
    assert not Comment.objects.exists()


def test_reviews_and_decisions_are_append_only(in_review_a, auditor):
    item = review.review_answer(auditor, in_review_a, "KYC-1", ACCEPT, "ok")
    with pytest.raises(TypeError):
        item.save()
    with pytest.raises(TypeError):
        item.delete()
    accept_all(auditor, in_review_a)
    decision = review.decide(auditor, in_review_a, "rejected", "Not convincing")
    with pytest.raises(TypeError):
        decision.delete()


# Decisions and verified scores -------------------------------------------------------------------------------------


def test_approval_saves_the_verified_rating_and_certifies(
    in_review_a, auditor, owner_a, supervisor, django_capture_on_commit_callbacks
):
    supervisor.language = "nl"
    supervisor.save()
    accept_all(auditor, in_review_a)
    with django_capture_on_commit_callbacks(execute=True):
        decision = review.decide(auditor, in_review_a, "approved", "Every answer is backed by its evidence.")
    in_review_a.refresh_from_db()
    assert in_review_a.status == Assessment.Status.APPROVED
    rating = decision.rating
    assert rating.basis == Rating.Basis.VERIFIED and rating.grade == "A" and rating.created_by == auditor
    assert decision.certifiable and decision.certifiable_problems == []
    assert decision.certificate_serial.startswith("GH-")
    decided = [m for m in mail.outbox if "approved" in m.subject or "goedgekeurd" in m.subject.lower()]
    assert sorted(m.to[0] for m in decided) == [owner_a.email, supervisor.email]
    by_address = {m.to[0]: m for m in decided}
    assert "1 januari 2025" in by_address[supervisor.email].body
    assert "Every answer is backed by its evidence." in by_address[owner_a.email].body
    actions = list(review.timeline(in_review_a).values_list("action", flat=True))
    for action in (
        "assessments.assessment.started",
        "assessments.assessment.submitted",
        "assessments.auditor.assigned",
        "assessments.answer.accepted",
        "assessments.assessment.approved",
        "scoring.rating.saved",
        "scoring.certificate.issued",
    ):
        assert action in actions, action


def test_the_verified_score_counts_only_accepted_answers(in_review_a, auditor):
    from scoring.rating.scorecards import compute_scorecard

    accept_all(auditor, in_review_a, KYC_2=REJECT, KYC_3=CLARIFY)
    review.review_answer(auditor, in_review_a, "KYC-3", REJECT, "Still no risk assessment")
    assert review.accepted_codes(in_review_a) == (
        set(in_review_a.answers.values_list("criterion_code", flat=True)) - {"KYC-2", "KYC-3"}
    )
    decision = review.decide(auditor, in_review_a, "approved", "Identity checks are not evidenced.")
    card = {line["code"]: line for line in decision.rating.scorecard["criteria"]}
    assert card["KYC-2"]["points"] == 0 and card["KYC-2"]["status"] == "unanswered"
    assert card["KYC-3"]["points"] == 0
    assert card["KYC-1"]["points"] > 0
    self_assessed = compute_scorecard(in_review_a)
    assert decision.rating.score < self_assessed.score
    assert decision.rating.grade == "C"  # no verified identity check caps the grade
    assert not decision.certifiable and any("not a certifiable grade" in p for p in decision.certifiable_problems)
    assert decision.certificate_serial == ""


def test_accepted_evidence_tampered_after_acceptance_does_not_certify(in_review_a, auditor):
    accept_all(auditor, in_review_a)
    tamper(file_evidence(in_review_a))
    decision = review.decide(auditor, in_review_a, "approved", "Checked")
    assert not decision.certifiable and decision.certificate_serial == ""
    assert any("KYC-1" in problem for problem in decision.certifiable_problems)


def test_rejection_needs_no_rating_and_tells_owners_and_supervisors(
    in_review_a, auditor, owner_a, supervisor, django_capture_on_commit_callbacks
):
    assert not AnswerReview.objects.exists()  # rejection may come before any verdict
    with django_capture_on_commit_callbacks(execute=True):
        decision = review.decide(auditor, in_review_a, "rejected", "Terms do not forbid CSAM.")
    assert decision.rating is None and not Rating.objects.exists()
    assert Assessment.objects.get(pk=in_review_a.pk).status == Assessment.Status.REJECTED
    assert sorted(m.to[0] for m in mail.outbox) == [owner_a.email, supervisor.email]
    assert all("Terms do not forbid CSAM." in m.body for m in mail.outbox)


def test_the_scoring_hook_reads_the_accepted_answers(in_review_a, auditor):
    review.review_answer(auditor, in_review_a, "KYC-1", ACCEPT, "ok")
    review.review_answer(auditor, in_review_a, "KYC-2", ACCEPT, "ok")
    review.review_answer(auditor, in_review_a, "KYC-2", REJECT, "on second thought")
    assert review.accepted_answers([in_review_a]) == {in_review_a.pk: {"KYC-1"}}
