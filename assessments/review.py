"""Review services: assign auditors, check evidence, judge answers, request changes, comment, decide; all audited."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from assessments.answers import codes_in_question
from assessments.attachments import evidence_satisfies
from assessments.catalogue import Criterion
from assessments.models import Answer, AnswerReview, Assessment, Assignment, Comment, Decision, Evidence
from assessments.review_progress import AnswerState, ReviewProgress, review_progress
from assessments.signals import assessment_approved
from portal.access import require_supervisor
from portal.audit import log_action
from portal.models import AuditEvent, MemberRole, Membership, Role, User
from portal.notify import notify_on_commit
from portal.refusals import Refusal

MAX_NOTE = 5000
MAX_RATIONALE = 10000
ASSIGNABLE_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.IN_REVIEW, Assessment.Status.CHANGES_REQUESTED)
DISCUSSION_STATUSES = ASSIGNABLE_STATUSES


class ReviewRefused(Refusal):
    """A review step the lifecycle or the input does not allow; the message tells the user why and what to do."""


class ApprovalBlocked(ReviewRefused):
    """Approval asked for while answers still lack a verdict; names them, unreviewed and in clarification apart."""

    def __init__(self, progress: ReviewProgress) -> None:
        self.open = progress.open
        groups = [
            (_("not reviewed: %(codes)s"), progress.codes_in(AnswerState.UNREVIEWED, AnswerState.CLARIFIED)),
            (_("awaiting clarification: %(codes)s"), progress.asked),
        ]
        which = "; ".join(text % {"codes": ", ".join(codes)} for text, codes in groups if codes)
        super().__init__(
            _(
                "Approval needs a verdict, accept or reject, on every answer: %(open)d of %(total)d are still open "
                "(%(which)s). Review them first, or reject the assessment with your rationale."
            )
            % {"open": len(self.open), "total": progress.total, "which": which}
        )


# Who -------------------------------------------------------------------------------------------------------------


def is_member(user: User, assessment: Assessment) -> bool:
    return Membership.objects.filter(user=user, hoster_id=assessment.hoster_id).exists()


def is_reviewer(user: User, assessment: Assessment) -> bool:
    """An assigned auditor who is not (or no longer) a member of the hoster: the only one who may judge."""
    return assessment.auditor_can_access(user) and not is_member(user, assessment)


def _require_reviewer(user: User, assessment: Assessment) -> None:
    if not is_reviewer(user, assessment):
        raise PermissionDenied(
            _("Only an auditor assigned to this assessment, and not a member of %(hoster)s, may review it.")
            % {"hoster": assessment.hoster}
        )


def _require_status(assessment: Assessment, allowed: Sequence[str], action: str) -> None:
    if assessment.status not in allowed:
        raise ReviewRefused(
            _("This assessment is %(status)s, so you cannot %(action)s.")
            % {"status": assessment.get_status_display().lower(), "action": action}
        )


def _lock(assessment: Assessment) -> Assessment:
    assessment.status = Assessment.objects.select_for_update().values_list("status", flat=True).get(pk=assessment.pk)
    return assessment


def _clean_text(text: str, limit: int, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ReviewRefused(missing)
    if len(text) > limit:
        raise ReviewRefused(_("Keep the text under %(max)d characters.") % {"max": limit})
    return text


def owners_and_editors(assessment: Assessment) -> list[User]:
    return list(
        User.objects.filter(
            memberships__hoster_id=assessment.hoster_id,
            memberships__role__in=[MemberRole.OWNER, MemberRole.EDITOR],
            is_active=True,
        ).order_by("pk")
    )


def owners_and_supervisors(assessment: Assessment) -> list[User]:
    users = User.objects.filter(
        Q(memberships__hoster_id=assessment.hoster_id, memberships__role=MemberRole.OWNER)
        | Q(groups__name=Role.SUPERVISOR),
        is_active=True,
    )
    return list(users.distinct().order_by("pk"))


def auditors_of(assessment: Assessment) -> list[User]:
    return list(User.objects.filter(assignments__assessment=assessment).order_by("pk"))


def eligible_auditors(assessment: Assessment) -> list[User]:
    """Active auditors not yet assigned, each marked `conflicted` when they belong to the hoster."""
    membership = Membership.objects.filter(hoster_id=assessment.hoster_id, user=OuterRef("pk"))
    auditors = (
        User.objects.filter(groups__name=Role.AUDITOR, is_active=True)
        .exclude(assignments__assessment=assessment)
        .annotate(conflicted=Exists(membership))
        .order_by("email")
    )
    return list(auditors)


# Assignment ------------------------------------------------------------------------------------------------------


@transaction.atomic
def assign_auditor(supervisor: User, assessment: Assessment, auditor: User, *, send_mail: bool = True) -> Assignment:
    """Assign an auditor; the first assignment starts the review (submitted → in review).

    A member of the hoster can never audit it (conflict of interest), whatever else they are.
    """
    require_supervisor(supervisor)
    _lock(assessment)
    _require_status(assessment, ASSIGNABLE_STATUSES, _("assign auditors"))
    if not auditor.is_auditor:
        raise ReviewRefused(_("%(user)s does not have the auditor role.") % {"user": auditor.email})
    if is_member(auditor, assessment):
        raise ReviewRefused(
            _(
                "%(user)s is a member of %(hoster)s and so cannot audit its assessment (conflict of interest). "
                "Choose an auditor who does not belong to the hoster."
            )
            % {"user": auditor.email, "hoster": assessment.hoster}
        )
    if Assignment.objects.filter(assessment=assessment, auditor=auditor).exists():
        raise ReviewRefused(_("%(user)s is already assigned to this assessment.") % {"user": auditor.email})
    assignment = Assignment.objects.create(assessment=assessment, auditor=auditor, assigned_by=supervisor)
    previous = assessment.status
    if previous == Assessment.Status.SUBMITTED:
        assessment.status = Assessment.Status.IN_REVIEW
        assessment.save(update_fields=["status", "updated_at"])
    log_action(
        supervisor,
        "assessments.auditor.assigned",
        assessment,
        {"auditor": auditor.email, "from": previous, "to": assessment.status},
    )
    notify_on_commit(
        [auditor] if send_mail else [],
        "email/review_assigned",
        {"assessment": assessment, "hoster": assessment.hoster, "by": supervisor},
    )
    return assignment


def queue_for(auditor: User) -> QuerySet[Assessment]:
    """The auditor's assigned assessments, open ones first, oldest submission first."""
    return (
        Assessment.objects.assigned_to(auditor)
        .select_related("hoster", "questionnaire")
        .order_by("submitted_at", "pk")
        .distinct()
    )


