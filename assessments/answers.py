"""Answers: the rules an answer must meet (the same for forms and the API), saving them all or none, and progress."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.catalogue import Criterion
from assessments.models import Answer, AnswerReview, Assessment
from portal.audit import log_action
from portal.models import User
from portal.refusals import Refusal

MAX_TEXT = 5000


class AssessmentLocked(Refusal, PermissionDenied):
    """The assessment is not in a state that allows this change (a 403 where a view lets it through)."""


class AnswersInvalid(Refusal):
    """Per-criterion error messages: `{criterion code: [message, …]}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{code}: {message}" for code, messages in errors.items() for message in messages))
        self.errors = errors


@dataclass(frozen=True)
class AnswerInput:
    """What a form or an API client sends for one criterion."""

    value: str = ""
    na: bool = False
    justification: str = ""
    comment: str = ""


# Rules -----------------------------------------------------------------------------------------------------------


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
        return _clean_number(criterion, value)
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


def _clean_number(criterion: Criterion, value: str) -> str:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("'%(value)s' is not a number.") % {"value": value}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError(_("Give a number of zero or more."))
    if criterion.type == "percent" and number > 100:
        raise ValidationError(_("A percentage lies between 0 and 100."))
    return format(number.normalize(), "f")


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


# Who may change what, when ---------------------------------------------------------------------------------------


def codes_in_question(assessment: Assessment) -> list[str]:
    """The criteria an auditor asked to clarify, the only ones the hoster may change while changes are requested."""
    reviews = AnswerReview.objects.in_force(assessment)
    return sorted(code for code, review in reviews.items() if review.decision == AnswerReview.Decision.CLARIFICATION)


def ensure_editable(assessment: Assessment, codes: Iterable[str] = ()) -> None:
    """AssessmentLocked unless the answers to `codes` may change now."""
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


def lock(assessment: Assessment) -> Assessment:
    """Lock the assessment's row until the transaction ends, and take its status as it is now."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.status = locked.status
    return assessment


# Saving ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_answers(
    user: User, assessment: Assessment, answers: dict[str, AnswerInput], *, via: str = "web"
) -> list[Answer]:
    """Validate every answer, then store them all or none; raises AnswersInvalid with per-criterion messages.

    While changes are requested only the answers in question may change (unchanged ones may be sent along).
    """
    ensure_editable(lock(assessment))
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
    ensure_editable(assessment, updates)
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


# Progress --------------------------------------------------------------------------------------------------------


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
