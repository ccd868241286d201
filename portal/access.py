"""Access helpers: every object view fetches through one of these, so outsiders get a 404."""

from __future__ import annotations

from django.http import Http404

from portal.models import Hoster, MemberRole, Membership, User


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
