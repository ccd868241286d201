"""Idempotent demo data for every feature, and the demo logins."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from portal import demo

# Each module's `seed(stdout)` extends the core demo, in this order: notices first, so the
# assessments reviewed in the demo are scored on measured data, and certificates last.
DEMO_MODULES = ["scoring.measurement.demo", "assessments.demo", "scoring.certification.demo"]


class Command(BaseCommand):
    help = "Create (or refresh) the demo data and print the demo logins. Safe to run again."

    def handle(self, *args, **options) -> None:
        # The demo's own state changes (issued, suspended, …) are not news: their e-mails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        demo.seed()
        for module_name in DEMO_MODULES:
            import_module(module_name).seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {demo.DEMO_PASSWORD}):"))
        for email, roles in demo.demo_logins():
            self.stdout.write(f"  {email:<34} {roles}")
