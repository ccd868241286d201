"""Access helpers: every object view fetches through one of these, so outsiders get a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from portal.models import Hoster, MemberRole, Membership, User


class PortalHttpRequest(HttpRequest):
    """A request as the portal's middleware leaves it: the user's memberships, the hoster chosen, htmx details."""

    memberships: list[Membership]
    current_membership: Membership | None
    htmx: HtmxDetails


class AuthenticatedHttpRequest(PortalHttpRequest):
    """A request behind the login: `LoginRequiredMiddleware` lets no anonymous user reach the view."""

    user: User


def require_supervisor(user: User | AnonymousUser | Any, *, hide: bool = False) -> None:
    """Supervision tools refuse everyone else: 403 for a page whose existence is no secret, 404 (`hide`) for one
    that lists hosters' assessments, which answers outsiders as every object view does."""
    if not (isinstance(user, User) and user.is_supervisor):
        raise Http404 if hide else PermissionDenied


def require_auditor(user: User | AnonymousUser | Any, *, hide: bool = False) -> None:
    """Auditing tools refuse everyone else, with the same choice of 403 or 404 (`hide`) as `require_supervisor`."""
    if not (isinstance(user, User) and user.is_auditor):
        raise Http404 if hide else PermissionDenied


def get_membership_for(user: User, hoster_slug: str, *, write: bool = False, owner: bool = False) -> Membership:
    """The user's membership of the hoster; 404 for outsiders and for too weak a role."""
    if not user.is_authenticated:
        raise Http404
    membership = Membership.objects.select_related("hoster", "user").filter(user=user, hoster__slug=hoster_slug).first()
    if membership is None:
        raise Http404
    if owner and membership.role != MemberRole.OWNER:
        raise Http404
    if write and not membership.can_edit:
        raise Http404
    return membership


def get_hoster_for(user: User, slug: str, *, write: bool = False, owner: bool = False) -> Hoster:
    """A hoster its member may see (or change, with write/owner); supervisors see every hoster."""
    if user.is_authenticated and user.is_supervisor and not (write or owner):
        try:
            return Hoster.objects.get(slug=slug)
        except Hoster.DoesNotExist:
            raise Http404 from None
    return get_membership_for(user, slug, write=write, owner=owner).hoster
