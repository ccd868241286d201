"""Print the current TOTP code of the demo secret, so the demo's auditor and supervisor can sign in."""

import time
from typing import Any

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from portal.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current six-digit code for the demo TOTP secret (demo users only)."

    def handle(self, *args: Any, **options: Any) -> None:
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
