"""The catalogue as open data: JSON and CSV exports of a questionnaire version, and reading the JSON back.

The weight of each risk level is the scoring model's, so the caller passes it in: `weights` maps a risk level to
its number (`{"critical": 10.0, ...}`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from assessments.catalogue import Questionnaire, parse_questionnaire, questionnaire_to_dict

CSV_COLUMNS = [
    "questionnaire",
    "version",
    "section",
    "section_title_nl",
    "section_title_en",
    "code",
    "type",
    "scored",
    "weight",
    "weight_value",
    "gate",
    "required",
    "na_allowed",
    "evidence",
    "text_nl",
    "text_en",
    "why_nl",
    "why_en",
    "option_value",
    "option_label_nl",
    "option_label_en",
    "option_points",
]


def export_dict(questionnaire: Questionnaire, weights: Mapping[str, float]) -> dict[str, Any]:
    """Sections, then every criterion as one flat object with its section, rules and `options` `{value, points, …}`."""
    nested = questionnaire_to_dict(questionnaire)
    criteria = []
    for section in nested["sections"]:
        for criterion in section["criteria"]:
            criteria.append(
                {
                    "code": criterion["code"],
                    "section": section["code"],
                    "text": criterion["text"],
                    "why": criterion["why"],
                    "type": criterion["type"],
                    "scored": criterion["type"] == "choice",
                    "options": criterion.get("options", []),
                    "weight": criterion["weight"],
                    "weight_value": weights[criterion["weight"]],
                    "gate": criterion["gate"],
                    "required": criterion["required"],
                    "na_allowed": criterion["na_allowed"],
                    "evidence": criterion["evidence"],
                }
            )
    return {
        "code": nested["code"],
        "version": nested["version"],
        "title": nested["title"],
        "description": nested["description"],
        "sections": [
            {"code": section["code"], "title": section["title"], "description": section["description"]}
            for section in nested["sections"]
        ],
        "criteria": criteria,
    }


_DERIVED = {"section", "scored", "weight_value"}


def questionnaire_from_export(data: dict[str, Any], source: str = "export") -> Questionnaire:
    """Read an `export_dict` back (validated by the catalogue parser), so an export round-trips."""
    sections = []
    for section in data["sections"]:
        criteria = []
        for criterion in data["criteria"]:
            if criterion["section"] != section["code"]:
                continue
            item = {key: value for key, value in criterion.items() if key not in _DERIVED}
            if criterion["type"] != "choice":
                item.pop("options", None)
            criteria.append(item)
        sections.append({**section, "criteria": criteria})
    return parse_questionnaire(
        {
            "code": data["code"],
            "version": data["version"],
            "title": data["title"],
            "description": data["description"],
            "sections": sections,
        },
        source,
    )


def export_csv(questionnaire: Questionnaire, weights: Mapping[str, float]) -> str:
    """One row per option of each choice criterion, one row for any other criterion."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for section in questionnaire.sections:
        for criterion in section.criteria:
            row = {
                "questionnaire": questionnaire.code,
                "version": questionnaire.version,
                "section": section.code,
                "section_title_nl": section.title.nl,
                "section_title_en": section.title.en,
                "code": criterion.code,
                "type": criterion.type,
                "scored": str(criterion.scored).lower(),
                "weight": criterion.weight,
                "weight_value": f"{weights[criterion.weight]:g}",
                "gate": str(criterion.gate).lower(),
                "required": str(criterion.required).lower(),
                "na_allowed": str(criterion.na_allowed).lower(),
                "evidence": criterion.evidence,
                "text_nl": criterion.text.nl,
                "text_en": criterion.text.en,
                "why_nl": criterion.why.nl,
                "why_en": criterion.why.en,
            }
            if not criterion.options:
                writer.writerow(row)
            for option in criterion.options:
                writer.writerow(
                    {
                        **row,
                        "option_value": option.value,
                        "option_label_nl": option.label.nl,
                        "option_label_en": option.label.en,
                        "option_points": f"{option.points:g}",
                    }
                )
    return buffer.getvalue()