# Evidence --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceCheck:
    """The stored file's SHA-256 recomputed now and compared with the hash taken at upload."""

    evidence: Evidence
    actual_sha256: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def check_evidence(evidence: Evidence) -> EvidenceCheck:
    if evidence.kind != Evidence.Kind.FILE:
        return EvidenceCheck(evidence, "")
    digest = hashlib.sha256()
    try:
        with evidence.file.open("rb") as stored:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError, ValueError):
        return EvidenceCheck(evidence, "", _("The stored file is missing."))
    actual = digest.hexdigest()
    if actual != evidence.sha256:
        return EvidenceCheck(evidence, actual, _("The stored file no longer matches the SHA-256 taken at upload."))
    return EvidenceCheck(evidence, actual)


def _evidence_record(check: EvidenceCheck) -> dict[str, Any]:
    return {**check.evidence.as_snapshot(), "verified": check.ok}


# Judging answers -------------------------------------------------------------------------------------------------


@transaction.atomic
def review_answer(auditor: User, assessment: Assessment, criterion_code: str, decision: str, note: str) -> AnswerReview:
    """Accept, reject or ask to clarify one answer, with a note; acceptance re-checks every evidence file's hash."""
    _require_reviewer(auditor, assessment)
    _lock(assessment)
    _require_status(assessment, [Assessment.Status.IN_REVIEW], _("review answers"))
    criterion = assessment.questionnaire.criteria_by_code.get(criterion_code)
    if criterion is None:
        raise ReviewRefused(_("There is no criterion %(code)s in this questionnaire.") % {"code": criterion_code})
    if decision not in AnswerReview.Decision.values:
        raise ReviewRefused(_("Choose accept, reject or ask for clarification."))
    note = _clean_text(note, MAX_NOTE, _("Write a note that explains your decision to the hoster."))
    answer = Answer.objects.filter(assessment=assessment, criterion_code=criterion_code).first()
    checks = [check_evidence(item) for item in answer.evidence.all()] if answer else []
    if decision == AnswerReview.Decision.ACCEPTED:
        if answer is None or not answer.is_answered:
            raise ReviewRefused(
                _("%(code)s has no answer to accept; reject it or ask for clarification.") % {"code": criterion_code}
            )
        broken = [check for check in checks if not check.ok]
        if broken:
            raise ReviewRefused(
                _(
                    "%(code)s cannot be accepted: %(files)s failed the SHA-256 check. "
                    "Reject it or ask for the file again."
                )
                % {"code": criterion_code, "files": ", ".join(check.evidence.original_name for check in broken)}
            )
    review = AnswerReview.objects.create(
        assessment=assessment,
        criterion_code=criterion_code,
        decision=decision,
        note=note,
        snapshot=assessment.snapshots.order_by("-created_at", "-id").first(),
        evidence=[_evidence_record(check) for check in checks],
        reviewer=auditor,
    )
    log_action(
        auditor,
        f"assessments.answer.{decision}",
        assessment,
        {"criterion": criterion_code, "note": note, "evidence": review.evidence, "review": review.pk},
    )
    return review


