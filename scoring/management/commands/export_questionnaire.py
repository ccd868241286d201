"""`export_questionnaire [CODE] --format json|csv`: a published questionnaire version as data, its weights from the
scoring model that scores it."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import DEFAULT_QUESTIONNAIRE_CODE, QuestionnaireVersion
from scoring.rating.publishing import UnknownScoringModel
from scoring.rating.questionnaire_export import export_csv, export_dict


class Command(BaseCommand):
    help = "Print a published questionnaire (sections, criteria, options with points, rules) as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", default=DEFAULT_QUESTIONNAIRE_CODE, help="questionnaire code")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--questionnaire-version", type=int, help="a version number; default: the current one")

    def handle(self, *args: Any, **options: Any) -> None:
        code, number = options["code"], options["questionnaire_version"]
        versions = QuestionnaireVersion.objects.filter(code=code)
        version = versions.filter(version=number).first() if number else versions.current(code)
        if version is None:
            known = ", ".join(str(v) for v in QuestionnaireVersion.objects.all()) or "none"
            wanted = f"{code} version {number}" if number else code
            raise CommandError(f"No published questionnaire {wanted}. Published: {known}.")
        try:
            if options["format"] == "csv":
                output, ending = export_csv(version.parsed), ""
            else:
                output, ending = json.dumps(export_dict(version.parsed), ensure_ascii=False, indent=2), "\n"
        except UnknownScoringModel as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(output, ending=ending)
