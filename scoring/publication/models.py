"""Published monitor periods: the ranking of hosters by their notices over a period, frozen when published."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import AppendOnly, ImmutableQuerySet


class MonitorPeriod(AppendOnly):
    """A published monitor: the ranking of hosters by their notices over a period, frozen when published."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Part of the address, e.g. 2025-h1."))
    title = models.CharField(_("title"), max_length=120)
    date_from = models.DateField(_("first day"))
    date_to = models.DateField(_("last day"))
    norm_hours = models.FloatField(_("removal norm in hours"))
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