def accepted_codes(assessment: Assessment) -> set[str]:
    return set(accepted_answers([assessment]).get(assessment.pk, set()))


def accepted_answers(assessments: Sequence[Assessment]) -> dict[int, set[str]]:
    """Per assessment the criteria whose answer an auditor accepted (the review in force); one query.

    Every verified score counts exactly these answers.
    """
    latest = AnswerReview.objects.filter(assessment__in=[a.pk for a in assessments]).latest_by_criterion()
    return {
        pk: {code for code, review in reviews.items() if review.decision == AnswerReview.Decision.ACCEPTED}
        for pk, reviews in latest.items()
    }


def evidence_acceptance(assessment: Assessment) -> Callable[[Criterion, Answer], bool]:
    """Whether an answer's evidence counts as accepted: the answer was accepted, the evidence is of the kind the
    criterion asks for, and every stored file still matches its hash."""
    accepted = accepted_codes(assessment)

    def evidence_accepted(criterion: Criterion, answer: Answer) -> bool:
        if criterion.code not in accepted:
            return False
        evidence = list(answer.evidence.all())
        return evidence_satisfies(criterion, evidence) and all(check_evidence(item).ok for item in evidence)

    return evidence_accepted


# Rounds ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def request_changes(auditor: User, assessment: Assessment, message: str = "", *, send_mail: bool = True) -> list[str]:
    """Hand the assessment back (in review → changes requested) for the answers marked for clarification."""
    _require_reviewer(auditor, assessment)
    _lock(assessment)
    _require_status(assessment, [Assessment.Status.IN_REVIEW], _("ask for changes"))
    codes = codes_in_question(assessment)
    if not codes:
        raise ReviewRefused(
            _("Ask for clarification on at least one answer first; the hoster may change only those answers.")
        )
    message = (message or "").strip()
    if len(message) > MAX_NOTE:
        raise ReviewRefused(_("Keep the text under %(max)d characters.") % {"max": MAX_NOTE})
    if message:
        Comment.objects.create(assessment=assessment, author=auditor, body=message)
    assessment.status = Assessment.Status.CHANGES_REQUESTED
    assessment.save(update_fields=["status", "updated_at"])
    log_action(
        auditor,
        "assessments.assessment.changes_requested",
        assessment,
        {"from": Assessment.Status.IN_REVIEW, "to": assessment.status, "criteria": codes, "message": message},
    )
    reviews = AnswerReview.objects.in_force(assessment)
    notify_on_commit(
        owners_and_editors(assessment) if send_mail else [],
        "email/review_changes_requested",
        {
            "assessment": assessment,
            "hoster": assessment.hoster,
            "questions": [(code, reviews[code].note) for code in codes],
            "message": message,
        },
    )
    return codes


# Comments --------------------------------------------------------------------------------------------------------


