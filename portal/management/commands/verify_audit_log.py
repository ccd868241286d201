"""Verify the hash chain of the audit log; exit 1 naming the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from portal.audit import verify_chain
from portal.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Exit status 0 when intact, 1 at the first broken event."

    def handle(self, *args, **options) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"Audit log broken at event #{broken.event_id}: {broken.reason}.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {AuditEvent.objects.count()} events verified."))
