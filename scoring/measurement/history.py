"""A notice's history as its detail page tells it: imported, reported, removed, re-attributed, disputed, decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import Dispute, ImportBatch, Notice


class Step(StrEnum):
    """What happened to a notice; the template words each step."""

    REPORTED = "reported"
    REMINDED = "reminded"
    IMPORTED = "imported"
    REMOVED = "removed"
    ATTRIBUTION_CHANGED = "attribution_changed"
    DISPUTE_RAISED = "dispute_raised"
    DISPUTE_DECIDED = "dispute_decided"


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    step: Step
    # The record behind the step: the import batch, an attribution change or a dispute (None for the notice's own
    # report and removal times).
    record: Any = None


@dataclass(frozen=True)
class NoticeHistory:
    notice: Notice
    batch: ImportBatch
    # Repeat notices the hotline sent while the material stayed online.
    reminders: int
    disputes: list[Dispute]
    entries: list[HistoryEntry] = field(default_factory=list)

    @property
    def removed_at(self) -> datetime | None:
        """The removal time as measured (the hotline's), kept whatever a dispute decided."""
        return self.notice.removed_at

    @property
    def corrected_removed_at(self) -> datetime | None:
        """The removal time an accepted dispute set, which the metrics count instead; None when there is none."""
        return self.notice.corrected_removed_at

    @property
    def correcting_dispute(self) -> Dispute | None:
        """The accepted removal-time dispute whose time the metrics count (the latest accepted one)."""
        accepted = [
            d for d in self.disputes if d.kind == Dispute.Kind.REMOVAL_TIME and d.outcome == Dispute.Outcome.CORRECTED
        ]
        return max(accepted, key=lambda d: (d.resolved_at, d.pk), default=None)


def notice_history(notice: Notice) -> NoticeHistory:
    """Everything known about one notice, in the order it happened (ties: the order listed in `Step`)."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=notice.batch_id)
    disputes = list(
        notice.disputes.select_related("hoster", "raised_by", "resolved_by", "new_hoster").order_by("created_at", "pk")
    )
    entries = [HistoryEntry(notice.reported_at, Step.REPORTED), HistoryEntry(batch.created_at, Step.IMPORTED, batch)]
    sends = notice.reminder_sends.values_list("sent_at", flat=True)
    entries += [HistoryEntry(sent_at, Step.REMINDED) for sent_at in sends]
    if notice.removed_at is not None:
        entries.append(HistoryEntry(notice.removed_at, Step.REMOVED))
    changes = AttributionChange.objects.filter(notice=notice).select_related("actor", "old_hoster", "new_hoster")
    entries += [HistoryEntry(change.at, Step.ATTRIBUTION_CHANGED, change) for change in changes.order_by("at", "pk")]
    for dispute in disputes:
        entries.append(HistoryEntry(dispute.created_at, Step.DISPUTE_RAISED, dispute))
        if dispute.resolved_at is not None:
            entries.append(HistoryEntry(dispute.resolved_at, Step.DISPUTE_DECIDED, dispute))
    order = list(Step)
    entries.sort(key=lambda entry: (entry.at, order.index(entry.step)))
    return NoticeHistory(
        notice=notice,
        batch=batch,
        reminders=notice.reminders,
        disputes=disputes,
        entries=entries,
    )
