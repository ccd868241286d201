"""Hash-check statistics as the engine takes them (DESIGN §4.2): per ISO week a hoster's checks and hits, and
which weeks the statistics cover, so that a week without data is told apart from a week without checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scoring.engine.vocabulary import ScoringInputError

_ISO_WEEK = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _shown(value: object) -> str:
    """A bad value as an error message quotes it: a long one cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


def iso_week(monday: date) -> str:
    """The ISO week of ``monday`` as EOKM writes it: ``2026-W07``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: object, where: str) -> date:
    """The Monday of an ISO week given as ``2026-W07`` or as that Monday's date ``2026-02-09``."""
    if isinstance(value, str) and (match := _ISO_WEEK.fullmatch(value)):
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ScoringInputError(f"{where}: {value} is not a week of that year") from None
    day = None
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ScoringInputError(f"{where}: {value} is not a date") from None
    if day is None:
        raise ScoringInputError(f"{where}: expected an ISO week such as 2026-W07 or its Monday, got {_shown(value)}")
    if day.isoweekday() != 1:
        monday = monday_of(day)
        raise ScoringInputError(
            f"{where}: {value} is not a Monday; give the week as {iso_week(monday)} or its Monday {monday.isoformat()}"
        )
    return day


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _count(value: object, where: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScoringInputError(f"{where} must be a whole number >= 0, got {_shown(value)}")
    return value


@dataclass(frozen=True)
class HashCheckWeek:
    """One ISO week (its Monday) of a hoster's statistics: how often its platforms queried the HashCheckService and
    how many of those queries matched known material."""

    week: date
    checks: int
    hits: int

    def __post_init__(self) -> None:
        if self.week.isoweekday() != 1:
            raise ScoringInputError(f"hash checks: week {self.week.isoformat()} is not a Monday")
        for name in ("checks", "hits"):
            _count(getattr(self, name), f"hash checks: week {iso_week(self.week)}: {name}")
        if self.hits > self.checks:
            raise ScoringInputError(
                f"hash checks: week {iso_week(self.week)}: hits ({self.hits}) exceed checks ({self.checks})"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"week": iso_week(self.week), "checks": self.checks, "hits": self.hits}


@dataclass(frozen=True)
class HashChecks:
    """A hoster's hash-check statistics up to ``last_week``, the Monday of the period's last whole ISO week.

    ``weeks`` are the weeks the statistics cover: a covered week the hoster has no figures for is there with 0
    checks, so a week missing from ``weeks`` is one nobody measured, not one without checks.
    """

    last_week: date
    weeks: tuple[HashCheckWeek, ...]

    def __post_init__(self) -> None:
        if self.last_week.isoweekday() != 1:
            raise ScoringInputError(f"hash checks: last_week {self.last_week.isoformat()} is not a Monday")
        seen = [week.week for week in self.weeks]
        if len(set(seen)) != len(seen):
            raise ScoringInputError("hash checks: a week appears more than once")

    def window(self, length: int) -> tuple[HashCheckWeek, ...]:
        """The covered weeks among the ``length`` ISO weeks that end with ``last_week``."""
        first = self.last_week - timedelta(weeks=length - 1)
        return tuple(week for week in self.weeks if first <= week.week <= self.last_week)

    def weeks_with_checks(self, length: int) -> int | None:
        """How many of the last ``length`` weeks had checks; None when the statistics cover none of them."""
        window = self.window(length)
        if not window:
            return None
        return sum(1 for week in window if week.checks > 0)

    def to_dict(self) -> dict[str, Any]:
        return {"last_week": iso_week(self.last_week), "weeks": [week.to_dict() for week in self.weeks]}

    @classmethod
    def from_dict(cls, data: object) -> HashChecks:
        """From ``{"last_week": "2026-W48", "weeks": [{"week": "2026-W47", "checks": 310, "hits": 2}, ...]}``."""
        if not isinstance(data, Mapping):
            raise ScoringInputError(f"hash checks: expected an object with last_week and weeks, got {_shown(data)}")
        unknown = sorted(str(key) for key in data if key not in ("last_week", "weeks"))
        missing = [key for key in ("last_week", "weeks") if key not in data]
        if unknown or missing:
            raise ScoringInputError(
                f"hash checks: expected the keys last_week and weeks (missing: {', '.join(missing) or 'none'};"
                f" unknown: {', '.join(unknown) or 'none'})"
            )
        if not isinstance(data["weeks"], list):
            raise ScoringInputError(f"hash checks: weeks must be a list, got {_shown(data['weeks'])}")
        return cls(
            last_week=parse_week(data["last_week"], "hash checks: last_week"),
            weeks=tuple(_week_from_dict(item, position) for position, item in enumerate(data["weeks"], start=1)),
        )


def _week_from_dict(item: object, position: int) -> HashCheckWeek:
    where = f"hash checks: weeks #{position}"
    if not isinstance(item, Mapping) or set(item) != {"week", "checks", "hits"}:
        raise ScoringInputError(f"{where}: expected an object with week, checks and hits, got {_shown(item)}")
    return HashCheckWeek(
        week=parse_week(item["week"], where),
        checks=_count(item["checks"], f"{where}: checks"),
        hits=_count(item["hits"], f"{where}: hits"),
    )
