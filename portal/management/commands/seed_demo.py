"""Idempotent demo data for every feature, and the demo logins."""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from portal import demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo data and print the demo logins. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's own state changes (issued, suspended, …) are not news: their e-mails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        demo.seed()
        # Each app's demo extends the core's, in the order settings.DEMO_SEEDERS gives.
        for module_name in settings.DEMO_SEEDERS:
            import_module(module_name).seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {demo.DEMO_PASSWORD}):"))
        for email, roles in demo.demo_logins():
            self.stdout.write(f"  {email:<34} {roles}")
