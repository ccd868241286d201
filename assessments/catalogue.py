"""Questionnaire catalogue: parse and validate a questionnaire YAML file into frozen dataclasses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

LANGUAGES: tuple[str, ...] = ("nl", "en")
RISK_LEVELS: tuple[str, ...] = ("critical", "high", "medium", "low")
"""A criterion's risk level; the weight of each level is the scoring model's (its `weights:`), not the catalogue's."""
ANSWER_TYPES: tuple[str, ...] = ("choice", "number", "percent", "text", "url", "date")
EVIDENCE_KINDS: tuple[str, ...] = ("none", "document", "url", "document_or_url")
MIN_POINTS = 0.0
MAX_POINTS = 10.0

_QUESTIONNAIRE_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SECTION_CODE = re.compile(r"^[A-Z]{2,8}$")
_CRITERION_CODE = re.compile(r"^[A-Z]{2,8}-[0-9]+$")
_OPTION_VALUE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class CatalogueError(ValueError):
    """A questionnaire file is malformed; the message names the file, the item and the problem."""


def read_yaml(path: Path, error: type[Exception]) -> object:
    """The parsed content of a YAML file; a file that cannot be read or parsed raises ``error`` naming it."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path.name}: cannot read the file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path.name}: not valid YAML: {exc}") from exc


class YamlChecker:
    """Reads values from parsed YAML, raising ``error`` with a message prefixed by ``where``.

    Shared by the catalogue and the scoring-model parser so that both report problems
    the same way: ``<file>: <item>: <field>: <what is wrong>``.
    """

    def __init__(self, error: type[Exception], where: str) -> None:
        self.error = error
        self.where = where

    def at(self, item: str) -> YamlChecker:
        return YamlChecker(self.error, f"{self.where}: {item}")

    def fail(self, message: str) -> NoReturn:
        raise self.error(f"{self.where}: {message}")

    def file_name(self, path: Path, code: str) -> None:
        """A definition file is named after its code: ``<code>.yaml``."""
        if path.stem != code:
            self.fail(f"code '{code}' does not match the file name (expected {code}.yaml)")

    def mapping(self, value: object, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(f"{what} must be a mapping, got {_describe(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(f"{what}: key {_describe(key)} must be text{_boolean_hint(key)}")
        return value

    def sequence(self, data: Mapping[str, Any], key: str) -> Sequence[Any]:
        value = data[key]
        if not isinstance(value, list):
            self.fail(f"{key} must be a list, got {_describe(value)}")
        return value

    def keys(self, data: Mapping[str, Any], required: Iterable[str], optional: Iterable[str] = ()) -> None:
        required = tuple(required)
        allowed = required + tuple(optional)
        for key in required:
            if key not in data:
                self.fail(f"missing key '{key}'")
        for key in data:
            if key not in allowed:
                self.fail(f"unknown key '{key}' (expected one of: {', '.join(allowed)})")

    def text(self, data: Mapping[str, Any], key: str) -> str:
        value = data[key]
        if not isinstance(value, str):
            self.fail(f"{key} must be text, got {_describe(value)}{_boolean_hint(value)}")
        if not value.strip():
            self.fail(f"{key} must not be empty")
        return value

    def code(self, data: Mapping[str, Any], key: str, pattern: re.Pattern[str]) -> str:
        value = self.text(data, key)
        if not pattern.match(value):
            self.fail(f"{key} '{value}' does not match {pattern.pattern}")
        return value

    def localized(self, data: Mapping[str, Any], key: str) -> LocalizedText:
        value = self.mapping(data[key], key)
        for language in LANGUAGES:
            if language not in value:
                self.fail(f"{key}: missing the {language} text")
        for language in value:
            if language not in LANGUAGES:
                self.fail(f"{key}: unknown language '{language}' (expected nl and en)")
        texts = self.at(key)
        return LocalizedText(nl=texts.text(value, "nl"), en=texts.text(value, "en"))

    def boolean(self, data: Mapping[str, Any], key: str) -> bool:
        value = data[key]
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false, got {_describe(value)}")
        return value

    def number(self, data: Mapping[str, Any], key: str, minimum: float, maximum: float | None = None) -> float:
        value = data[key]
        span = f"from {minimum:g} to {maximum:g}" if maximum is not None else f"of at least {minimum:g}"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value  # NaN
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            self.fail(f"{key} must be a number {span}, got {_describe(value)}")
        return float(value)

    def integer(self, data: Mapping[str, Any], key: str, minimum: int) -> int:
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(f"{key} must be a whole number of at least {minimum}, got {_describe(value)}")
        return value

    def one_of(self, data: Mapping[str, Any], key: str, allowed: Iterable[str]) -> str:
        allowed = tuple(allowed)
        value = data[key]
        if not isinstance(value, str) or value not in allowed:
            self.fail(f"{key} must be one of {', '.join(allowed)}, got {_describe(value)}{_boolean_hint(value)}")
        return value


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the YAML boolean {str(value).lower()}"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return f"{value!r}"
    return type(value).__name__


def _boolean_hint(value: object) -> str:
    if isinstance(value, bool):
        return ' (YAML reads unquoted yes/no/on/off/true/false as a boolean; put the value in quotes, e.g. "yes")'
    return ""


@dataclass(frozen=True)
class LocalizedText(Mapping[str, str]):
    """A text in Dutch and English; reads like the mapping ``{"nl": ..., "en": ...}``."""

    nl: str
    en: str

    def __getitem__(self, language: str) -> str:
        if language == "nl":
            return self.nl
        if language == "en":
            return self.en
        raise KeyError(language)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)

    def get_text(self, language: str) -> str:
        """The text in ``language``, falling back to English for any other language."""
        return self.nl if language.startswith("nl") else self.en

    def to_dict(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en}


@dataclass(frozen=True)
class Option:
    value: str
    label: LocalizedText
    points: float


@dataclass(frozen=True)
class Criterion:
    code: str
    section: str
    text: LocalizedText
    why: LocalizedText
    type: str
    options: tuple[Option, ...]
    weight: str
    gate: bool
    required: bool
    na_allowed: bool
    evidence: str

    @property
    def scored(self) -> bool:
        """Only choice criteria carry points; other types are supporting answers."""
        return self.type == "choice"

    def option(self, value: str) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(f"criterion {self.code} has no option '{value}'")

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    @property
    def best_option(self) -> Option:
        """The option with the most points (the first of equals); only a scored criterion has options."""
        if not self.options:
            raise ValueError(f"criterion {self.code} is a {self.type}; only a choice has options")
        return max(self.options, key=lambda option: option.points)


@dataclass(frozen=True)
class Section:
    code: str
    title: LocalizedText
    description: LocalizedText
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: int
    title: LocalizedText
    description: LocalizedText
    sections: tuple[Section, ...]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(criterion for section in self.sections for criterion in section.criteria)

    def criterion(self, code: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise KeyError(f"questionnaire {self.code} has no criterion '{code}'")


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and validate ``path``; its file name must be ``<code>.yaml``."""
    path = Path(path)
    questionnaire = parse_questionnaire(read_yaml(path, CatalogueError), path.name)
    YamlChecker(CatalogueError, path.name).file_name(path, questionnaire.code)
    return questionnaire


