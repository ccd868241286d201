"""`load_scoring_models [DIRECTORY]`: publish scoring-model files; `migrate` runs this for the fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.engine import ModelError
from scoring.rating.publishing import load_scoring_models, scoring_model_dir


class Command(BaseCommand):
    help = "Publish every <code>.yaml scoring model of a directory. Idempotent; a changed published version fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", type=Path, help="default: fixtures/scoring")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["directory"] or scoring_model_dir()
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        try:
            results = load_scoring_models(directory)
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            self.stdout.write(f"{result.version}: {'published' if result.created else 'unchanged'}")
