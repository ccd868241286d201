"""Questionnaire versions, assessments, answers, evidence files and the snapshots frozen at submission."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from assessments.catalogue import Criterion, Questionnaire, parse_questionnaire
from portal.models import AppendOnly, Hoster, ImmutableQuerySet, User
from portal.versioning import PublishedDefinition, checksum

DEFAULT_QUESTIONNAIRE_CODE = "good-hoster-2020"


class QuestionnaireVersionQuerySet(models.QuerySet["QuestionnaireVersion"]):
    def current(self, code: str = DEFAULT_QUESTIONNAIRE_CODE) -> QuestionnaireVersion | None:
        """The highest published version of `code`, the one new assessments start on."""
        return self.filter(code=code).order_by("-version").first()


class QuestionnaireVersion(PublishedDefinition):
    """One published version of a questionnaire; its definition never changes once stored."""

    objects = QuestionnaireVersionQuerySet.as_manager()

    class Meta(PublishedDefinition.Meta):
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_questionnaire_version")]

    @cached_property
    def parsed(self) -> Questionnaire:
        """The catalogue dataclasses of this version."""
        return parse_questionnaire(self.definition, str(self))

    @cached_property
    def criteria_by_code(self) -> dict[str, Criterion]:
        return {criterion.code: criterion for criterion in self.parsed.criteria}

    def title_in(self, language: str) -> str:
        return self.parsed.title.get_text(language)


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: User) -> AssessmentQuerySet:
        """The assessments a user may read: their hosters' ones and those they audit; every one for supervisors."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_supervisor:
            return self.all()
        mine = Q(hoster__memberships__user=user)
        if user.is_auditor:
            mine |= Q(assignments__auditor=user)
        return self.filter(mine).distinct()

    def assigned_to(self, user: User) -> AssessmentQuerySet:
        """The assessments `user` is assigned to audit (none once they lose the auditor role)."""
        if not user.is_authenticated or not user.is_auditor:
            return self.none()
        return self.filter(assignments__auditor=user)

    def awaiting_assignment(self) -> AssessmentQuerySet:
        """Submitted assessments no auditor has been assigned to yet, oldest first."""
        return self.filter(status=Assessment.Status.SUBMITTED).order_by("submitted_at", "pk")

    def open(self) -> AssessmentQuerySet:
        return self.filter(status__in=Assessment.OPEN_STATUSES)


def last_full_months(today: date, months: int = 12) -> tuple[date, date]:
    """The first and last day of the `months` full calendar months before `today`'s month."""
    first_of_this_month = today.replace(day=1)
    end = first_of_this_month - timedelta(days=1)
    year, month = first_of_this_month.year, first_of_this_month.month - months
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), end


class Assessment(models.Model):
    """A hoster's self-assessment on one questionnaire version for one measurement period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)
    SUBMITTABLE_STATUSES = EDITABLE_STATUSES
    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED)

    hoster = models.ForeignKey(Hoster, on_delete=models.PROTECT, related_name="assessments")
    questionnaire = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="assessments")
    period_start = models.DateField(_("first day of the measurement period"))
    period_end = models.DateField(_("last day of the measurement period"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["hoster"],
                condition=Q(status__in=["draft", "submitted", "in_review", "changes_requested"]),
                name="one_open_assessment_per_hoster",
            ),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="period_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.hoster} {self.period_start:%Y-%m} to {self.period_end:%Y-%m} ({self.questionnaire})"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def period_end_exclusive(self) -> date:
        """The day after the period, for half-open `[from, to)` metrics (DESIGN §4.2)."""
        return self.period_end + timedelta(days=1)

    @property
    def age_in_days(self) -> int:
        """Days since it was submitted (or started, before that)."""
        since = self.submitted_at or self.created_at
        return (timezone.now() - since).days

    def auditor_can_access(self, user: User) -> bool:
        """Whether `user` is an auditor assigned to this assessment."""
        return user.is_authenticated and user.is_auditor and self.assignments.filter(auditor=user).exists()


class Answer(models.Model):
    """A hoster's current answer to one criterion of its assessment's questionnaire version."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion_code = models.CharField(_("criterion"), max_length=20)
    value = models.CharField(_("answer"), max_length=5000, blank=True)
    na = models.BooleanField(_("not applicable"), default=False)
    justification = models.TextField(_("justification for N/A"), max_length=5000, blank=True)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        ordering = ["assessment", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion_code"], name="one_answer_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_code}: {'N/A' if self.na else self.value}"

    @property
    def is_answered(self) -> bool:
        return self.na or self.value != ""


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """A server-generated name; the uploader's file name is kept only as data."""
    return f"evidence/{instance.answer.assessment_id}/{uuid.uuid4().hex}{instance.extension}"