def _takes_part(user: User, assessment: Assessment) -> bool:
    """The assigned auditors and the hoster's owners and editors; viewers and supervisors read along."""
    if not user.is_authenticated:
        return False
    return (
        is_reviewer(user, assessment)
        or Membership.objects.filter(
            user=user, hoster_id=assessment.hoster_id, role__in=[MemberRole.OWNER, MemberRole.EDITOR]
        ).exists()
    )


def can_comment(user: User, assessment: Assessment) -> bool:
    return assessment.status in DISCUSSION_STATUSES and _takes_part(user, assessment)


@transaction.atomic
def post_comment(user: User, assessment: Assessment, body: str, criterion_code: str = "") -> Comment:
    """Add a message to the assessment's thread or to one answer's thread; sent messages are never changed."""
    if not _takes_part(user, assessment):
        raise PermissionDenied(_("Only the assigned auditors and the hoster's owners and editors take part."))
    _lock(assessment)
    _require_status(assessment, DISCUSSION_STATUSES, _("add to the discussion"))
    if criterion_code and criterion_code not in assessment.questionnaire.criteria_by_code:
        raise ReviewRefused(_("There is no criterion %(code)s in this questionnaire.") % {"code": criterion_code})
    body = _clean_text(body, MAX_NOTE, _("Write a message before sending it."))
    comment = Comment.objects.create(assessment=assessment, criterion_code=criterion_code, author=user, body=body)
    log_action(
        user,
        "assessments.comment.posted",
        assessment,
        {"criterion": criterion_code, "comment": comment.pk, "body": body},
    )
    return comment


# Decision --------------------------------------------------------------------------------------------------------


@transaction.atomic
def decide(auditor: User, assessment: Assessment, outcome: str, rationale: str, *, send_mail: bool = True) -> Decision:
    """Approve or reject (in review → approved | rejected) with a written rationale.

    Approval needs a verdict (accepted or rejected) on every answer; rejection may come at any time. Approval is
    announced by `assessment_approved`: certification saves the verified rating (only accepted answers score),
    issues a certificate when it is certifiable, and records on the decision whether it was and why not.
    """
    _require_reviewer(auditor, assessment)
    _lock(assessment)
    _require_status(assessment, [Assessment.Status.IN_REVIEW], _("decide on it"))
    if outcome not in Decision.Outcome.values:
        raise ReviewRefused(_("Choose to approve or to reject the assessment."))
    rationale = _clean_text(rationale, MAX_RATIONALE, _("Write the rationale for your decision."))
    if outcome == Decision.Outcome.APPROVED:
        progress = review_progress(assessment)
        if progress.open:
            raise ApprovalBlocked(progress)
    previous = assessment.status
    assessment.status = outcome
    assessment.save(update_fields=["status", "updated_at"])
    decision = Decision.objects.create(assessment=assessment, outcome=outcome, rationale=rationale, decided_by=auditor)
    facts: dict[str, Any] = {"rating": None, "grade": None}
    if outcome == Decision.Outcome.APPROVED:
        # Certification listens: it saves the verified rating and records whether the approval certifies.
        for _receiver, response in assessment_approved.send(sender=Decision, decision=decision, auditor=auditor):
            if isinstance(response, dict):  # a receiver's facts for the audit event (see assessments.signals)
                facts.update(response)
    log_action(
        auditor,
        f"assessments.assessment.{outcome}",
        assessment,
        {
            "from": previous,
            "to": outcome,
            "rationale": rationale,
            "rating": facts["rating"],
            "grade": facts["grade"],
            "certifiable": decision.certifiable,
            "problems": decision.certifiable_problems,
            "certificate": decision.certificate_serial,
        },
    )
    notify_on_commit(
        owners_and_supervisors(assessment) if send_mail else [],
        "email/review_decided",
        {"assessment": assessment, "hoster": assessment.hoster, "decision": decision},
    )
    return decision


# Timeline --------------------------------------------------------------------------------------------------------


def timeline(assessment: Assessment) -> QuerySet[AuditEvent]:
    """Every audit event of the assessment: logged on it, or on a record (a rating, a certificate) that names it."""
    own = Q(object_type=Assessment._meta.label_lower, object_id=str(assessment.pk))
    return (
        AuditEvent.objects.filter(own | Q(data__assessment=assessment.pk)).select_related("actor").order_by("at", "id")
    )
