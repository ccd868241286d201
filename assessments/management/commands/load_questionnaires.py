"""`load_questionnaires [DIRECTORY]`: publish questionnaire files; `migrate` runs this for the fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.catalogue import CatalogueError
from assessments.loader import load_questionnaires, questionnaire_dir


class Command(BaseCommand):
    help = "Publish every <code>.yaml questionnaire of a directory. Idempotent; a changed published version fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", type=Path, help="default: fixtures/questionnaires")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["directory"] or questionnaire_dir()
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        try:
            results = load_questionnaires(directory)
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            state = "published" if result.created else "unchanged"
            self.stdout.write(f"{result.version}: {state}")
