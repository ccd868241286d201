"""Monitor periods: the review that gives each named hoster a right of reply (draft → in review → published), and
the published ranking of hosters by their notices over a period, frozen when published (DESIGN §4.7)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import AppendOnly, Hoster, ImmutableQuerySet
from scoring.measurement.methodology import Methodology


class MonitorPeriod(AppendOnly):
    """A published monitor: the ranking of hosters by their notices over a period, frozen when published."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Part of the address, e.g. 2025-h1."))
    title = models.CharField(_("title"), max_length=120)
    date_from = models.DateField(_("first day"))
    date_to = models.DateField(_("last day"))
    norm_hours = models.FloatField(_("removal norm in hours"))
    # The scoring model whose norm the figures used, and the methodology (`measurement.methodology`) they were
    # computed with; a period published before either was recorded has "" and None (None reads as the legacy one).
    scoring_model = models.CharField(_("scoring model"), max_length=40, blank=True, default="")
    methodology = models.JSONField(_("methodology"), null=True, blank=True, encoder=DjangoJSONEncoder)
    ranking = models.JSONField(_("ranking"), default=list, encoder=DjangoJSONEncoder)
    totals = models.JSONField(_("totals"), default=dict, encoder=DjangoJSONEncoder)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf = models.BinaryField(_("PDF report"))
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-date_from", "-id"]
        verbose_name = _("monitor period")
        verbose_name_plural = _("monitor periods")
        constraints = [
            models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="monitor_period_in_order")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("monitor_period", args=[self.code])

    def row_for(self, slug: str) -> dict[str, Any] | None:
        return next((row for row in self.ranking if row["hoster"] == slug), None)

    @property
    def methodology_used(self) -> Methodology:
        """The methodology the figures were computed with (the legacy one when the period recorded none)."""
        return Methodology.from_dict(self.methodology, norm_hours=self.norm_hours)

    @property
    def reviewed_by_hosters(self) -> bool:
        """Whether the period went through a review (its rows say per hoster whether it looked and what changed)."""
        return bool(self.ranking) and "reviewed" in self.ranking[0]


class MonitorReviewQuerySet(models.QuerySet["MonitorReview"]):
    def unpublished(self) -> MonitorReviewQuerySet:
        return self.exclude(state=MonitorReview.State.PUBLISHED)


class MonitorReview(models.Model):
    """A monitor period before it is published: drafted, then reviewed by the hosters it names, then published.

    The review is mutable (its state, its closing time); what it publishes is the immutable `MonitorPeriod`.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Part of the address, e.g. 2025-h1."))
    title = models.CharField(_("title"), max_length=120)
    date_from = models.DateField(_("first day"))
    date_to = models.DateField(_("last day"))
    scoring_model = models.CharField(_("scoring model"), max_length=40)
    norm_hours = models.FloatField(_("removal norm in hours"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    review_days = models.PositiveSmallIntegerField(_("days for the review"), default=14)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("review opened"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closes_at = models.DateTimeField(_("review closes"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    period = models.OneToOneField(MonitorPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="review")

    objects = MonitorReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-date_from", "-id"]
        verbose_name = _("monitor review")
        verbose_name_plural = _("monitor reviews")
        constraints = [
            models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="monitor_review_in_order")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supervision_monitor_review", args=[self.code])

    @property
    def is_closed(self) -> bool:
        """The hosters' time to reply has run out (or the review was never opened)."""
        return self.closes_at is None or timezone.now() >= self.closes_at


class MonitorReviewHoster(models.Model):
    """A hoster named by a review: when its members were told, and when one of them first looked at its draft."""

    review = models.ForeignKey(MonitorReview, on_delete=models.CASCADE, related_name="hosters")
    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, related_name="monitor_reviews")
    notified_at = models.DateTimeField(_("told"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    first_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["hoster__name", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "hoster"], name="one_review_row_per_hoster")]

    def __str__(self) -> str:
        return f"{self.review}: {self.hoster}"
