"""`manage.py import_hashchecks FILE`: import EOKM's hash-check statistics whole, or reject the file whole."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.measurement.hashcheck_imports import HashCheckImportBusy, import_hashchecks


class Command(BaseCommand):
    help = (
        "Import hash-check statistics from CSV with header hoster,week,checks,hits (hoster: slug, name or alias; "
        "week: ISO week such as 2026-W07 or its Monday). A file with any bad line is rejected whole and nothing "
        "is stored; importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8")
        parser.add_argument("--dry-run", action="store_true", help="check and count, store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, also when the import fails
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}")
        try:
            with stream:
                result = import_hashchecks(stream, filename=os.path.basename(path), dry_run=options["dry_run"])
        except HashCheckImportBusy as refusal:
            raise CommandError(f"{refusal} Nothing was stored.", returncode=1)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            lines = len({error.line for error in result.errors})
            raise CommandError(f"rejected: {lines} bad line(s) in {path}; nothing was stored.", returncode=1)
        prefix = "dry run, nothing stored: " if result.dry_run else ""
        self.stdout.write(prefix + result.summary())
