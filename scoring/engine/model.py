"""The scoring model: a versioned YAML file parsed and validated into frozen dataclasses (DESIGN §4.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from assessments.catalogue import RISK_LEVELS, Criterion, LocalizedText, Questionnaire, YamlChecker, read_yaml
from scoring.engine.vocabulary import GateKind, MeasuredKind, ModelError

_PLACEHOLDERS = ("norm_hours", "min_sample", "max_hours", "threshold_pct")


@dataclass(frozen=True)
class MeasuredCriterion:
    code: str
    kind: MeasuredKind
    weight: str
    title: LocalizedText
    zero_at: float | None = None
    """within_norm: the share removed within norm that scores 0 (10 at a share of 1)."""
    tolerance: float | None = None
    """left_open: the share of notices open beyond the norm that scores 0."""


@dataclass(frozen=True)
class GradeBoundary:
    grade: str
    min: float


@dataclass(frozen=True)
class Gate:
    code: str
    cap: str
    kind: GateKind
    title: LocalizedText
    reason: LocalizedText
    criterion: str | None = None
    pass_values: tuple[str, ...] = ()
    fail_values: tuple[str, ...] = ()
    threshold: float | None = None


@dataclass(frozen=True)
class ScoringModel:
    code: str
    version: int
    questionnaire: Questionnaire
    title: LocalizedText
    norm_hours: float
    min_sample: int
    max_hours: float
    weights: Mapping[str, float]
    measured: tuple[MeasuredCriterion, ...]
    grades: tuple[GradeBoundary, ...]
    certifiable_grades: tuple[str, ...]
    gates: tuple[Gate, ...]
    inconclusive_reason: LocalizedText

    @cached_property
    def criteria_by_code(self) -> Mapping[str, Criterion]:
        """Every questionnaire criterion by code; scoring thousands of cards looks them up often."""
        return {criterion.code: criterion for criterion in self.questionnaire.criteria}

    @cached_property
    def scored_criteria(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.questionnaire.criteria if criterion.scored)

    def grade_for(self, score: float) -> str:
        """The grade of ``score`` by the boundaries alone (no gates)."""
        for boundary in self.grades:
            if score >= boundary.min:
                return boundary.grade
        return self.grades[-1].grade

    def grade_rank(self, grade: str) -> int:
        """0 for the best grade, increasing towards the worst."""
        for rank, boundary in enumerate(self.grades):
            if boundary.grade == grade:
                return rank
        raise KeyError(f"model {self.code} has no grade '{grade}'")

    def lower_grade(self, first: str, second: str) -> str:
        return first if self.grade_rank(first) >= self.grade_rank(second) else second

    def next_grade(self, grade: str) -> str | None:
        rank = self.grade_rank(grade)
        return self.grades[rank - 1].grade if rank > 0 else None


def load_scoring_model(path: str | Path, questionnaire: Questionnaire) -> ScoringModel:
    """Read and validate ``path`` against ``questionnaire``; the file name must be ``<code>.yaml``."""
    path = Path(path)
    model = parse_scoring_model(read_yaml(path, ModelError), questionnaire, path.name)
    YamlChecker(ModelError, path.name).file_name(path, model.code)
    return model


_MODEL_KEYS = (
    "code",
    "version",
    "questionnaire",
    "title",
    "norm_hours",
    "min_sample",
    "max_hours",
    "weights",
    "measured",
    "grades",
    "certifiable_grades",
    "gates",
    "inconclusive_reason",
)


def parse_scoring_model(data: object, questionnaire: Questionnaire, source: str) -> ScoringModel:
    """Validate parsed YAML ``data`` as a scoring model for ``questionnaire``."""
    check = YamlChecker(ModelError, source)
    data = check.mapping(data, "the file")
    check.keys(data, _MODEL_KEYS)
    code = check.text(data, "code")
    questionnaire_code = check.text(data, "questionnaire")
    if questionnaire_code != questionnaire.code:
        check.fail(
            f"questionnaire: the model is for '{questionnaire_code}' but was given questionnaire '{questionnaire.code}'"
        )
    norm_hours = check.number(data, "norm_hours", 0.001)
    max_hours = check.number(data, "max_hours", 0.001)
    if max_hours <= norm_hours:
        check.fail(f"max_hours ({max_hours:g}) must be greater than norm_hours ({norm_hours:g})")
    min_sample = check.integer(data, "min_sample", 1)
    placeholders = {"norm_hours": f"{norm_hours:g}", "min_sample": str(min_sample), "max_hours": f"{max_hours:g}"}

    grades = _parse_grades(check, check.sequence(data, "grades"))
    grade_letters = tuple(boundary.grade for boundary in grades)
    certifiable = check.sequence(data, "certifiable_grades")
    if not certifiable:
        check.fail("certifiable_grades must not be empty")
    for grade in certifiable:
        if grade not in grade_letters:
            check.fail(f"certifiable_grades: unknown grade {grade!r} (grades are {', '.join(grade_letters)})")

    measured = _parse_measured(check, check.sequence(data, "measured"), questionnaire)
    gates = _parse_gates(check, check.sequence(data, "gates"), questionnaire, grade_letters, placeholders)
    return ScoringModel(
        code=code,
        version=check.integer(data, "version", 1),
        questionnaire=questionnaire,
        title=check.localized(data, "title"),
        norm_hours=norm_hours,
        min_sample=min_sample,
        max_hours=max_hours,
        weights=_parse_weights(check, data["weights"]),
        measured=measured,
        grades=grades,
        certifiable_grades=tuple(certifiable),
        gates=gates,
        inconclusive_reason=_expand(check, check.localized(data, "inconclusive_reason"), placeholders),
    )


def _parse_weights(check: YamlChecker, raw: object) -> dict[str, float]:
    """The weight of each of the catalogue's risk levels: the one place the numbers live."""
    data = check.mapping(raw, "weights")
    here = check.at("weights")
    here.keys(data, RISK_LEVELS)
    return {level: here.number(data, level, 0.001) for level in RISK_LEVELS}


