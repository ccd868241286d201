"""Assessment services: start, answer, attach evidence, submit. Each change is atomic and audited."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.catalogue import Criterion
from assessments.evidence import detect_document, read_limited, sanitise_filename
from assessments.models import (
    Answer,
    AnswerReview,
    Assessment,
    Evidence,
    QuestionnaireVersion,
    Snapshot,
    last_full_months,
)
from portal.audit import log_action
from portal.models import Hoster, MemberRole, Membership, User
from portal.notify import notify_on_commit
from portal.services import owners_of, supervisors

MAX_TEXT = 5000


class AssessmentLocked(PermissionDenied):
    """The assessment is not in a state that allows this change."""


class AnswersInvalid(ValueError):
    """Per-criterion error messages: `{criterion code: [message, …]}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class SubmissionBlocked(ValueError):
    def __init__(self, missing: list[MissingItem]) -> None:
        super().__init__([item.message for item in missing])
        self.missing = missing


# Access ---------------------------------------------------------------------------------------------------------


def get_assessment_for(user: User, pk: int, *, write: bool = False, owner: bool = False) -> Assessment:
    """The assessment if `user` may read it (or change it, with write/owner); 404 for outsiders.

    Members read their hoster's assessments; supervisors and the assigned auditor read any they may see.
    A member whose role is too weak for `write` (editor or owner) or `owner` gets a 403.
    """
    if not user.is_authenticated or not user.is_active:
        raise Http404
    assessment = Assessment.objects.select_related("hoster", "questionnaire").filter(pk=pk).first()
    if assessment is None:
        raise Http404
    membership = Membership.objects.filter(user=user, hoster=assessment.hoster).first()
    if membership is None:
        if (user.is_supervisor or assessment.auditor_can_access(user)) and not (write or owner):
            return assessment
        raise Http404
    if owner and not membership.is_owner:
        raise PermissionDenied(_("Only an owner of %(hoster)s may do this.") % {"hoster": assessment.hoster})
    if write and not membership.can_edit:
        raise PermissionDenied(_("Your role lets you read this assessment, not change it."))
    return assessment


def role_in(user: User, assessment: Assessment) -> str | None:
    """The user's member role at the assessment's hoster, or None."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, hoster=assessment.hoster).values_list("role", flat=True).first()


# Starting -------------------------------------------------------------------------------------------------------


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


# Answers --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    """What a form or an API client sends for one criterion."""

    value: str = ""
    na: bool = False
    justification: str = ""
    comment: str = ""


def clean_value(criterion: Criterion, raw: str) -> str:
    """The stored form of an answer value for the criterion's type; ValidationError with a user message."""
    value = raw.strip()
    if value == "":
        return ""
    if criterion.type == "choice":
        if value not in criterion.option_values:
            raise ValidationError(
                _("'%(value)s' is not an option: choose one of %(options)s.")
                % {"value": value, "options": ", ".join(criterion.option_values)}
            )
        return value
    if criterion.type in {"number", "percent"}:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise ValidationError(_("'%(value)s' is not a number.") % {"value": value}) from None
        if not number.is_finite() or number < 0:
            raise ValidationError(_("Give a number of zero or more."))
        if criterion.type == "percent" and number > 100:
            raise ValidationError(_("A percentage lies between 0 and 100."))
        return format(number.normalize(), "f")
    if criterion.type == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(_("'%(value)s' is not a date (YYYY-MM-DD).") % {"value": value}) from None
    if criterion.type == "url":
        URLValidator(schemes=["https", "http"], message=_("Enter a web address starting with https://."))(value)
        return value
    if len(value) > MAX_TEXT:
        raise ValidationError(_("Keep the answer under %(max)d characters.") % {"max": MAX_TEXT})
    return value


def clean_answer(criterion: Criterion, data: AnswerInput) -> tuple[AnswerInput, dict[str, list[str]]]:
    """The normalised answer and per-field errors (`value`, `na`, `justification`, `comment`)."""
    errors: dict[str, list[str]] = {}
    value = ""
    if data.na:
        if not criterion.na_allowed:
            errors["na"] = [_("N/A is not allowed for %(code)s; give an answer.") % {"code": criterion.code}]
        elif not data.justification.strip():
            errors["justification"] = [_("A justification is required when you answer N/A.")]
    else:
        try:
            value = clean_value(criterion, data.value)
        except ValidationError as exc:
            errors["value"] = exc.messages
    for name in ("justification", "comment"):
        if len(getattr(data, name)) > MAX_TEXT:
            errors.setdefault(name, []).append(_("Keep this under %(max)d characters.") % {"max": MAX_TEXT})
    cleaned = AnswerInput(
        value=value,
        na=data.na,
        justification=data.justification.strip() if data.na else "",
        comment=data.comment.strip(),
    )
    return cleaned, errors


def codes_in_question(assessment: Assessment) -> list[str]:
    """The criteria an auditor asked to clarify, the only ones the hoster may change while changes are requested."""
    reviews = AnswerReview.objects.in_force(assessment)
    return sorted(code for code, review in reviews.items() if review.decision == AnswerReview.Decision.CLARIFICATION)


def _ensure_editable(assessment: Assessment, codes: Iterable[str] = ()) -> None:
    if not assessment.is_editable:
        raise AssessmentLocked(
            _("This assessment is %(status)s; its answers cannot be changed.")
            % {"status": assessment.get_status_display().lower()}
        )
    if assessment.status == Assessment.Status.CHANGES_REQUESTED:
        allowed = codes_in_question(assessment)
        refused = sorted(set(codes) - set(allowed))
        if refused:
            raise AssessmentLocked(
                _("The auditor asked for changes to %(allowed)s only; %(refused)s cannot be changed in this round.")
                % {"allowed": ", ".join(allowed) or "—", "refused": ", ".join(refused)}
            )


def _lock(assessment: Assessment) -> Assessment:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.status = locked.status
    return assessment


def validate_answers(
    assessment: Assessment, answers: dict[str, AnswerInput]
) -> tuple[dict[str, AnswerInput], dict[str, list[str]]]:
    """The normalised answers and messages per criterion code; the same rules for forms and the API."""
    criteria = assessment.questionnaire.criteria_by_code
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, AnswerInput] = {}
    for code, data in answers.items():
        criterion = criteria.get(code)
        if criterion is None:
            errors[code] = [
                _("There is no criterion %(code)s in %(questionnaire)s.")
                % {"code": code, "questionnaire": assessment.questionnaire}
            ]
            continue
        cleaned[code], field_errors = clean_answer(criterion, data)
        if field_errors:
            errors[code] = [
                message if name == "value" else f"{name}: {message}"
                for name, messages in field_errors.items()
                for message in messages
            ]
    return cleaned, errors


@transaction.atomic
def save_answers(
    user: User, assessment: Assessment, answers: dict[str, AnswerInput], *, via: str = "web"
) -> list[Answer]:
    """Validate every answer, then store them all or none; raises AnswersInvalid with per-criterion messages.

    While changes are requested only the answers in question may change (unchanged ones may be sent along).
    """
    _ensure_editable(_lock(assessment))
    cleaned, errors = validate_answers(assessment, answers)
    if errors:
        raise AnswersInvalid(errors)
    existing = {answer.criterion_code: answer for answer in assessment.answers.all()}
    updates: dict[str, tuple[Answer, tuple[str, bool, str, str]]] = {}
    for code, data in cleaned.items():
        answer = existing.get(code) or Answer(assessment=assessment, criterion_code=code)
        after = (data.value, data.na, data.justification, data.comment)
        if answer.pk is None or (answer.value, answer.na, answer.justification, answer.comment) != after:
            updates[code] = (answer, after)
    _ensure_editable(assessment, updates)
    saved: list[Answer] = []
    changes: dict[str, dict[str, Any]] = {}
    for code in cleaned:
        if code not in updates:
            saved.append(existing[code])
            continue
        answer, after = updates[code]
        answer.value, answer.na, answer.justification, answer.comment = after
        answer.updated_by = user
        answer.save()
        saved.append(answer)
        changes[code] = {"value": answer.value, "na": answer.na, "comment": bool(answer.comment)}
    if changes:
        log_action(user, "assessments.answers.saved", assessment, {"answers": changes, "via": via})
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    return saved


def save_answer(user: User, assessment: Assessment, criterion_code: str, data: AnswerInput) -> Answer:
    return save_answers(user, assessment, {criterion_code: data})[0]


# Evidence -------------------------------------------------------------------------------------------------------


def _answer_for_evidence(assessment: Assessment, criterion_code: str) -> Answer:
    criterion = assessment.questionnaire.criteria_by_code.get(criterion_code)
    if criterion is None:
        raise Http404
    if criterion.evidence == "none":
        raise ValidationError(_("%(code)s asks for no evidence.") % {"code": criterion_code})
    answer, _created = Answer.objects.get_or_create(assessment=assessment, criterion_code=criterion_code)
    return answer


@transaction.atomic
def attach_evidence_file(
    user: User, assessment: Assessment, criterion_code: str, upload: IO[bytes], name: str
) -> Evidence:
    """Sniff, hash and store an uploaded document; EvidenceRefused (nothing stored) when it may not enter."""
    _ensure_editable(_lock(assessment), [criterion_code])
    answer = _answer_for_evidence(assessment, criterion_code)
    content = read_limited(upload, settings.EVIDENCE_MAX_BYTES)
    detected = detect_document(content)
    evidence = Evidence(
        answer=answer,
        kind=Evidence.Kind.FILE,
        original_name=sanitise_filename(name),
        detected_type=detected.kind,
        content_type=detected.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save("evidence", ContentFile(content), save=False)
    try:
        evidence.save()
        log_action(
            user,
            "assessments.evidence.added",
            assessment,
            {
                "criterion": criterion_code,
                "kind": "file",
                "name": evidence.original_name,
                "type": detected.kind,
                "size": evidence.size,
                "sha256": evidence.sha256,
            },
        )
    except BaseException:
        # The row is rolled back with the transaction; the written file must go with it.
        default_storage.delete(evidence.file.name)
        raise
    return evidence


@transaction.atomic
def attach_evidence_url(user: User, assessment: Assessment, criterion_code: str, url: str) -> Evidence:
    _ensure_editable(_lock(assessment), [criterion_code])
    url = url.strip()
    URLValidator(schemes=["https", "http"], message=_("Enter a web address starting with https://."))(url)
    answer = _answer_for_evidence(assessment, criterion_code)
    evidence = Evidence.objects.create(answer=answer, kind=Evidence.Kind.URL, url=url, uploaded_by=user)
    log_action(user, "assessments.evidence.added", assessment, {"criterion": criterion_code, "kind": "url", "url": url})
    return evidence


@transaction.atomic
def remove_evidence(user: User, assessment: Assessment, evidence: Evidence) -> None:
    if evidence.answer.assessment_id != assessment.pk:
        raise Http404
    _ensure_editable(_lock(assessment), [evidence.answer.criterion_code])
    data = {"criterion": evidence.answer.criterion_code, **evidence.as_snapshot()}
    name = evidence.file.name if evidence.kind == Evidence.Kind.FILE else ""
    evidence.delete()
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
    log_action(user, "assessments.evidence.removed", assessment, data)


# Progress and submission ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionProgress:
    code: str
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


@dataclass(frozen=True)
class Progress:
    sections: list[SectionProgress] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(section.answered for section in self.sections)

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100

    def section(self, code: str) -> SectionProgress:
        return next(section for section in self.sections if section.code == code)


def progress_of(assessment: Assessment, answers: dict[str, Answer] | None = None) -> Progress:
    """Answered criteria (an answer or N/A) per section and overall; reads only."""
    if answers is None:
        answers = {answer.criterion_code: answer for answer in assessment.answers.all()}
    return Progress(
        [
            SectionProgress(
                section.code,
                sum(1 for c in section.criteria if c.code in answers and answers[c.code].is_answered),
                len(section.criteria),
            )
            for section in assessment.questionnaire.parsed.sections
        ]
    )


@dataclass(frozen=True)
class MissingItem:
    criterion: str
    reason: str  # unanswered | evidence | justification
    message: str


def evidence_required(criterion: Criterion, answer: Answer | None) -> bool:
    """Evidence backs an answered claim: not for N/A, nor for a choice worth no points."""
    if criterion.evidence == "none" or answer is None or not answer.is_answered or answer.na:
        return False
    return not (criterion.scored and criterion.option(answer.value).points == 0)


def evidence_satisfies(criterion: Criterion, evidence: list[Evidence]) -> bool:
    kinds = {item.kind for item in evidence}
    if criterion.evidence == "document":
        return Evidence.Kind.FILE in kinds
    if criterion.evidence == "url":
        return Evidence.Kind.URL in kinds
    return bool(kinds)


def evidence_rule_text(rule: str) -> str:
    return {
        "none": _("No evidence needed"),
        "document": _("Evidence: a document"),
        "url": _("Evidence: a web address (URL)"),
        "document_or_url": _("Evidence: a document or a web address (URL)"),
    }[rule]


EVIDENCE_NEEDED = {
    "document": gettext_lazy("a document"),
    "url": gettext_lazy("a web address (URL)"),
    "document_or_url": gettext_lazy("a document or a web address (URL)"),
}


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
    _lock(assessment)
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
    if not send_mail:
        return snapshot
    context = {"assessment": assessment, "hoster": assessment.hoster, "submitted_by": user}
    if resubmission:
        auditors = User.objects.filter(assignments__assessment=assessment).order_by("pk")
        notify_on_commit(auditors, "email/review_resubmitted", context)
    else:
        notify_on_commit([*owners_of(assessment.hoster), *supervisors()], "email/assessments_submitted", context)
    return snapshot
