"""The statements every page links to in its footer: privacy (GDPR) and accessibility (WCAG 2.1 AA). Public."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

PRIVACY_STATEMENT_DATE = date(2026, 12, 2)
"""When the privacy statement last changed: change it with the text."""
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 2)
"""When the accessibility statement was drawn up, after the checks it describes."""


def _contact() -> dict[str, str]:
    return {"contact_email": settings.CONTACT_EMAIL, "controller": settings.CONTROLLER}


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {**_contact(), "statement_date": PRIVACY_STATEMENT_DATE}
    return render(request, "portal/legal/privacy.html", context)


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    context = {**_contact(), "statement_date": ACCESSIBILITY_STATEMENT_DATE}
    return render(request, "portal/legal/accessibility.html", context)
