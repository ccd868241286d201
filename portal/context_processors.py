"""Template context shared by every page: the user's hosters and roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_memberships": getattr(request, "memberships", []),
        "current_membership": getattr(request, "current_membership", None),
        "is_supervisor": user.is_supervisor,
        "is_auditor": user.is_auditor,
    }