def _parse_grades(check: YamlChecker, raw: Sequence[Any]) -> tuple[GradeBoundary, ...]:
    if len(raw) < 2:
        check.fail("grades needs at least 2 grades")
    grades: list[GradeBoundary] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"grades #{position}")
        here = check.at(f"grades #{position}")
        here.keys(data, ("grade", "min"))
        boundary = GradeBoundary(grade=here.text(data, "grade"), min=here.number(data, "min", 0, 100))
        if grades and boundary.min >= grades[-1].min:
            here.fail(f"min must be lower than the grade above ({grades[-1].grade} at {grades[-1].min:g})")
        if any(existing.grade == boundary.grade for existing in grades):
            here.fail(f"duplicate grade {boundary.grade!r}")
        grades.append(boundary)
    if grades[-1].min != 0:
        check.fail(f"grades: the lowest grade ({grades[-1].grade}) must start at min 0")
    return tuple(grades)


def _parse_measured(
    check: YamlChecker, raw: Sequence[Any], questionnaire: Questionnaire
) -> tuple[MeasuredCriterion, ...]:
    known = {criterion.code for criterion in questionnaire.criteria}
    measured: list[MeasuredCriterion] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"measured #{position}")
        code = check.at(f"measured #{position}").text(data, "code") if "code" in data else f"#{position}"
        here = check.at(f"measured {code}")
        here.keys(data, ("code", "kind", "weight", "title"), ("zero_at", "tolerance"))
        if code in known:
            here.fail("code is already a questionnaire criterion")
        if any(existing.code == code for existing in measured):
            here.fail("duplicate measured criterion code")
        kind = MeasuredKind(here.one_of(data, "kind", tuple(MeasuredKind)))
        if any(existing.kind == kind for existing in measured):
            here.fail(f"kind {kind} is already measured")
        wanted = {MeasuredKind.WITHIN_NORM: "zero_at", MeasuredKind.LEFT_OPEN: "tolerance"}.get(kind)
        for key in ("zero_at", "tolerance"):
            if key == wanted and key not in data:
                here.fail(f"missing key '{key}' (required for kind {kind})")
            if key != wanted and key in data:
                here.fail(f"{key} does not apply to kind {kind}")
        measured.append(
            MeasuredCriterion(
                code=code,
                kind=kind,
                weight=here.one_of(data, "weight", RISK_LEVELS),
                title=here.localized(data, "title"),
                zero_at=here.number(data, "zero_at", 0, 0.999) if "zero_at" in data else None,
                tolerance=here.number(data, "tolerance", 0.0001, 1) if "tolerance" in data else None,
            )
        )
    return tuple(measured)


