"""Publishing questionnaires: idempotent, immutable once published, precise about bad files; exports round-trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments import services
from assessments.catalogue import CatalogueError, load_questionnaire
from assessments.export import questionnaire_from_export
from assessments.loader import load_questionnaires, questionnaire_dir
from assessments.models import QuestionnaireVersion
from portal.models import AuditEvent
from scoring.rating.questionnaire_export import export_dict

FIXTURE = questionnaire_dir() / "good-hoster-2020.yaml"


def _fixture_data() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def _write(directory: Path, data: dict, name: str = "good-hoster-2020.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_migrate_publishes_the_fixture_once(questionnaire):
    assert questionnaire.code == "good-hoster-2020"
    assert len(questionnaire.parsed.criteria) == len(load_questionnaire(FIXTURE).criteria) >= 25
    before = QuestionnaireVersion.objects.count()
    results = load_questionnaires()
    assert [result.created for result in results] == [False]
    assert QuestionnaireVersion.objects.count() == before


@pytest.mark.django_db
def test_a_changed_file_with_the_same_version_is_refused_loudly(questionnaire, tmp_path):
    data = _fixture_data()
    data["sections"][0]["criteria"][0]["weight"] = "low"
    _write(tmp_path, data)
    with pytest.raises(CatalogueError) as excinfo:
        load_questionnaires(tmp_path)
    message = str(excinfo.value)
    assert message.startswith("good-hoster-2020.yaml: good-hoster-2020 version 1 is already published with different")
    assert "new version number" in message
    questionnaire.refresh_from_db()
    assert questionnaire.parsed.criteria[0].weight == load_questionnaire(FIXTURE).criteria[0].weight
    with pytest.raises(CommandError, match="already published with different content"):
        call_command("load_questionnaires", str(tmp_path), stdout=io.StringIO())


@pytest.mark.django_db
def test_a_new_version_is_published_beside_and_old_assessments_stay_on_theirs(draft_a, owner_b, hoster_b, tmp_path):
    data = _fixture_data()
    data["version"] = 2
    data["sections"][0]["criteria"][0]["weight"] = "low"
    _write(tmp_path, data)
    [result] = load_questionnaires(tmp_path)
    assert result.created and result.version.version == 2
    assert QuestionnaireVersion.objects.current().version == 2
    assert AuditEvent.objects.filter(action="assessments.questionnaire.published", object_id=str(result.version.pk))
    draft_a.refresh_from_db()
    assert draft_a.questionnaire.version == 1
    started = services.start_assessment(owner_b, hoster_b, *services.default_period())
    assert started.questionnaire.version == 2


@pytest.mark.django_db
def test_a_published_version_cannot_be_edited_or_deleted(questionnaire):
    questionnaire.definition["title"]["en"] = "Something else"
    with pytest.raises(TypeError):
        questionnaire.save()
    with pytest.raises(TypeError):
        questionnaire.delete()


@pytest.mark.django_db
def test_the_loader_names_file_criterion_and_problem(tmp_path):
    data = _fixture_data()
    kyc2 = next(c for c in data["sections"][0]["criteria"] if c["code"] == "KYC-2")
    kyc2["weight"] = "enormous"
    _write(tmp_path, data)
    with pytest.raises(CatalogueError) as excinfo:
        load_questionnaires(tmp_path)
    assert str(excinfo.value) == (
        "good-hoster-2020.yaml: criterion KYC-2: weight must be one of critical, high, medium, low, got 'enormous'"
    )


@pytest.mark.django_db
def test_the_load_command_reports_a_malformed_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^broken\.yaml: not valid YAML"):
        call_command("load_questionnaires", str(tmp_path), stdout=io.StringIO())
    assert not QuestionnaireVersion.objects.filter(code="broken").exists()


@pytest.mark.django_db
def test_json_export_lists_criteria_with_options_and_round_trips(questionnaire):
    out = io.StringIO()
    call_command("export_questionnaire", "good-hoster-2020", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    by_code = {criterion["code"]: criterion for criterion in data["criteria"]}
    assert [option["value"] for option in by_code["KYC-2"]["options"]] == [
        "none",
        "contact",
        "payment",
        "identity",
        "identity_and_registry",
    ]
    assert all({"value", "points", "label"} <= set(option) for option in by_code["KYC-2"]["options"])
    con1 = by_code["CON-1"]
    assert (con1["section"], con1["gate"], con1["weight"], con1["weight_value"]) == ("CON", True, "critical", 10.0)
    assert {"na_allowed", "evidence", "required", "type"} <= set(con1)
    assert set(con1["text"]) == set(con1["why"]) == {"nl", "en"}
    assert questionnaire_from_export(data) == load_questionnaire(FIXTURE) == questionnaire.parsed
    assert export_dict(questionnaire_from_export(data)) == data


@pytest.mark.django_db
def test_csv_export_has_one_row_per_option_and_reads_back(questionnaire):
    out = io.StringIO()
    call_command("export_questionnaire", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    expected = sum(max(1, len(c.options)) for c in questionnaire.parsed.criteria)
    assert len(rows) == expected
    for criterion in questionnaire.parsed.criteria:
        mine = [row for row in rows if row["code"] == criterion.code]
        assert [(row["option_value"], float(row["option_points"])) for row in mine if row["option_value"]] == [
            (option.value, option.points) for option in criterion.options
        ]
        first = mine[0]
        assert (first["section"], first["type"], first["weight"], first["evidence"]) == (
            criterion.section,
            criterion.type,
            criterion.weight,
            criterion.evidence,
        )
        assert (first["gate"], first["na_allowed"]) == (str(criterion.gate).lower(), str(criterion.na_allowed).lower())
        assert (first["text_nl"], first["text_en"]) == (criterion.text.nl, criterion.text.en)


@pytest.mark.django_db
def test_export_of_an_unknown_questionnaire_fails_clearly(questionnaire):
    with pytest.raises(CommandError, match="No published questionnaire nope"):
        call_command("export_questionnaire", "nope", stdout=io.StringIO())