def parse_questionnaire(data: object, source: str) -> Questionnaire:
    """Validate parsed YAML (or JSON) ``data``; ``source`` names the file in error messages."""
    check = YamlChecker(CatalogueError, source)
    data = check.mapping(data, "the file")
    check.keys(data, ("code", "version", "title", "description", "sections"))
    code = check.code(data, "code", _QUESTIONNAIRE_CODE)
    version = check.integer(data, "version", 1)
    title = check.localized(data, "title")
    description = check.localized(data, "description")
    raw_sections = check.sequence(data, "sections")
    if not raw_sections:
        check.fail("sections must not be empty")
    sections: list[Section] = []
    criterion_codes: set[str] = set()
    for index, raw_section in enumerate(raw_sections, start=1):
        section = _parse_section(check, index, raw_section, criterion_codes)
        if any(existing.code == section.code for existing in sections):
            check.fail(f"section {section.code}: duplicate section code")
        sections.append(section)
    return Questionnaire(code=code, version=version, title=title, description=description, sections=tuple(sections))


def _parse_section(check: YamlChecker, index: int, raw: object, criterion_codes: set[str]) -> Section:
    data = check.mapping(raw, f"section #{index}")
    code = check.at(f"section #{index}").code(data, "code", _SECTION_CODE) if "code" in data else ""
    here = check.at(f"section {code}" if code else f"section #{index}")
    here.keys(data, ("code", "title", "description", "criteria"))
    raw_criteria = here.sequence(data, "criteria")
    if not raw_criteria:
        here.fail("criteria must not be empty")
    criteria: list[Criterion] = []
    for position, raw_criterion in enumerate(raw_criteria, start=1):
        criterion = _parse_criterion(check, here, code, position, raw_criterion)
        if criterion.code in criterion_codes:
            check.fail(f"criterion {criterion.code}: duplicate criterion code")
        criterion_codes.add(criterion.code)
        criteria.append(criterion)
    return Section(
        code=code,
        title=here.localized(data, "title"),
        description=here.localized(data, "description"),
        criteria=tuple(criteria),
    )


