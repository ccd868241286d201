"""Measured takedown data: notices (metadata only, never the URL), their import batches and attribution disputes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Hoster


class ImportBatch(models.Model):
    """One import of a notice file or API request: who, when, what file, and what came of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Imported")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    class Channel(models.TextChoices):
        COMMAND = "command", _("Command line")
        UPLOAD = "upload", _("Upload")
        API = "api", _("API")
        DEMO = "demo", _("Demo data")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.COMMAND)
    source = models.CharField(_("source"), max_length=50)
    timezone = models.CharField(_("time zone for timestamps without offset"), max_length=64, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    # The uploaded file waits here for the worker and is deleted as soon as it has been read.
    upload_path = models.CharField(max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_bytes = models.BigIntegerField(default=0)
    progress_bytes = models.BigIntegerField(default=0)
    progress_rows = models.PositiveIntegerField(default=0)
    # When the worker last reported progress (or took the batch up): a batch that waits or runs without any for
    # long was left behind by a stopped worker (`uploads.fail_stale_batches`).
    progress_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    unattributed = models.PositiveIntegerField(_("unattributed"), default=0)
    rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice import")
        verbose_name_plural = _("notice imports")

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.REJECTED, self.Status.FAILED}

    @property
    def progress_pct(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_bytes:
            return 0
        return min(99, int(100 * self.progress_bytes / self.total_bytes))


class Attribution(models.TextChoices):
    """How a notice came to belong to its hoster (DESIGN §4.2), or that it did not."""

    EXPLICIT = "explicit", _("Hoster named in the notice")
    ASN = "asn", _("Declared AS number")
    PREFIX = "prefix", _("Declared IP prefix")
    DISPUTE = "dispute", _("Set by the supervisor (a dispute or the unattributed queue)")
    NONE = "none", _("Unattributed")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def counted(self) -> NoticeQuerySet:
        """The notices the metrics count: all but those excluded by an upheld dispute."""
        return self.filter(excluded=False)

    def in_period(self, date_from: datetime, date_to: datetime) -> NoticeQuerySet:
        """Reported in `[date_from, date_to)`."""
        return self.filter(reported_at__gte=date_from, reported_at__lt=date_to)

    def unattributed(self) -> NoticeQuerySet:
        return self.counted().filter(hoster__isnull=True)

    def of_hoster(self, hoster: Hoster) -> NoticeQuerySet:
        return self.filter(hoster=hoster)


class ByteOrderCharField(models.CharField[str, str]):
    """Text that PostgreSQL compares byte by byte (collation "C"), as an identifier wants; SQLite does anyway.

    A notice's unique key sorts ten million of these when an import builds it: byte order lets PostgreSQL sort by
    abbreviated keys (their first bytes), a third of the time the database's language-aware order takes.
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


class Notice(models.Model):
    """A hotline notice as metadata: timestamps, IP, ASN, host name and the URL's SHA-256 — never the URL."""

    source = models.CharField(_("source"), max_length=50)
    notice_id = ByteOrderCharField(_("notice ID"), max_length=100)
    reported_at = models.DateTimeField(_("reported"))
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # The removal time of the latest accepted removal-time dispute, beside `removed_at` (never over it): the
    # metrics count this one when it is set (the dispute keeps the decision, `history.py` shows both).
    corrected_removed_at = models.DateTimeField(_("corrected removal"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    asn = models.BigIntegerField(_("AS number"), null=True, blank=True)
    url_sha256 = models.CharField(_("URL SHA-256"), max_length=64, blank=True)
    url_host = models.CharField(_("host name"), max_length=255, blank=True)
    # The three foreign keys have no database constraint: a million-row import would queue three deferred
    # checks per row (most of its time). The import only writes hosters and the batch it has just read or
    # created; deletions still go through the ORM, which applies on_delete (SET_NULL, PROTECT) as before.
    # The hoster the file named, kept apart so that re-attribution knows it must not override it.
    declared_hoster = models.ForeignKey(
        Hoster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False, db_constraint=False
    )
    hoster = models.ForeignKey(
        Hoster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        db_index=False,
        db_constraint=False,
    )
    attribution = models.CharField(
        _("attribution"), max_length=10, choices=Attribution.choices, default=Attribution.NONE
    )
    excluded = models.BooleanField(_("excluded"), default=False, help_text=_("Left out of every metric."))
    # Repeat NTDs the hotline sent for the same URL (SCARt exports): reminders, never notices of their own.
    reminders = models.PositiveIntegerField(_("reminders"), default=0, db_default=0)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="notices", db_index=False, db_constraint=False
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        # The notice ID first: its values differ from the first byte, the sources hardly ever (`ByteOrderCharField`).
        constraints = [models.UniqueConstraint(fields=["notice_id", "source"], name="unique_notice_per_source")]
        indexes = [
            # Covering: the figures read a hoster's (or every) notice of a period from this index alone, never
            # from the wide rows (PostgreSQL; other databases index the two key columns only).
            models.Index(
                fields=["hoster", "reported_at"],
                name="notice_hoster_reported",
                include=["removed_at", "corrected_removed_at", "excluded"],
            ),
            models.Index(fields=["reported_at"], name="notice_reported", condition=Q(hoster__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.notice_id}"

    @property
    def is_open(self) -> bool:
        return self.removed_at is None

    @property
    def counted_removed_at(self) -> datetime | None:
        """The removal time the metrics count: the corrected one when a dispute set it, else the measured one."""
        return self.corrected_removed_at or self.removed_at


class NoticeDataVersion(models.Model):
    """One row whose `version` moves with every change to the notices (`figure_cache`; set by a trigger only)."""

    version = models.BigIntegerField()

    class Meta:
        verbose_name = _("notice data version")

    def __str__(self) -> str:
        return str(self.version)


class NoticeReminder(models.Model):
    """A repeat NTD the hotline sent about a notice's URL while it stayed online, by when it went out.

    `Notice.reminders` counts these: exports read one after another add up, while a file read again, or one that
    overlaps another, counts no NTD twice. The first NTD is the notice's `reported_at`, never a reminder.
    """

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="reminder_sends"
    )
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        ordering = ["sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["notice", "sent_at"], name="one_reminder_per_send")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.sent_at:%Y-%m-%d %H:%M:%S}"


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def open(self) -> DisputeQuerySet:
        return self.filter(status=Dispute.Status.OPEN)


def dispute_evidence_upload_to(instance: Dispute, filename: str) -> str:
    """A server-generated name in private storage; the uploader's file name is kept only as data."""
    extension = f".{instance.evidence_type}" if instance.evidence_type else ""
    return f"dispute-evidence/{instance.hoster_id}/{uuid.uuid4().hex}{extension}"


class Dispute(models.Model):
    """A hoster's objection to a notice's attribution or removal time, and the supervisor's decision on it."""

    class Kind(models.TextChoices):
        ATTRIBUTION = "attribution", _("Attribution")
        REMOVAL_TIME = "removal_time", _("Removal time")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    class Outcome(models.TextChoices):
        REATTRIBUTED = "reattributed", _("Attributed to another hoster")
        EXCLUDED = "excluded", _("Excluded from the metrics")
        CORRECTED = "corrected", _("Removal time corrected")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="disputes")
    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, related_name="disputes")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ATTRIBUTION)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    new_hoster = models.ForeignKey(
        Hoster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("new hoster")
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_reason = models.TextField(_("reason for the decision"), blank=True)
    # A removal-time dispute: the time the hoster claims, its evidence (a document in private storage, judged by
    # its content, or a web address) and, once accepted, the corrected time the supervisor set.
    claimed_removed_at = models.DateTimeField(_("claimed removal"), null=True, blank=True)
    corrected_removed_at = models.DateTimeField(_("corrected removal"), null=True, blank=True)
    evidence_url = models.URLField(_("evidence URL"), max_length=2000, blank=True)
    evidence_file = models.FileField(
        _("evidence file"), upload_to=dispute_evidence_upload_to, max_length=200, blank=True
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    evidence_type = models.CharField(_("detected type"), max_length=10, blank=True)
    evidence_size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    evidence_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(fields=["notice"], condition=Q(status="open"), name="one_open_dispute_per_notice"),
            models.CheckConstraint(
                condition=Q(kind="attribution")
                | (
                    Q(claimed_removed_at__isnull=False)
                    & ((~Q(evidence_sha256="") & Q(evidence_url="")) | (Q(evidence_sha256="") & ~Q(evidence_url="")))
                ),
                name="removal_time_dispute_claims_a_time_with_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hoster} disputes {self.notice}"
