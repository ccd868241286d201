"""Idempotent demo data for every feature, and the demo logins."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from portal import demo

# Each app's `demo.seed()` extends the core's demo data, in this order.
DEMO_MODULES = ["assessments.demo", "scoring.demo"]


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