_CRITERION_KEYS = (
    "code",
    "text",
    "why",
    "type",
    "weight",
    "gate",
    "required",
    "na_allowed",
    "evidence",
)


def _parse_criterion(
    check: YamlChecker, section: YamlChecker, section_code: str, position: int, raw: object
) -> Criterion:
    data = section.mapping(raw, f"criterion #{position}")
    if "code" not in data:
        section.at(f"criterion #{position}").fail("missing key 'code'")
    code = section.at(f"criterion #{position}").code(data, "code", _CRITERION_CODE)
    here = check.at(f"criterion {code}")
    here.keys(data, _CRITERION_KEYS, ("options",))
    if not code.startswith(f"{section_code}-"):
        here.fail(f"code must start with its section code '{section_code}-'")
    answer_type = here.one_of(data, "type", ANSWER_TYPES)
    gate = here.boolean(data, "gate")
    if answer_type == "choice":
        if "options" not in data:
            here.fail("a choice needs options")
        options = _parse_options(here, here.sequence(data, "options"))
    else:
        if "options" in data:
            here.fail(f"only a choice has options; this criterion is a {answer_type}")
        if gate:
            here.fail(f"a gate must be a scored choice; this criterion is a {answer_type}")
        options = ()
    return Criterion(
        code=code,
        section=section_code,
        text=here.localized(data, "text"),
        why=here.localized(data, "why"),
        type=answer_type,
        options=options,
        weight=here.one_of(data, "weight", RISK_LEVELS),
        gate=gate,
        required=here.boolean(data, "required"),
        na_allowed=here.boolean(data, "na_allowed"),
        evidence=here.one_of(data, "evidence", EVIDENCE_KINDS),
    )


def _parse_options(here: YamlChecker, raw_options: Sequence[Any]) -> tuple[Option, ...]:
    if len(raw_options) < 2:
        here.fail("a choice needs at least 2 options")
    options: list[Option] = []
    for position, raw in enumerate(raw_options, start=1):
        data = here.mapping(raw, f"option #{position}")
        if "value" not in data:
            here.at(f"option #{position}").fail("missing key 'value'")
        value = data["value"]
        if not isinstance(value, str):
            here.at(f"option #{position}").fail(f"value must be text, got {_describe(value)}{_boolean_hint(value)}")
        option = here.at(f"option '{value}'")
        if not _OPTION_VALUE.match(value):
            option.fail(f"value must match {_OPTION_VALUE.pattern}")
        option.keys(data, ("value", "label", "points"))
        if any(existing.value == value for existing in options):
            option.fail("duplicate option value")
        options.append(
            Option(
                value=value,
                label=option.localized(data, "label"),
                points=_points(option, data["points"]),
            )
        )
    return tuple(options)


def _points(option: YamlChecker, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not MIN_POINTS <= value <= MAX_POINTS:
        option.fail(f"points must be a number from {MIN_POINTS:g} to {MAX_POINTS:g}, got {_describe(value)}")
    return float(value)


def questionnaire_to_dict(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire as JSON-ready data in the YAML file's shape (parses back to an equal one)."""
    return {
        "code": questionnaire.code,
        "version": questionnaire.version,
        "title": questionnaire.title.to_dict(),
        "description": questionnaire.description.to_dict(),
        "sections": [
            {
                "code": section.code,
                "title": section.title.to_dict(),
                "description": section.description.to_dict(),
                "criteria": [_criterion_to_dict(criterion) for criterion in section.criteria],
            }
            for section in questionnaire.sections
        ],
    }


def _criterion_to_dict(criterion: Criterion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": criterion.code,
        "text": criterion.text.to_dict(),
        "why": criterion.why.to_dict(),
        "type": criterion.type,
    }
    if criterion.scored:
        data["options"] = [
            {
                "value": option.value,
                "label": option.label.to_dict(),
                "points": _plain_number(option.points),
            }
            for option in criterion.options
        ]
    data.update(
        weight=criterion.weight,
        gate=criterion.gate,
        required=criterion.required,
        na_allowed=criterion.na_allowed,
        evidence=criterion.evidence,
    )
    return data


def _plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value
