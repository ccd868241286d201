"""Verify the hash chain of the audit log and the heads it must hold; exit 1 naming the first broken event."""

from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.audit import Head, published_heads, verify_chain
from portal.models import AuditEvent


def expected_head(text: str) -> Head:
    try:
        return Head.parse(text, source="given with --expect-head")
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from None


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain. Exit status 0 when intact, 1 at the first broken event or when the log"
        " no longer holds a head it must hold (events deleted, replaced or rewritten)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            action="append",
            default=[],
            type=expected_head,
            metavar='"<count> <hash>"',
            help="a head printed by audit_head or published earlier; the log must still hold it (repeatable)",
        )
        parser.add_argument(
            "--published-heads",
            action="store_true",
            help="also check every head published in the database (which whoever can rewrite the log can rewrite"
            " too: compare them with the copies published outside)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        heads: list[Head] = [*options["expect_head"], *(published_heads() if options["published_heads"] else [])]
        broken = verify_chain(heads=heads)
        if broken is not None:
            raise CommandError(str(broken), returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {AuditEvent.objects.count()} events verified."))
        if heads:
            self.stdout.write(self.style.SUCCESS(f"It holds every expected head ({len(heads)} checked)."))
