"""The scoring model: a versioned YAML file parsed and validated into frozen dataclasses (DESIGN §4.3)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from assessments.catalogue import RISK_LEVELS, Criterion, LocalizedText, Questionnaire, YamlChecker, read_yaml
from scoring.engine.vocabulary import GateKind, MeasuredKind, ModelError

_PLACEHOLDERS = ("norm_hours", "min_sample", "max_hours", "threshold_pct", "weeks")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
    weeks: int | None = None
    """hash_check_weeks: how many of the period's last ISO weeks count (10 points when each had checks)."""


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
    declared_values: tuple[str, ...] = ()
    """declared_but_no_hash_checks: the answers of ``criterion`` that declare hash checks."""
    weeks: int | None = None
    """declared_but_no_hash_checks: how many of the period's last ISO weeks must show checks."""
    inconclusive_reason: LocalizedText | None = None
    """declared_but_no_hash_checks: what the card says when no statistics cover those weeks."""


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
    in_force_from: date | None = None
    """The day from which the model is meant to be the one in force; None for the models from before dates."""

    @cached_property
    def criteria_by_code(self) -> Mapping[str, Criterion]:
        """Every questionnaire criterion by code; scoring thousands of cards looks them up often."""
        return {criterion.code: criterion for criterion in self.questionnaire.criteria}

    @cached_property
    def scored_criteria(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.questionnaire.criteria if criterion.scored)

    @cached_property
    def hash_check_weeks(self) -> int | None:
        """How many of the period's last ISO weeks of hash-check statistics the model reads; None when it reads
        none, so that its inputs need no statistics."""
        weeks = [item.weeks for item in self.measured if item.weeks is not None]
        weeks += [gate.weeks for gate in self.gates if gate.weeks is not None]
        return max(weeks) if weeks else None

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
_OPTIONAL_MODEL_KEYS = ("in_force_from",)


def parse_scoring_model(data: object, questionnaire: Questionnaire, source: str) -> ScoringModel:
    """Validate parsed YAML ``data`` as a scoring model for ``questionnaire``."""
    check = YamlChecker(ModelError, source)
    data = check.mapping(data, "the file")
    check.keys(data, _MODEL_KEYS, _OPTIONAL_MODEL_KEYS)
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
        in_force_from=_parse_day(check, data, "in_force_from") if "in_force_from" in data else None,
    )


def _parse_day(check: YamlChecker, data: Mapping[str, Any], key: str) -> date:
    """A day written as quoted ISO text ("2026-01-01"): a published definition is stored as JSON, which has no
    dates, so an unquoted YAML date is refused rather than changed on the way."""
    value = data[key]
    if isinstance(value, date):
        check.fail(f'{key} must be a date in quotes, such as "{value.isoformat()}"')
    text = check.text(data, key)
    try:
        day = date.fromisoformat(text) if _ISO_DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        check.fail(f"{key} must be a date written YYYY-MM-DD, got {text!r}")
    return day


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


_KIND_PARAMETERS = ("zero_at", "tolerance", "weeks")
_PARAMETER_OF = {
    MeasuredKind.WITHIN_NORM: "zero_at",
    MeasuredKind.LEFT_OPEN: "tolerance",
    MeasuredKind.HASH_CHECK_WEEKS: "weeks",
}
WEEKS_MAX = 53
"""At most a year of ISO weeks: hash-check statistics older than that say little about a hoster today."""


def _weeks(here: YamlChecker, data: Mapping[str, Any]) -> int:
    weeks = here.integer(data, "weeks", 1)
    if weeks > WEEKS_MAX:
        here.fail(f"weeks must be at most {WEEKS_MAX}, got {weeks}")
    return weeks


def _parse_measured(
    check: YamlChecker, raw: Sequence[Any], questionnaire: Questionnaire
) -> tuple[MeasuredCriterion, ...]:
    known = {criterion.code for criterion in questionnaire.criteria}
    measured: list[MeasuredCriterion] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"measured #{position}")
        code = check.at(f"measured #{position}").text(data, "code") if "code" in data else f"#{position}"
        here = check.at(f"measured {code}")
        here.keys(data, ("code", "kind", "weight", "title"), _KIND_PARAMETERS)
        if code in known:
            here.fail("code is already a questionnaire criterion")
        if any(existing.code == code for existing in measured):
            here.fail("duplicate measured criterion code")
        kind = MeasuredKind(here.one_of(data, "kind", tuple(MeasuredKind)))
        if any(existing.kind == kind for existing in measured):
            here.fail(f"kind {kind} is already measured")
        wanted = _PARAMETER_OF.get(kind)
        for key in _KIND_PARAMETERS:
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
                weeks=_weeks(here, data) if "weeks" in data else None,
            )
        )
    return tuple(measured)