class Evidence(models.Model):
    """A document or a URL backing one answer; files sit in private storage, served only by an access-checked view."""

    class Kind(models.TextChoices):
        FILE = "file", _("Document")
        URL = "url", _("URL")

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    detected_type = models.CharField(_("detected type"), max_length=10, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="file") & ~Q(sha256="") & Q(url="")) | (Q(kind="url") & ~Q(url="") & Q(sha256="")),
                name="evidence_is_a_file_or_a_url",
            )
        ]

    def __str__(self) -> str:
        return self.original_name if self.kind == self.Kind.FILE else self.url

    @property
    def extension(self) -> str:
        return f".{self.detected_type}" if self.detected_type else ""

    def as_snapshot(self) -> dict[str, Any]:
        if self.kind == self.Kind.FILE:
            return {
                "kind": self.kind,
                "name": self.original_name,
                "type": self.detected_type,
                "size": self.size,
                "sha256": self.sha256,
            }
        return {"kind": self.kind, "url": self.url}


class Snapshot(AppendOnly):
    """The answers and evidence hashes as submitted; append-only."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="snapshots")
    created_at = models.DateTimeField(_("frozen"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    data = models.JSONField(_("answers and evidence"), encoder=DjangoJSONEncoder)
    sha256 = models.CharField(_("SHA-256 of the data"), max_length=64)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "created_at", "id"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")

    def __str__(self) -> str:
        return f"{self.assessment} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            self.sha256 = checksum(self.data)
        super().save(*args, **kwargs)


# Review ---------------------------------------------------------------------------------------------------------


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def for_auditor(self, user: User) -> AssignmentQuerySet:
        return self.filter(auditor=user)


class Assignment(AppendOnly):
    """A supervisor's assignment of an auditor to review one assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="assignments")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["assessment", "auditor"], name="one_assignment_per_auditor")]

    def __str__(self) -> str:
        return f"{self.auditor} → {self.assessment}"


class AnswerReviewQuerySet(ImmutableQuerySet):
    def latest_by_criterion(self) -> dict[int, dict[str, AnswerReview]]:
        """Per assessment, per criterion code, the review in force (the latest one)."""
        latest: dict[int, dict[str, AnswerReview]] = {}
        for review in self.order_by("created_at", "id"):
            latest.setdefault(review.assessment_id, {})[review.criterion_code] = review
        return latest

    def in_force(self, assessment: Assessment) -> dict[str, AnswerReview]:
        """The review in force per criterion code of one assessment."""
        reviews = self.filter(assessment=assessment).select_related("reviewer")
        return reviews.latest_by_criterion().get(assessment.pk, {})


class AnswerReview(AppendOnly):
    """An auditor's verdict on one criterion's answer in one round; the latest per criterion is the one in force."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        CLARIFICATION = "clarification", _("Clarification requested")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="answer_reviews")
    criterion_code = models.CharField(_("criterion"), max_length=20)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    note = models.TextField(_("note"), max_length=5000)
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.PROTECT, null=True, related_name="answer_reviews", verbose_name=_("round")
    )
    evidence = models.JSONField(_("evidence checked"), default=list, encoder=DjangoJSONEncoder)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    objects = AnswerReviewQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "created_at", "id"]
        verbose_name = _("answer review")
        verbose_name_plural = _("answer reviews")
        indexes = [models.Index(fields=["assessment", "criterion_code"], name="answer_review_lookup")]

    def __str__(self) -> str:
        return f"{self.criterion_code}: {self.decision}"


class Comment(AppendOnly):
    """One message in the thread of an assessment (no criterion) or of one of its answers; never edited."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="comments")
    criterion_code = models.CharField(_("criterion"), max_length=20, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author} on {self.criterion_code or self.assessment_id}: {self.body[:40]}"


class DecisionQuerySet(ImmutableQuerySet):
    """Decisions are append-only; only `Decision.record_certification` completes one, inside its approval."""


class Decision(AppendOnly):
    """The auditor's final decision on an assessment, with its written rationale and whether it certifies."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    rationale = models.TextField(_("rationale"), max_length=10000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    # The outcome of the certification step, recorded once inside the approval (`record_certification`).
    certifiable = models.BooleanField(_("certifiable"), default=False)
    certifiable_problems = models.JSONField(_("why it does not certify"), default=list, blank=True)
    certificate_serial = models.CharField(_("certificate"), max_length=20, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.assessment}: {self.outcome}"

    def record_certification(self, *, certifiable: bool, problems: list[str], certificate_serial: str) -> None:
        """Record what the certification step made of this approval; once, and never on a rejection."""
        if self.outcome != self.Outcome.APPROVED or self.certifiable or self.certifiable_problems:
            raise TypeError("A decision's certification outcome is recorded once, on an approval.")
        fields = {
            "certifiable": certifiable,
            "certifiable_problems": problems,
            "certificate_serial": certificate_serial,
        }
        models.QuerySet.update(Decision.objects.filter(pk=self.pk), **fields)
        for name, value in fields.items():
            setattr(self, name, value)
