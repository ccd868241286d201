"""Certificates, their public events and the per-year serial counter."""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from portal.models import AppendOnly, Hoster, ImmutableQuerySet
from scoring.measurement.methodology import Methodology
from scoring.rating.models import Rating


class CertificateStatus(models.TextChoices):
    """What a certificate says today. `expired` also follows from the date alone."""

    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


LIVE_STATES = (CertificateStatus.VALID, CertificateStatus.SUSPENDED)
# The only columns of a certificate that ever change: the outcome of its latest event, kept for fast public lists.
MUTABLE_FIELDS = frozenset({"state", "state_changed_at"})


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def update(self, **kwargs: Any) -> int:
        if not set(kwargs) <= MUTABLE_FIELDS:
            raise TypeError("A certificate's content is frozen; only its state follows its events.")
        return super().update(**kwargs)

    def delete(self) -> NoReturn:
        raise TypeError("Certificates are never deleted; revoke one instead.")

    def live(self) -> CertificateQuerySet:
        """Neither revoked, expired nor superseded by their state (the date may still have run out)."""
        return self.filter(state__in=LIVE_STATES)

    def current(self, today: date | None = None) -> CertificateQuerySet:
        """The certificates that certify their hoster today: valid and not past their date."""
        return self.filter(state=CertificateStatus.VALID, valid_until__gte=today or timezone.localdate())

    def current_for(self, hoster: Hoster, today: date | None = None) -> Certificate | None:
        """The certificate the public sees for `hoster` today: its live one (valid or suspended) not past its date.

        Suspended counts, so the profile page and the badge show a suspension as such; whether it certifies is
        its `is_current` (the registry and the API's `certified` ask for valid only).
        """
        return (
            self.live()
            .filter(hoster=hoster, valid_until__gte=today or timezone.localdate())
            .order_by("-issued_at", "-pk")
            .first()
        )

    def for_registry(self, today: date | None = None) -> CertificateQuerySet:
        """The public registry's rows: current certificates with their hoster, without the heavy columns."""
        return (
            self.current(today)
            .select_related("hoster")
            .only(
                "serial",
                "grade",
                "score",
                "issued_at",
                "valid_until",
                "state",
                "hoster__slug",
                "hoster__name",
                "hoster__website",
            )
        )

    def without_documents(self) -> CertificateQuerySet:
        return self.defer("pdf", "scorecard", "metrics")


class Certificate(models.Model):
    """A good-hoster certificate: frozen at issue, its PDF and hash included; only its state moves, by events."""

    serial = models.CharField(_("serial"), max_length=20, unique=True)
    hoster = models.ForeignKey(Hoster, on_delete=models.PROTECT, related_name="certificates")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="certificates")
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="certificates")
    grade = models.CharField(_("grade"), max_length=2)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    model_code = models.CharField(_("scoring model"), max_length=80)
    model_version = models.PositiveIntegerField(_("scoring-model version"))
    questionnaire_code = models.CharField(_("questionnaire"), max_length=80)
    questionnaire_version = models.PositiveIntegerField(_("questionnaire version"))
    period_start = models.DateField(_("first day of the measurement period"))
    period_end = models.DateField(_("last day of the measurement period"))
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until"), help_text=_("The last day the certificate is valid."))
    section_scores = models.JSONField(_("score per section"), default=list)
    scorecard = models.JSONField(_("score card at issue"), encoder=DjangoJSONEncoder)
    metrics = models.JSONField(_("measured data at issue"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The methodology of the measured data at issue (`measurement.methodology`); null: issued before methodologies
    # were recorded (the legacy one, with the model's norm).
    methodology = models.JSONField(_("methodology"), null=True, blank=True, encoder=DjangoJSONEncoder)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    state_changed_at = models.DateTimeField(_("state changed"))

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["assessment"], name="one_certificate_per_assessment"),
            models.UniqueConstraint(
                fields=["hoster"], condition=Q(state__in=["valid", "suspended"]), name="one_live_certificate_per_hoster"
            ),
        ]
        indexes = [models.Index(fields=["state", "valid_until"], name="certificate_state_until")]

    def __str__(self) -> str:
        return self.serial

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("A certificate is never edited; its changes are certificate events.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("verify", args=[self.serial])

    @property
    def methodology_used(self) -> Methodology:
        """The methodology of the figures the certificate was issued on (the legacy one when it recorded none)."""
        norm = (self.metrics or {}).get("norm_hours") or self.rating.model_version.norm_hours
        return Methodology.from_dict(self.methodology, norm_hours=norm)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Certificates are never deleted; revoke one instead.")

    def status_on(self, day: date) -> str:
        if self.state in LIVE_STATES and self.valid_until < day:
            return CertificateStatus.EXPIRED
        return self.state

    @property
    def status(self) -> str:
        """The public status today: a live certificate past its last day is expired, even before the daily run."""
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return str(CertificateStatus(self.status).label)

    @property
    def is_current(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def verify_url(self) -> str:
        return f"{settings.SITE_URL}{reverse('verify', args=[self.serial])}"

    @property
    def pdf_url(self) -> str:
        return reverse("certificate_pdf", args=[self.serial])

    @property
    def scoring_model_label(self) -> str:
        return f"{self.model_code} v{self.model_version}"

    @property
    def questionnaire_label(self) -> str:
        return f"{self.questionnaire_code} v{self.questionnaire_version}"


class CertificateEventQuerySet(ImmutableQuerySet):
    def public(self) -> CertificateEventQuerySet:
        return self.filter(kind__in=CertificateEvent.PUBLIC_KINDS)


class CertificateEvent(AppendOnly):
    """Something that happened to a certificate. `reason` is public; `data` is for supervisors only."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        SUSPENDED = "suspended", _("Suspended")
        REINSTATED = "reinstated", _("Reinstated")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")
        EXPIRY_WARNING_30 = "expiry_warning_30", _("Expiry warning (30 days)")
        EXPIRY_WARNING_7 = "expiry_warning_7", _("Expiry warning (7 days)")

    PUBLIC_KINDS = (Kind.ISSUED, Kind.SUSPENDED, Kind.REINSTATED, Kind.REVOKED, Kind.EXPIRED, Kind.SUPERSEDED)
    ONCE_KINDS = (
        Kind.ISSUED,
        Kind.REVOKED,
        Kind.EXPIRED,
        Kind.SUPERSEDED,
        Kind.EXPIRY_WARNING_30,
        Kind.EXPIRY_WARNING_7,
    )

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(_("by the monitoring run"), default=False)
    reason = models.TextField(_("public reason"), blank=True)
    reason_nl = models.TextField(_("public reason in Dutch"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = CertificateEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind"],
                condition=Q(
                    kind__in=["issued", "revoked", "expired", "superseded", "expiry_warning_30", "expiry_warning_7"]
                ),
                name="certificate_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def public_reason(self) -> str:
        """The reason in the reader's language when the event has one in Dutch; otherwise as written."""
        if self.reason_nl and translation.get_language() == "nl":
            return self.reason_nl
        return self.reason


class SerialCounter(models.Model):
    """The last serial number handed out in a year; locked row by row, so numbers are sequential and never reused."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
