"""Print the audit log's head, `<count> <hash>`: write it down, and `verify_audit_log --expect-head` checks it later."""

from typing import Any

from django.core.management.base import BaseCommand

from portal.audit import current_head


class Command(BaseCommand):
    help = (
        'Print the head of the audit log as "<count> <hash>": the number of events and the hash of the last one'
        " (an empty log prints 0 and 64 zeros)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(current_head()))
