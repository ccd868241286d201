"""Dashboard panels: each app contributes the panels a user's roles call for."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.http import HttpRequest

PANEL_PROVIDERS = ["portal.panels", "assessments.panels", "scoring.measurement.panels"]


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def panels_for(request: HttpRequest) -> list[Panel]:
    """Every provider module's `panels(request)`, in order of the panels' `order`."""
    collected: list[Panel] = []
    for module_name in PANEL_PROVIDERS:
        collected.extend(import_module(module_name).panels(request))
    return sorted(collected, key=lambda panel: panel.order)
