"""Idempotent demo data for every feature, and the demo logins."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from portal import demo

# Each module's `seed(stdout)` extends the core demo, in this order: notices first, so the
# assessments reviewed in the demo are scored on measured data, and certificates last.
DEMO_MODULES = ["scoring.demo", "assessments.demo", "scoring.certificate_demo"]


class Command(BaseCommand):
    help = "Create (or refresh) the demo data and print the demo logins. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        logins = demo.seed()
        for module_name in DEMO_MODULES:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {demo.DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.email:<34} {login.role}")
