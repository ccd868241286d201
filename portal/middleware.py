"""Middleware: MFA for auditors, supervisors and the admin's staff, and the hoster a member is working for."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from portal.access import PortalHttpRequest
from portal.models import User

# Pages an auditor or supervisor without MFA may still reach.
MFA_EXEMPT_URL_NAMES = {
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_logout",
    "account_reauthenticate",
    "set_language",
    "javascript-catalog",
}

SESSION_HOSTER_KEY = "current_hoster"


def _needs_mfa(user: User, path: str) -> bool:
    """Auditors and supervisors everywhere; staff and superusers in the admin, where a password alone is too little."""
    if user.is_auditor or user.is_supervisor:
        return True
    return (user.is_staff or user.is_superuser) and path.startswith(reverse("admin:index"))


class RequireMFAMiddleware:
    """Whoever needs a second factor is sent to TOTP setup until they have it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and _needs_mfa(user, request.path_info) and not is_mfa_enabled(user):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in MFA_EXEMPT_URL_NAMES and not request.path_info.startswith("/static/"):
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class CurrentHosterMiddleware:
    """Loads the user's memberships once and picks the hoster chosen in the session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        portal_request = cast(PortalHttpRequest, request)  # this middleware is what makes it one
        portal_request.memberships = []
        portal_request.current_membership = None
        if request.user.is_authenticated:
            memberships = list(request.user.memberships.select_related("hoster"))
            portal_request.memberships = memberships
            chosen = request.session.get(SESSION_HOSTER_KEY)
            portal_request.current_membership = next(
                (m for m in memberships if m.hoster.slug == chosen), memberships[0] if memberships else None
            )
        return self.get_response(request)
