"""A hoster's assessment from start to hand-in: start a draft, see what blocks submission, submit a frozen snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.access import role_in
from assessments.answers import AssessmentLocked, lock
from assessments.attachments import EVIDENCE_NEEDED, evidence_required, evidence_satisfies
from assessments.models import Assessment, QuestionnaireVersion, Snapshot, last_full_months
from portal.audit import log_action
from portal.models import Hoster, MemberRole, Membership, User
from portal.notify import notify_on_commit
from portal.refusals import Refusal
from portal.services import owners_of, supervisors


@dataclass(frozen=True)
class MissingItem:
    criterion: str
    reason: str  # unanswered | evidence | justification
    message: str


class SubmissionBlocked(Refusal):
    """What is still missing before the assessment can be submitted, in questionnaire order."""

    def __init__(self, missing: list[MissingItem]) -> None:
        super().__init__("; ".join(item.message for item in missing))
        self.missing = missing


# Starting --------------------------------------------------------------------------------------------------------


def default_period(today: date | None = None) -> tuple[date, date]:
    return last_full_months(today or timezone.localdate())


@transaction.atomic
def start_assessment(
    user: User, hoster: Hoster, period_start: date, period_end: date, questionnaire: QuestionnaireVersion | None = None
) -> Assessment:
    """A new draft on the current questionnaire version; one open assessment per hoster."""
    if not Membership.objects.filter(user=user, hoster=hoster, role=MemberRole.OWNER).exists():
        raise PermissionDenied(_("Only an owner of %(hoster)s may start an assessment.") % {"hoster": hoster})
    questionnaire = questionnaire or QuestionnaireVersion.objects.current()
    if questionnaire is None:
        raise ValidationError(_("No questionnaire has been published yet."))
    if period_start > period_end:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("The measurement period cannot end in the future.")})
    if Assessment.objects.filter(hoster=hoster).open().exists():
        raise ValidationError(_("%(hoster)s already has an assessment in progress.") % {"hoster": hoster})
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                hoster=hoster,
                questionnaire=questionnaire,
                period_start=period_start,
                period_end=period_end,
                created_by=user,
            )
    except IntegrityError:
        raise ValidationError(_("%(hoster)s already has an assessment in progress.") % {"hoster": hoster}) from None
    log_action(
        user,
        "assessments.assessment.started",
        assessment,
        {
            "hoster": hoster.slug,
            "questionnaire": str(questionnaire),
            "period": [period_start.isoformat(), period_end.isoformat()],
        },
    )
    return assessment


# What blocks submission ------------------------------------------------------------------------------------------


def missing_items(assessment: Assessment) -> list[MissingItem]:
    """What blocks submission, in questionnaire order."""
    answers = {answer.criterion_code: answer for answer in assessment.answers.prefetch_related("evidence")}
    missing: list[MissingItem] = []
    for criterion in assessment.questionnaire.parsed.criteria:
        answer = answers.get(criterion.code)
        if answer is None or not answer.is_answered:
            if criterion.required:
                missing.append(
                    MissingItem(criterion.code, "unanswered", _("%(code)s: not answered") % {"code": criterion.code})
                )
            continue
        if answer.na and not answer.justification.strip():
            missing.append(
                MissingItem(
                    criterion.code,
                    "justification",
                    _("%(code)s: N/A without a justification") % {"code": criterion.code},
                )
            )
        if evidence_required(criterion, answer) and not evidence_satisfies(criterion, list(answer.evidence.all())):
            missing.append(
                MissingItem(
                    criterion.code,
                    "evidence",
                    _("%(code)s: missing evidence (%(needed)s)")
                    % {"code": criterion.code, "needed": EVIDENCE_NEEDED[criterion.evidence]},
                )
            )
    return missing


# Submitting ------------------------------------------------------------------------------------------------------


def snapshot_data(assessment: Assessment) -> dict[str, Any]:
    answers = assessment.answers.prefetch_related("evidence").order_by("criterion_code")
    return {
        "assessment": assessment.pk,
        "hoster": assessment.hoster.slug,
        "questionnaire": {
            "code": assessment.questionnaire.code,
            "version": assessment.questionnaire.version,
            "checksum": assessment.questionnaire.checksum,
        },
        "period": [assessment.period_start.isoformat(), assessment.period_end.isoformat()],
        "answers": {
            answer.criterion_code: {
                "value": answer.value,
                "na": answer.na,
                "justification": answer.justification,
                "comment": answer.comment,
                "evidence": [item.as_snapshot() for item in answer.evidence.all()],
            }
            for answer in answers
            if answer.is_answered or answer.comment or answer.evidence.all()
        },
    }


@transaction.atomic
def submit_assessment(user: User, assessment: Assessment, *, send_mail: bool = True) -> Snapshot:
    """Freeze the answers and evidence hashes and hand the assessment in; SubmissionBlocked lists what is missing.

    A first submission waits for a supervisor to assign auditors; a resubmission after changes were requested goes
    straight back to the assigned auditors (in review), who are told by e-mail.
    """
    if role_in(user, assessment) != MemberRole.OWNER:
        raise PermissionDenied(_("Only an owner of %(hoster)s may submit.") % {"hoster": assessment.hoster})
    lock(assessment)
    if assessment.status not in Assessment.SUBMITTABLE_STATUSES:
        raise AssessmentLocked(
            _("This assessment is %(status)s and cannot be submitted.")
            % {"status": assessment.get_status_display().lower()}
        )
    missing = missing_items(assessment)
    if missing:
        raise SubmissionBlocked(missing)
    snapshot = Snapshot.objects.create(assessment=assessment, created_by=user, data=snapshot_data(assessment))
    previous = assessment.status
    resubmission = previous == Assessment.Status.CHANGES_REQUESTED
    assessment.status = Assessment.Status.IN_REVIEW if resubmission else Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = user
    assessment.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    log_action(
        user,
        "assessments.assessment.resubmitted" if resubmission else "assessments.assessment.submitted",
        assessment,
        {"from": previous, "to": assessment.status, "snapshot": snapshot.pk, "snapshot_sha256": snapshot.sha256},
    )
    if send_mail:
        _announce_submission(user, assessment, resubmission)
    return snapshot


def _announce_submission(user: User, assessment: Assessment, resubmission: bool) -> None:
    """A resubmission goes to the assigned auditors; a first submission to the owners and the supervisors."""
    context = {"assessment": assessment, "hoster": assessment.hoster, "submitted_by": user}
    if resubmission:
        auditors = User.objects.filter(assignments__assessment=assessment).order_by("pk")
        notify_on_commit(auditors, "email/review_resubmitted", context)
    else:
        notify_on_commit([*owners_of(assessment.hoster), *supervisors()], "email/assessments_submitted", context)
