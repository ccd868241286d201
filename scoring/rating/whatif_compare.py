"""What-if scoring, compared: two score cards lined up criterion by criterion and gate by gate, with the measured
figures beside each other, so that a page can mark every difference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from scoring.engine import ScoreCard, ScoringModel
from scoring.engine.hash_checks import HashChecks
from scoring.measurement.methodology import Methodology, differences, methodology_of
from scoring.rating.models import ScoringModelVersion
from scoring.rating.scorecards import CriterionLine, GateLine, explain_criteria, explain_gates, reader_language


def weeks_with_checks(metrics: Mapping[str, Any] | None, weeks: int | None) -> int | None:
    """How many of the last `weeks` weeks a metrics row's hash-check statistics show checks in; None without."""
    if not metrics or weeks is None or metrics.get("hash_checks") is None:
        return None
    return HashChecks.from_dict(metrics["hash_checks"]).weeks_with_checks(weeks)


@dataclass(frozen=True)
class Delta:
    """A figure before and after: `direction` is "up" (more, which scores better), "down", "same", or "changed"
    when one side has none."""

    before: float | None
    after: float | None

    @property
    def amount(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)

    @property
    def direction(self) -> str:
        amount = self.amount
        if amount is None:
            return "same" if self.before == self.after else "changed"
        return "up" if amount > 0 else "down" if amount < 0 else "same"


@dataclass(frozen=True)
class Side:
    """One card with what went into it."""

    version: ScoringModelVersion
    model: ScoringModel
    card: ScoreCard
    metrics: dict[str, Any] | None

    @property
    def model_title(self) -> str:
        return self.model.title.get_text(reader_language())

    @property
    def methodology(self) -> Methodology:
        """The methodology of the side's figures (those computed now; typed ones are read the same way)."""
        return methodology_of(self.metrics, self.model.norm_hours)


@dataclass(frozen=True)
class CriterionRow:
    code: str
    title: str
    current: CriterionLine | None
    whatif: CriterionLine | None

    @property
    def answer_changed(self) -> bool:
        if self.current is None or self.whatif is None:
            return True
        return (self.current.answer, self.current.result.status) != (self.whatif.answer, self.whatif.result.status)

    @property
    def contribution(self) -> Delta:
        return Delta(
            self.current.result.contribution if self.current else None,
            self.whatif.result.contribution if self.whatif else None,
        )

    @property
    def points(self) -> Delta:
        return Delta(
            self.current.result.points if self.current else None,
            self.whatif.result.points if self.whatif else None,
        )

    @property
    def changed(self) -> bool:
        return self.answer_changed or self.contribution.direction != "same" or self.points.direction != "same"


@dataclass(frozen=True)
class GateRow:
    code: str
    title: str
    current: GateLine | None
    whatif: GateLine | None

    @property
    def change(self) -> str:
        """ "now_fails", "now_passes", "same", or "only_current"/"only_whatif" for a gate of one model only."""
        if self.current is None:
            return "only_whatif"
        if self.whatif is None:
            return "only_current"
        before, after = self.current.result.passed, self.whatif.result.passed
        if before == after:
            return "same"
        return "now_passes" if after else "now_fails"


@dataclass(frozen=True)
class FigureRow:
    label: str
    current: Any
    whatif: Any

    @property
    def changed(self) -> bool:
        return bool(self.current != self.whatif)


@dataclass(frozen=True)
class Comparison:
    """The what-if card beside the current one (None for a blank what-if), criterion by criterion, gate by gate."""

    current: Side | None
    whatif: Side
    criteria: tuple[CriterionRow, ...]
    gates: tuple[GateRow, ...]
    figures: tuple[FigureRow, ...]

    @property
    def score(self) -> Delta:
        return Delta(self.current.card.score if self.current else None, self.whatif.card.score)

    @property
    def grade_direction(self) -> str:
        if self.current is None or self.current.card.grade == self.whatif.card.grade:
            return "same"
        model = self.whatif.model
        try:
            before, after = model.grade_rank(self.current.card.grade), model.grade_rank(self.whatif.card.grade)
        except KeyError:
            return "changed"
        return "up" if after < before else "down"

    @property
    def changed_criteria(self) -> list[CriterionRow]:
        return [row for row in self.criteria if row.answer_changed or row.points.direction != "same"]

    @property
    def changed_gates(self) -> list[GateRow]:
        return [row for row in self.gates if row.change != "same"]

    @property
    def methodology_differences(self) -> list[str]:
        """What makes the two cards' figures not comparable (empty when they are, or without a current card)."""
        return differences(self.current.methodology, self.whatif.methodology) if self.current else []


def _by_code(lines: Sequence[Any]) -> dict[str, Any]:
    return {line.code: line for line in lines}


def compare(current: Side | None, whatif: Side) -> Comparison:
    """Line up the two cards: the what-if model's criteria and gates in its order, then any only the current has."""
    now_criteria = _by_code(explain_criteria(current.model, current.card)) if current else {}
    new_criteria = _by_code(explain_criteria(whatif.model, whatif.card))
    now_gates = _by_code(explain_gates(current.model, current.card.gates)) if current else {}
    new_gates = _by_code(explain_gates(whatif.model, whatif.card.gates))
    criteria = tuple(
        CriterionRow(
            code, (new_criteria.get(code) or now_criteria[code]).title, now_criteria.get(code), new_criteria.get(code)
        )
        for code in [*new_criteria, *(code for code in now_criteria if code not in new_criteria)]
    )
    gates = tuple(
        GateRow(code, (new_gates.get(code) or now_gates[code]).title, now_gates.get(code), new_gates.get(code))
        for code in [*new_gates, *(code for code in now_gates if code not in new_gates)]
    )
    return Comparison(current, whatif, criteria, gates, figure_rows(current, whatif))


def _figures(side: Side | None, weeks: int | None) -> dict[str, Any]:
    metrics = side.metrics if side else None
    if not metrics:
        return {}
    pending = metrics.get("pending") or 0
    due = metrics["notices"] - pending
    return {
        "norm": metrics.get("norm_hours"),
        "due": due,
        "pending": pending,
        "within": round(100 * metrics["within_norm"] / due, 2) if due else None,
        "p90": metrics.get("p90_hours"),
        "open": metrics["open_over_norm"],
        "weeks": weeks_with_checks(metrics, weeks),
    }


def figure_rows(current: Side | None, whatif: Side) -> tuple[FigureRow, ...]:
    weeks = whatif.model.hash_check_weeks or (current.model.hash_check_weeks if current else None)
    before, after = _figures(current, weeks), _figures(whatif, weeks)
    labels = [
        ("norm", _("Removal norm (hours)")),
        ("due", _("Notices due")),
        ("pending", _("Not yet due")),
        ("within", _("Removed within the norm (%)")),
        ("p90", _("90th percentile removal time (hours)")),
        ("open", _("Open beyond the norm")),
    ]
    if weeks is not None:
        labels.append(("weeks", _("Weeks with hash checks, of the last %(weeks)s") % {"weeks": weeks}))
    return tuple(FigureRow(label, before.get(key), after.get(key)) for key, label in labels)
