"""Tests of the questionnaire catalogue: the real good-hoster-2020 file and malformed variants."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.catalogue import (
    ANSWER_TYPES,
    EVIDENCE_KINDS,
    CatalogueError,
    Criterion,
    LocalizedText,
    Questionnaire,
    load_questionnaire,
    parse_questionnaire,
    questionnaire_to_dict,
    read_yaml,
)
from assessments.catalogue import RISK_LEVELS as WEIGHTS

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "questionnaires" / "good-hoster-2020.yaml"
SOURCE = "good-hoster-2020.yaml"


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire(FIXTURE)


@pytest.fixture
def raw() -> dict[str, Any]:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def _criterion(data: dict[str, Any], code: str) -> dict[str, Any]:
    for section in data["sections"]:
        for criterion in section["criteria"]:
            if criterion["code"] == code:
                return criterion
    raise AssertionError(f"no criterion {code} in the fixture")


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(CatalogueError) as caught:
        parse_questionnaire(data, SOURCE)
    return str(caught.value)


def test_real_questionnaire_loads_with_five_sections_and_enough_criteria(questionnaire: Questionnaire) -> None:
    assert questionnaire.code == "good-hoster-2020"
    assert questionnaire.version == 1
    assert [section.code for section in questionnaire.sections] == ["KYC", "CON", "HCS", "NTD", "COM"]
    assert len(questionnaire.criteria) >= 25
    assert all(len(section.criteria) >= 5 for section in questionnaire.sections)


def test_criterion_codes_are_unique_and_carry_their_section_prefix(questionnaire: Questionnaire) -> None:
    codes = [criterion.code for criterion in questionnaire.criteria]
    assert len(codes) == len(set(codes))
    for criterion in questionnaire.criteria:
        assert criterion.code.startswith(f"{criterion.section}-")


@pytest.mark.parametrize("code", ["CON-1", "NTD-1", "HCS-1"])
def test_fixed_yes_no_criteria_keep_their_string_values(questionnaire: Questionnaire, code: str) -> None:
    criterion = questionnaire.criterion(code)
    assert criterion.option_values == ("yes", "no")
    assert criterion.option("yes").points == 10
    assert criterion.option("no").points == 0


def test_identity_verification_options_are_fixed_and_increase(questionnaire: Questionnaire) -> None:
    criterion = questionnaire.criterion("KYC-2")
    assert criterion.option_values == ("none", "contact", "payment", "identity", "identity_and_registry")
    points = [option.points for option in criterion.options]
    assert points == sorted(points) and len(set(points)) == len(points)
    assert points[0] == 0 and points[-1] == 10


def test_gate_criteria_are_flagged(questionnaire: Questionnaire) -> None:
    gates = {criterion.code for criterion in questionnaire.criteria if criterion.gate}
    assert {"CON-1", "NTD-1"} <= gates
    assert all(questionnaire.criterion(code).scored for code in gates)


def test_every_scored_criterion_is_a_choice_with_points_from_0_to_10(questionnaire: Questionnaire) -> None:
    scored = [criterion for criterion in questionnaire.criteria if criterion.scored]
    assert len(scored) >= 20
    for criterion in questionnaire.criteria:
        assert criterion.type in ANSWER_TYPES
        assert criterion.weight in WEIGHTS
        assert criterion.evidence in EVIDENCE_KINDS
        if criterion.scored:
            assert len(criterion.options) >= 2
            assert all(0 <= option.points <= 10 for option in criterion.options)
            assert max(option.points for option in criterion.options) == 10, criterion.code
            assert min(option.points for option in criterion.options) == 0, criterion.code
        else:
            assert criterion.options == ()


def test_unscored_supporting_answers_cover_terminations_and_hashcheck_statistics(
    questionnaire: Questionnaire,
) -> None:
    assert questionnaire.criterion("CON-5").type == "number"
    assert questionnaire.criterion("HCS-5").type == "number"
    assert questionnaire.criterion("HCS-5").evidence == "document"


def _texts(questionnaire: Questionnaire) -> list[LocalizedText]:
    texts = [questionnaire.title, questionnaire.description]
    for section in questionnaire.sections:
        texts += [section.title, section.description]
        for criterion in section.criteria:
            texts += [criterion.text, criterion.why]
            texts += [option.label for option in criterion.options]
    return texts


def test_every_text_exists_in_dutch_and_english(questionnaire: Questionnaire) -> None:
    for text in _texts(questionnaire):
        assert text.nl.strip() and text.en.strip()
        assert dict(text) == {"nl": text.nl, "en": text.en}


def test_why_texts_name_the_sector_norms(questionnaire: Questionnaire) -> None:
    why = " ".join(criterion.why.en for criterion in questionnaire.criteria)
    for phrase in ("24 hours", "12 hours", "HashCheckService", "hotline", "code of conduct"):
        assert phrase in why


def test_round_trip_through_questionnaire_to_dict(questionnaire: Questionnaire) -> None:
    data = questionnaire_to_dict(questionnaire)
    assert parse_questionnaire(json.loads(json.dumps(data)), SOURCE) == questionnaire
    assert "options" not in data["sections"][1]["criteria"][4]  # CON-5 is a number
    assert data["sections"][0]["criteria"][1]["options"][4] == {
        "value": "identity_and_registry",
        "label": {"nl": "Identiteitsbewijs én handelsregister", "en": "Both identity document and company registry"},
        "points": 10,
    }


def test_to_dict_has_the_yaml_shape(questionnaire: Questionnaire, raw: dict[str, Any]) -> None:
    assert questionnaire_to_dict(questionnaire) == raw


def test_criterion_lookup_by_code(questionnaire: Questionnaire) -> None:
    criterion = questionnaire.criterion("NTD-1")
    assert isinstance(criterion, Criterion)
    assert criterion.section == "NTD"
    with pytest.raises(KeyError):
        questionnaire.criterion("NTD-99")


def test_missing_english_text_names_file_criterion_and_field(raw: dict[str, Any]) -> None:
    del _criterion(raw, "KYC-3")["text"]["en"]
    assert _error(raw) == "good-hoster-2020.yaml: criterion KYC-3: text: missing the en text"


def test_empty_dutch_label_is_rejected(raw: dict[str, Any]) -> None:
    _criterion(raw, "CON-2")["options"][0]["label"]["nl"] = "  "
    assert _error(raw) == "good-hoster-2020.yaml: criterion CON-2: option 'within_1h': label: nl must not be empty"


def test_unknown_weight_is_rejected(raw: dict[str, Any]) -> None:
    _criterion(raw, "COM-3")["weight"] = "huge"
    message = _error(raw)
    assert message.startswith("good-hoster-2020.yaml: criterion COM-3: weight must be one of critical, high")
    assert "'huge'" in message


def test_duplicate_criterion_code_is_rejected(raw: dict[str, Any]) -> None:
    raw["sections"][0]["criteria"].append(copy.deepcopy(_criterion(raw, "KYC-1")))
    assert _error(raw) == "good-hoster-2020.yaml: criterion KYC-1: duplicate criterion code"


def test_duplicate_option_value_is_rejected(raw: dict[str, Any]) -> None:
    options = _criterion(raw, "KYC-1")["options"]
    options.append(copy.deepcopy(options[0]))
    assert _error(raw) == "good-hoster-2020.yaml: criterion KYC-1: option 'yes': duplicate option value"


@pytest.mark.parametrize("points", [11, -1, "ten", None, True])
def test_points_outside_0_to_10_are_rejected(raw: dict[str, Any], points: object) -> None:
    _criterion(raw, "KYC-2")["options"][0]["points"] = points
    message = _error(raw)
    assert message.startswith(
        "good-hoster-2020.yaml: criterion KYC-2: option 'none': points must be a number from 0 to 10"
    )


def test_unquoted_yes_read_as_boolean_is_reported_clearly(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    marker = "- code: CON-1\n"
    before, after = text.split(marker, 1)
    after = after.replace('{value: "yes"', "{value: yes", 1)
    broken = tmp_path / "good-hoster-2020.yaml"
    broken.write_text(before + marker + after, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_questionnaire(broken)
    message = str(caught.value)
    assert message.startswith(
        "good-hoster-2020.yaml: criterion CON-1: option #1: value must be text, got the YAML boolean true"
    )
    assert 'quotes, e.g. "yes"' in message


def test_boolean_language_key_is_reported(raw: dict[str, Any]) -> None:
    _criterion(raw, "KYC-4")["why"] = {True: "Ja", "nl": "Ja", "en": "Yes"}
    message = _error(raw)
    assert message.startswith("good-hoster-2020.yaml: criterion KYC-4: why: key the YAML boolean true must be text")


def test_choice_needs_two_options(raw: dict[str, Any]) -> None:
    criterion = _criterion(raw, "KYC-4")
    criterion["options"] = criterion["options"][:1]
    assert _error(raw) == "good-hoster-2020.yaml: criterion KYC-4: a choice needs at least 2 options"


def test_non_choice_must_not_have_options(raw: dict[str, Any]) -> None:
    _criterion(raw, "CON-5")["options"] = copy.deepcopy(_criterion(raw, "KYC-4")["options"])
    assert (
        _error(raw) == "good-hoster-2020.yaml: criterion CON-5: only a choice has options; this criterion is a number"
    )


def test_unknown_type_and_evidence_are_rejected(raw: dict[str, Any]) -> None:
    _criterion(raw, "KYC-1")["type"] = "boolean"
    assert _error(raw).startswith("good-hoster-2020.yaml: criterion KYC-1: type must be one of choice, number")
    _criterion(raw, "KYC-1")["type"] = "choice"
    _criterion(raw, "KYC-1")["evidence"] = "photo"
    assert _error(raw).startswith("good-hoster-2020.yaml: criterion KYC-1: evidence must be one of none, document")


def test_code_prefix_must_match_the_section(raw: dict[str, Any]) -> None:
    _criterion(raw, "COM-5")["code"] = "NTD-9"
    assert _error(raw) == "good-hoster-2020.yaml: criterion NTD-9: code must start with its section code 'COM-'"


def test_misspelt_key_is_rejected(raw: dict[str, Any]) -> None:
    criterion = _criterion(raw, "HCS-2")
    criterion["weigth"] = criterion.pop("weight")
    assert _error(raw) == "good-hoster-2020.yaml: criterion HCS-2: missing key 'weight'"
    criterion["weight"] = "high"
    assert _error(raw).startswith("good-hoster-2020.yaml: criterion HCS-2: unknown key 'weigth'")


def test_non_boolean_flag_is_rejected(raw: dict[str, Any]) -> None:
    _criterion(raw, "NTD-2")["na_allowed"] = "no"
    assert _error(raw) == "good-hoster-2020.yaml: criterion NTD-2: na_allowed must be true or false, got 'no'"


def test_section_problems_name_the_section(raw: dict[str, Any]) -> None:
    del raw["sections"][2]["description"]["nl"]
    assert _error(raw) == "good-hoster-2020.yaml: section HCS: description: missing the nl text"


def test_gate_must_be_a_choice(raw: dict[str, Any]) -> None:
    _criterion(raw, "CON-5")["gate"] = True
    assert (
        _error(raw)
        == "good-hoster-2020.yaml: criterion CON-5: a gate must be a scored choice; this criterion is a number"
    )


def test_file_name_must_match_the_code(tmp_path: Path) -> None:
    other = tmp_path / "good-hoster-2021.yaml"
    other.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^good-hoster-2021.yaml: code 'good-hoster-2020' does not match"):
        load_questionnaire(other)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^broken.yaml: not valid YAML"):
        load_questionnaire(broken)


def test_best_option_is_the_one_with_most_points(questionnaire: Questionnaire) -> None:
    assert questionnaire.criterion("KYC-2").best_option.value == "identity_and_registry"
    assert questionnaire.criterion("CON-1").best_option.value == "yes"
    with pytest.raises(ValueError, match="only a choice has options"):
        _ = questionnaire.criterion("CON-5").best_option


def test_one_reader_for_every_definition_file(tmp_path: Path) -> None:
    class OtherError(ValueError):
        pass

    with pytest.raises(OtherError, match=r"^missing.yaml: cannot read the file: No such file or directory$"):
        read_yaml(tmp_path / "missing.yaml", OtherError)
    (tmp_path / "plain.yaml").write_text("code: plain\n", encoding="utf-8")
    assert read_yaml(tmp_path / "plain.yaml", OtherError) == {"code": "plain"}
