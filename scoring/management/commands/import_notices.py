"""`manage.py import_notices FILE [--format …]`: validate a hotline notice file (the portal's CSV or one of SCARt's
exports) and import it whole, or reject it whole."""

from __future__ import annotations

import os
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from scoring.measurement.imports import ImportBusy, import_notices
from scoring.measurement.models import ImportBatch
from scoring.measurement.rows import validate_source
from scoring.measurement.scart import DEFAULT_ZONE, FileFormat


class Command(BaseCommand):
    help = (
        "Import notices from CSV with header notice_id,reported_at,removed_at,ip,asn[,hoster][,url], or from "
        "SCARt's NTD export (--format scart-ntd) or closed-URL export (--format scart-closed). "
        "A file with any bad row is rejected whole and nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8")
        parser.add_argument(
            "--source", default="meldpunt", help="label of the reporter; notice IDs are unique per source"
        )
        parser.add_argument(
            "--format",
            default=FileFormat.PORTAL.value,
            choices=[choice.value for choice in FileFormat],
            help="the portal's CSV (default), SCARt's NTD export or SCARt's closed-URL export",
        )
        parser.add_argument(
            "--timezone",
            help=f"time zone of timestamps without a UTC offset, e.g. Europe/Amsterdam (SCARt: {DEFAULT_ZONE})",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and count, store nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            validate_source(options["source"])
        except ValidationError as exc:
            raise CommandError(f"--source: {' '.join(exc.messages)}")
        tz = None
        if options["timezone"]:
            try:
                tz = ZoneInfo(options["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise CommandError(f"Unknown time zone: {options['timezone']}")
        path = options["file"]
        try:
            size = os.path.getsize(path)
            stream = open(path, "rb")  # noqa: SIM115 - closed below, also when the import fails
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}")
        bar = tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc="import",
            file=self.stderr._out,
            disable=options["no_progress"] or None,
        )

        def progress(rows: int, bytes_read: int) -> None:
            bar.update(bytes_read - bar.n)
            bar.set_postfix(rows=rows, refresh=False)

        try:
            with stream:
                result = import_notices(
                    stream=stream,
                    source=options["source"],
                    tz=tz,
                    dry_run=options["dry_run"],
                    progress=progress,
                    channel=ImportBatch.Channel.COMMAND,
                    filename=os.path.basename(path),
                    file_format=options["format"],
                )
        except ImportBusy as refusal:
            raise CommandError(f"{refusal} Nothing was stored.", returncode=1)
        finally:
            bar.close()
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"rejected: {result.rejected} bad row(s) in {path}; nothing was stored.", returncode=1)
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.unmatched > len(result.warnings):
            self.stderr.write(f"warning: … and {result.unmatched - len(result.warnings)} more such line(s)")
        prefix = "dry run, nothing stored: " if result.dry_run else ""
        self.stdout.write(prefix + result.summary())
