"""Where a review stands: each answer's verdict state, what is open, per-section counts, the next answer to do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from assessments.models import AnswerReview, Assessment, Snapshot


class AnswerState(StrEnum):
    """An answer's place in the review; only accepted and rejected answers count as reviewed."""

    UNREVIEWED = "unreviewed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ASKED = "asked"  # clarification asked in this round: the hoster answers once changes are requested
    CLARIFIED = "clarified"  # clarification asked in an earlier round; the hoster has resubmitted since

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def reviewed(self) -> bool:
        return self in (AnswerState.ACCEPTED, AnswerState.REJECTED)

    @property
    def to_do(self) -> bool:
        """Whether the auditor has to act on it now (the next-unreviewed link goes only to these)."""
        return self in (AnswerState.UNREVIEWED, AnswerState.CLARIFIED)


STATE_LABELS = {
    AnswerState.UNREVIEWED: _("not reviewed"),
    AnswerState.ACCEPTED: _("Accepted"),
    AnswerState.REJECTED: _("Rejected"),
    AnswerState.ASKED: _("clarification asked"),
    AnswerState.CLARIFIED: _("clarified, to review again"),
}


@dataclass(frozen=True)
class SectionProgress:
    code: str
    total: int
    reviewed: int
    to_do: int

    @property
    def done(self) -> bool:
        return self.reviewed == self.total


@dataclass(frozen=True)
class ReviewProgress:
    """The state of every answer, in questionnaire order, and the counts the workspace shows."""

    states: dict[str, AnswerState]  # criterion code → state, in questionnaire order
    section_of: dict[str, str]  # criterion code → section code

    @property
    def total(self) -> int:
        return len(self.states)

    @property
    def reviewed(self) -> int:
        return sum(1 for state in self.states.values() if state.reviewed)

    @property
    def percent(self) -> int:
        return round(100 * self.reviewed / self.total) if self.total else 100

    @property
    def open(self) -> list[str]:
        """Every answer without an accept or reject in force: approval waits for these."""
        return [code for code, state in self.states.items() if not state.reviewed]

    def codes_in(self, *states: AnswerState) -> list[str]:
        return [code for code, state in self.states.items() if state in states]

    @property
    def asked(self) -> list[str]:
        return self.codes_in(AnswerState.ASKED)

    def sections(self) -> list[SectionProgress]:
        codes: dict[str, list[str]] = {}
        for code, section in self.section_of.items():
            codes.setdefault(section, []).append(code)
        return [
            SectionProgress(
                section,
                len(members),
                sum(1 for code in members if self.states[code].reviewed),
                sum(1 for code in members if self.states[code].to_do),
            )
            for section, members in codes.items()
        ]

    def next_to_do(self, after: str | None = None) -> str | None:
        """The first answer to do after `after` in questionnaire order, wrapping round; None when nothing is left."""
        order = list(self.states)
        start = order.index(after) + 1 if after in self.states else 0
        for code in order[start:] + order[:start]:
            if self.states[code].to_do:
                return code
        return None

    def next_in_or_after(self, section: str) -> str | None:
        """The first answer to do from the start of `section` on, wrapping round."""
        order = list(self.states)
        first = next((i for i, code in enumerate(order) if self.section_of[code] == section), 0)
        return self.next_to_do(order[first - 1] if first > 0 else None)


def state_of(review: AnswerReview | None, latest_snapshot_id: int | None) -> AnswerState:
    if review is None:
        return AnswerState.UNREVIEWED
    if review.decision == AnswerReview.Decision.ACCEPTED:
        return AnswerState.ACCEPTED
    if review.decision == AnswerReview.Decision.REJECTED:
        return AnswerState.REJECTED
    if review.snapshot_id is not None and review.snapshot_id != latest_snapshot_id:
        return AnswerState.CLARIFIED
    return AnswerState.ASKED


def latest_snapshot_id(assessment: Assessment) -> int | None:
    return (
        Snapshot.objects.filter(assessment=assessment)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
        .first()
    )


def review_progress(assessment: Assessment) -> ReviewProgress:
    """Every criterion of the questionnaire with its state, read from the reviews in force (two queries)."""
    return progress_from(assessment, AnswerReview.objects.in_force(assessment), latest_snapshot_id(assessment))


def progress_from(assessment: Assessment, in_force: dict[str, AnswerReview], snapshot_id: int | None) -> ReviewProgress:
    """The progress from reviews the caller already read."""
    criteria = assessment.questionnaire.parsed.criteria
    return ReviewProgress(
        states={c.code: state_of(in_force.get(c.code), snapshot_id) for c in criteria},
        section_of={c.code: c.section for c in criteria},
    )
