"""`export_questionnaire [CODE] --format json|csv`: a published questionnaire version as data."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.export import export_csv, export_dict
from assessments.models import DEFAULT_QUESTIONNAIRE_CODE, QuestionnaireVersion


class Command(BaseCommand):
    help = "Print a published questionnaire (sections, criteria, options with points, rules) as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", default=DEFAULT_QUESTIONNAIRE_CODE, help="questionnaire code")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--questionnaire-version", type=int, help="a version number; default: the current one")

    def handle(self, *args, **options) -> None:
        code, number = options["code"], options["questionnaire_version"]
        versions = QuestionnaireVersion.objects.filter(code=code)
        version = versions.filter(version=number).first() if number else versions.current(code)
        if version is None:
            known = ", ".join(str(v) for v in QuestionnaireVersion.objects.all()) or "none"
            wanted = f"{code} version {number}" if number else code
            raise CommandError(f"No published questionnaire {wanted}. Published: {known}.")
        if options["format"] == "csv":
            self.stdout.write(export_csv(version.parsed), ending="")
        else:
            self.stdout.write(json.dumps(export_dict(version.parsed), ensure_ascii=False, indent=2))