_GATE_KEYS = {
    GateKind.ANSWER: (("code", "cap", "kind", "criterion", "title", "reason"), ("pass_values", "fail_values")),
    GateKind.WILSON_UPPER_BELOW: (("code", "cap", "kind", "threshold", "title", "reason"), ()),
    GateKind.OPEN_OVER_NORM_SHARE_ABOVE: (("code", "cap", "kind", "threshold", "title", "reason"), ()),
    GateKind.DECLARED_BUT_NO_HASH_CHECKS: (
        ("code", "cap", "kind", "criterion", "declared_values", "weeks", "title", "reason", "inconclusive_reason"),
        (),
    ),
}


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
        here.keys(data, *_GATE_KEYS[kind or GateKind.WILSON_UPPER_BELOW])
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
        gate, texts = _gate_parameters(here, data, gate, questionnaire, placeholders)
        gates.append(replace(gate, title=_expand(here, gate.title, texts), reason=_expand(here, gate.reason, texts)))
    return tuple(gates)


def _gate_parameters(
    here: YamlChecker,
    data: Mapping[str, Any],
    gate: Gate,
    questionnaire: Questionnaire,
    placeholders: Mapping[str, str],
) -> tuple[Gate, dict[str, str]]:
    """The gate with what its kind checks, and the values its texts may name."""
    if gate.kind is GateKind.ANSWER:
        return _answer_gate(here, data, gate, questionnaire), dict(placeholders)
    if gate.kind is GateKind.DECLARED_BUT_NO_HASH_CHECKS:
        criterion = _gate_criterion(here, data, questionnaire)
        values = _option_values(here, data, "declared_values", criterion)
        weeks = _weeks(here, data)
        texts = {**placeholders, "weeks": str(weeks)}
        inconclusive = _expand(here, here.localized(data, "inconclusive_reason"), texts)
        gate = replace(
            gate, criterion=criterion.code, declared_values=values, weeks=weeks, inconclusive_reason=inconclusive
        )
        return gate, texts
    threshold = here.number(data, "threshold", 0, 1)
    return replace(gate, threshold=threshold), {**placeholders, "threshold_pct": f"{threshold * 100:g}"}


def _gate_criterion(here: YamlChecker, data: Mapping[str, Any], questionnaire: Questionnaire) -> Criterion:
    code = here.text(data, "criterion")
    try:
        criterion = questionnaire.criterion(code)
    except KeyError:
        here.fail(f"unknown criterion {code!r} (not in questionnaire {questionnaire.code})")
    if not criterion.scored:
        here.fail(f"criterion {code} is a {criterion.type}; a gate needs a choice")
    if not criterion.gate:
        here.fail(f"criterion {code} is not marked gate: true in questionnaire {questionnaire.code}")
    return criterion


def _option_values(here: YamlChecker, data: Mapping[str, Any], key: str, criterion: Criterion) -> tuple[str, ...]:
    values = here.sequence(data, key)
    if not values:
        here.fail(f"{key} must not be empty")
    for value in values:
        if value not in criterion.option_values:
            options = ", ".join(criterion.option_values)
            here.fail(f"{key}: {value!r} is not an option of {criterion.code} (options: {options})")
    return tuple(values)


def _answer_gate(here: YamlChecker, data: Mapping[str, Any], gate: Gate, questionnaire: Questionnaire) -> Gate:
    criterion = _gate_criterion(here, data, questionnaire)
    if ("pass_values" in data) == ("fail_values" in data):
        here.fail("give exactly one of pass_values and fail_values")
    if "pass_values" in data:
        return replace(gate, criterion=criterion.code, pass_values=_option_values(here, data, "pass_values", criterion))
    return replace(gate, criterion=criterion.code, fail_values=_option_values(here, data, "fail_values", criterion))


def _expand(check: YamlChecker, text: LocalizedText, values: Mapping[str, str]) -> LocalizedText:
    try:
        return LocalizedText(nl=text.nl.format_map(values), en=text.en.format_map(values))
    except (KeyError, IndexError, ValueError) as error:
        check.fail(f"text {text.en!r}: bad placeholder {error} (known: {', '.join(_PLACEHOLDERS)})")
