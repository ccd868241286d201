"""Dashboard panels: each app contributes the panels a user's roles call for, on the dashboard and the company page."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings

from portal.access import AuthenticatedHttpRequest
from portal.models import Hoster


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def panels_for(request: AuthenticatedHttpRequest) -> list[Panel]:
    """Every `settings.DASHBOARD_PANELS` module's `panels(request)`, in order of the panels' `order`."""
    collected: list[Panel] = []
    for module_name in settings.DASHBOARD_PANELS:
        collected.extend(import_module(module_name).panels(request))
    return sorted(collected, key=lambda panel: panel.order)


def hoster_panels_for(request: AuthenticatedHttpRequest, hoster: Hoster) -> list[Panel]:
    """Every `settings.HOSTER_PAGE_PANELS` module's `hoster_panels(request, hoster)` for a hoster's company page.

    `hoster` has passed the access check; each module still decides what the user's role lets them see.
    """
    collected: list[Panel] = []
    for module_name in settings.HOSTER_PAGE_PANELS:
        collected.extend(import_module(module_name).hoster_panels(request, hoster))
    return sorted(collected, key=lambda panel: panel.order)