def _parse_gates(
    check: YamlChecker,
    raw: Sequence[Any],
    questionnaire: Questionnaire,
    grade_letters: tuple[str, ...],
    placeholders: Mapping[str, str],
) -> tuple[Gate, ...]:
    gates: list[Gate] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"gates #{position}")
        code = check.at(f"gates #{position}").text(data, "code") if "code" in data else f"#{position}"
        here = check.at(f"gate {code}")
        kind = GateKind(here.one_of(data, "kind", tuple(GateKind))) if "kind" in data else None
        if kind is GateKind.ANSWER:
            here.keys(data, ("code", "cap", "kind", "criterion", "title", "reason"), ("pass_values", "fail_values"))
        else:
            here.keys(data, ("code", "cap", "kind", "threshold", "title", "reason"))
        assert kind is not None  # the keys check requires it
        if any(existing.code == code for existing in gates):
            here.fail("duplicate gate code")
        cap = data["cap"]
        if cap not in grade_letters:
            here.fail(f"unknown cap grade {cap!r} (grades are {', '.join(grade_letters)})")
        gate = Gate(
            code=code,
            cap=cap,
            kind=kind,
            title=here.localized(data, "title"),
            reason=here.localized(data, "reason"),
        )
        if kind is GateKind.ANSWER:
            gate = _answer_gate(here, data, gate, questionnaire)
            texts = dict(placeholders)
        else:
            threshold = here.number(data, "threshold", 0, 1)
            gate = replace(gate, threshold=threshold)
            texts = {**placeholders, "threshold_pct": f"{threshold * 100:g}"}
        gates.append(replace(gate, title=_expand(here, gate.title, texts), reason=_expand(here, gate.reason, texts)))
    return tuple(gates)


def _answer_gate(here: YamlChecker, data: Mapping[str, Any], gate: Gate, questionnaire: Questionnaire) -> Gate:
    code = here.text(data, "criterion")
    try:
        criterion = questionnaire.criterion(code)
    except KeyError:
        here.fail(f"unknown criterion {code!r} (not in questionnaire {questionnaire.code})")
    if not criterion.scored:
        here.fail(f"criterion {code} is a {criterion.type}; a gate needs a choice")
    if not criterion.gate:
        here.fail(f"criterion {code} is not marked gate: true in questionnaire {questionnaire.code}")
    if ("pass_values" in data) == ("fail_values" in data):
        here.fail("give exactly one of pass_values and fail_values")
    key = "pass_values" if "pass_values" in data else "fail_values"
    values = here.sequence(data, key)
    if not values:
        here.fail(f"{key} must not be empty")
    for value in values:
        if value not in criterion.option_values:
            here.fail(f"{key}: {value!r} is not an option of {code} (options: {', '.join(criterion.option_values)})")
    if key == "pass_values":
        return replace(gate, criterion=code, pass_values=tuple(values))
    return replace(gate, criterion=code, fail_values=tuple(values))


def _expand(check: YamlChecker, text: LocalizedText, values: Mapping[str, str]) -> LocalizedText:
    try:
        return LocalizedText(nl=text.nl.format_map(values), en=text.en.format_map(values))
    except (KeyError, IndexError, ValueError) as error:
        check.fail(f"text {text.en!r}: bad placeholder {error} (known: {', '.join(_PLACEHOLDERS)})")
