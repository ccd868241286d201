"""The methodology behind every takedown figure (DESIGN §4.2): recorded with what is frozen, shown with what is shown.

A figure means something only with its rules: the norm, when the clock starts, where the removal time comes from
and how finely it is known, the cut-off, and what happens to a notice that is open but not yet due. The rules
themselves have a version code; the norm and the cut-off are the parameters one figure was computed with. A record
frozen before versions existed (a rating, certificate or monitor period without one) counts as `LEGACY`: its open
notices counted as failures however recent they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

VERSION = "GH-M-2026.1"
LEGACY = "GH-M-2020.1"

# The rules of each version, in words (the norm and the cut-off are parameters, shown beside them). The versions
# differ only in what happens to a notice not yet due.
_SHARED_RULES: dict[str, Any] = {
    "clock_start": gettext_lazy("when the first notice about the URL was sent to the hoster"),
    "removal_source": gettext_lazy("the hotline's check that the URL is offline (or a corrected removal time)"),
    "removal_resolution": gettext_lazy("the hotline's check interval (60 minutes in SCARt)"),
}
_RULES: dict[str, dict[str, Any]] = {
    LEGACY: {
        **_SHARED_RULES,
        "pending_rule": gettext_lazy("none: a notice still open at the cut-off counts as not removed within the norm"),
    },
    VERSION: {
        **_SHARED_RULES,
        "pending_rule": gettext_lazy(
            "a notice still open at the cut-off but not yet past the norm is pending: counted in notices, share and"
            " open, left out of every rate, bucket and quantile"
        ),
    },
}


@dataclass(frozen=True)
class Methodology:
    version: str
    norm_hours: float
    cutoff: datetime | None = None  # None: the end of each figure's period

    def as_dict(self) -> dict[str, Any]:
        """What is recorded (JSON-ready): the version and the parameters."""
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat() if self.cutoff else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, norm_hours: float | None = None) -> Methodology:
        """A recorded methodology; None (a record older than versions) is `LEGACY` with the record's norm."""
        if not data:
            return cls(LEGACY, float(norm_hours or 0))
        cutoff = data.get("cutoff")
        return cls(
            str(data["version"]),
            float(data["norm_hours"]),
            datetime.fromisoformat(cutoff) if isinstance(cutoff, str) else cutoff,
        )

    @property
    def pending_counted(self) -> bool:
        """Whether notices not yet due are left out of the rates (every version from 2026 on)."""
        return self.version != LEGACY

    def rows(self) -> list[tuple[str, str]]:
        """The methodology in the reader's language, as (label, value) pairs, for pages, CSV headers and PDFs."""
        rules = _RULES.get(self.version, _RULES[VERSION])
        norm = f"{self.norm_hours:g}"
        return [
            (_("Methodology"), self.version),
            (_("Norm"), _("removed within %(hours)s hours") % {"hours": norm}),
            (_("Clock starts"), str(rules["clock_start"])),
            (_("Removal time"), str(rules["removal_source"])),
            (_("Resolution"), str(rules["removal_resolution"])),
            (_("Cut-off"), self.cutoff.isoformat() if self.cutoff else _("the end of the period")),
            (_("Not yet due"), str(rules["pending_rule"])),
        ]


def current(norm_hours: float, cutoff: datetime | None = None) -> Methodology:
    """The methodology figures are computed with today, under `norm_hours`."""
    return Methodology(VERSION, float(norm_hours), cutoff)


def methodology_of(metrics: Mapping[str, Any] | None, norm_hours: float) -> Methodology:
    """The methodology of figures computed today, as a rating or certificate records it: the norm and cut-off the
    stored metrics row names (`norm_hours`, `as_of`), else `norm_hours` and the period's end."""
    if not metrics:
        return current(norm_hours)
    cutoff = metrics.get("as_of")
    return current(
        float(metrics.get("norm_hours") or norm_hours),
        datetime.fromisoformat(cutoff) if isinstance(cutoff, str) else cutoff,
    )


def differences(first: Methodology, second: Methodology) -> list[str]:
    """What differs between two methodologies, in the reader's language; empty when the figures compare.

    The cut-off is not compared: two periods always have different ones.
    """
    found = []
    if first.version != second.version:
        found.append(
            _("the rules differ (%(first)s and %(second)s): %(pending)s")
            % {
                "first": first.version,
                "second": second.version,
                "pending": _("only one of them leaves notices that are not yet due out of the rates"),
            }
            if first.pending_counted != second.pending_counted
            else _("the rules differ (%(first)s and %(second)s)") % {"first": first.version, "second": second.version}
        )
    if first.norm_hours != second.norm_hours:
        found.append(
            _("the norm differs (%(first)s and %(second)s hours)")
            % {"first": f"{first.norm_hours:g}", "second": f"{second.norm_hours:g}"}
        )
    return found
