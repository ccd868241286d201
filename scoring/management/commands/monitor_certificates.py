"""`manage.py monitor_certificates`: the daily monitoring run of certificates (cron or the task worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.audit import publish_audit_head
from scoring.certification.daily_run import monitor_certificates
from scoring.measurement.uploads import fail_stale_batches


class Command(BaseCommand):
    help = (
        "Daily: mark expired certificates, warn owners 30 and 7 days before expiry, recompute the rolling 90-day"
        " metrics of certified hosters and suspend a certificate whose gates now fail; publish the day's head of"
        " the audit log (/audit/); fail notice imports left behind by a stopped worker. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        # A notice import whose worker was killed is failed and its file (clear-text URLs) removed.
        fail_stale_batches(now)
        result = monitor_certificates(now)
        # Anchor the audit log outside the database: today's head goes on the public page (DESIGN §4.6).
        head = publish_audit_head(timezone.localdate(now))
        for serial in result.expired:
            self.stdout.write(f"expired   {serial}")
        for serial, days_left in result.warned:
            self.stdout.write(f"warned    {serial} ({days_left} days left)")
        for serial in result.suspended:
            self.stdout.write(f"suspended {serial}")
        self.stdout.write(f"audit log head of {head.day}: {head}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
