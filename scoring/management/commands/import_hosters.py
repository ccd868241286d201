"""`manage.py import_hosters FILE`: register or update the known hosting landscape from CSV."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.measurement.hosters import import_hosters


class Command(BaseCommand):
    help = (
        "Create or update hosters from CSV slug,name,website,asns,prefixes and optionally aliases (several ASNs or "
        "prefixes separated by spaces; aliases, names as the hotline writes them, separated by |). A file with any "
        "bad row, or an alias that is another hoster's name or alias, is rejected whole. The notices whose network "
        "or named owner changed hands are re-attributed afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], "rb") as stream:
                result = import_hosters(stream)
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError("rejected: nothing was stored.", returncode=1)
        self.stdout.write(result.summary())
