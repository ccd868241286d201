"""Hash-check statistics (DESIGN §4.2): per hoster and ISO week how often its platforms queried EOKM's
HashCheckService and how many queries matched known material, as the supervisor imports them.

A week is stored as its Monday. The statistics *cover* a week once any hoster has figures for it: a hoster without
figures in a covered week made no checks that week, while a week nobody has figures for is simply unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Hoster


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(monday: date) -> str:
    """The ISO week as EOKM writes it: ``2026-W07``."""
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_whole_week(cutoff: datetime) -> date:
    """The Monday of the last ISO week that had ended at ``cutoff`` (in the portal's time zone)."""
    day = timezone.localtime(cutoff).date() if timezone.is_aware(cutoff) else cutoff.date()
    return monday_of(day) - timedelta(weeks=1)


def mondays(first: date, last: date) -> list[date]:
    """Every Monday from the week of ``first`` to the week of ``last``, both included."""
    start, end = monday_of(first), monday_of(last)
    return [start + timedelta(weeks=i) for i in range((end - start).days // 7 + 1)] if start <= end else []


class HashCheckWeekQuerySet(models.QuerySet["HashCheckWeek"]):
    def between(self, first: date, last: date) -> HashCheckWeekQuerySet:
        """The weeks from the week of ``first`` to the week of ``last``, both included."""
        return self.filter(week__gte=monday_of(first), week__lte=monday_of(last))

    def of_hoster(self, hoster: Hoster) -> HashCheckWeekQuerySet:
        return self.filter(hoster=hoster)

    def covered_weeks(self) -> set[date]:
        """The weeks any hoster has figures for: the weeks the statistics cover."""
        return set(self.order_by().values_list("week", flat=True).distinct())


class HashCheckWeek(models.Model):
    """One hoster's hash-check figures for one ISO week, and the import that stored them."""

    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, related_name="hash_check_weeks")
    week = models.DateField(_("week (its Monday)"))
    checks = models.PositiveBigIntegerField(_("checks"))
    hits = models.PositiveBigIntegerField(_("hits"))
    batch = models.UUIDField(_("import"), db_index=True, help_text=_("The import that stored these figures."))
    imported_at = models.DateTimeField(_("imported"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = HashCheckWeekQuerySet.as_manager()

    class Meta:
        ordering = ["hoster", "week"]
        verbose_name = _("hash-check week")
        verbose_name_plural = _("hash-check weeks")
        constraints = [
            models.UniqueConstraint(fields=["hoster", "week"], name="unique_hash_check_week"),
            models.CheckConstraint(condition=models.Q(hits__lte=models.F("checks")), name="hash_check_hits_lte_checks"),
        ]
        indexes = [models.Index(fields=["week"], name="hash_check_week")]

    def __str__(self) -> str:
        return f"{self.hoster_id} {iso_week(self.week)}: {self.checks} checks, {self.hits} hits"

    @property
    def iso_week(self) -> str:
        return iso_week(self.week)


def weekly_hash_checks(hoster: Hoster, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """Per ISO week of ``[date_from, date_to)`` the hoster's checks and hits: None for both in a week the
    statistics do not cover, 0 in a covered week the hoster has no figures for."""
    weeks = mondays(date_from, date_to - timedelta(days=1))
    if not weeks:
        return []
    in_range = HashCheckWeek.objects.between(weeks[0], weeks[-1])
    covered = in_range.covered_weeks()
    own = {row["week"]: row for row in in_range.of_hoster(hoster).values("week", "checks", "hits")}
    result = []
    for monday in weeks:
        row = own.get(monday)
        known = monday in covered
        result.append(
            {
                "week_start": monday,
                "iso_week": iso_week(monday),
                "covered": known,
                "checks": row["checks"] if row else (0 if known else None),
                "hits": row["hits"] if row else (0 if known else None),
            }
        )
    return result


def hash_check_windows(
    hoster_ids: Iterable[int], last_week: date, weeks: int
) -> dict[int, list[tuple[date, int, int]]]:
    """Per hoster its (week, checks, hits) in every covered week among the ``weeks`` ISO weeks ending with
    ``last_week`` (0 checks where it has no figures); an empty list when the statistics cover none of them.
    One query, for any number of hosters."""
    first = last_week - timedelta(weeks=weeks - 1)
    ids = set(hoster_ids)
    rows = HashCheckWeek.objects.between(first, last_week).values_list("hoster_id", "week", "checks", "hits")
    covered: set[date] = set()
    figures: dict[tuple[int, date], tuple[int, int]] = {}
    for hoster_id, week, checks, hits in rows:
        covered.add(week)
        if hoster_id in ids:
            figures[(hoster_id, week)] = (checks, hits)
    return {
        hoster_id: [(week, *figures.get((hoster_id, week), (0, 0))) for week in sorted(covered)] for hoster_id in ids
    }


def coverage(first: date, last: date) -> list[dict[str, Any]]:
    """Per covered week from the week of ``first`` to that of ``last``, newest first: how many hosters have figures,
    and their checks and hits together — what the supervisor sees after an import."""
    weeks = (
        HashCheckWeek.objects.between(first, last)
        .order_by()
        .values("week")
        .annotate(hosters=models.Count("hoster"), checks=models.Sum("checks"), hits=models.Sum("hits"))
        .order_by("-week")
    )
    return [{**week, "iso_week": iso_week(week["week"])} for week in weeks]
