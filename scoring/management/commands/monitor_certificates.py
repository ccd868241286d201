"""`manage.py monitor_certificates`: the daily monitoring run of certificates (cron or the task worker)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from scoring.certification.daily_run import monitor_certificates


class Command(BaseCommand):
    help = (
        "Daily: mark expired certificates, warn owners 30 and 7 days before expiry, recompute the rolling 90-day"
        " metrics of certified hosters and suspend a certificate whose gates now fail. Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        result = monitor_certificates()
        for serial in result.expired:
            self.stdout.write(f"expired   {serial}")
        for serial, days_left in result.warned:
            self.stdout.write(f"warned    {serial} ({days_left} days left)")
        for serial in result.suspended:
            self.stdout.write(f"suspended {serial}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
