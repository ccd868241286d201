"""A verified hoster's public identity (name and website) changes only with a supervisor's approval.

The registry, verification pages, badges, public API and open data all show `Hoster.name` and `Hoster.website`,
so an owner's change to them is stored as a request and applied when a supervisor approves it. Until then the
public keeps the approved identity; the other company details save at once, as they always have.
"""

from __future__ import annotations

from typing import Any

import django.dispatch
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import Hoster, HosterIdentityChange, User
from portal.notify import notify_on_commit
from portal.services import PortalRefused, owners_of, supervisors, update_hoster_profile

hoster_identity_changed = django.dispatch.Signal()
"""Sent with `hoster` when a supervisor approved a new public name or website (the registry's caches listen)."""

IDENTITY_FIELDS = ("name", "website")


def needs_approval(hoster: Hoster) -> bool:
    """Only a verified hoster's identity is relied on by the public; an unverified one edits it directly."""
    return hoster.verification == Hoster.Verification.VERIFIED


@transaction.atomic
def save_hoster_profile(
    user: User, hoster: Hoster, profile: dict[str, Any]
) -> tuple[list[str], HosterIdentityChange | None]:
    """An owner's edit of the company details: the changed fields saved, and the identity change requested, if any."""
    current = Hoster.objects.select_for_update().get(pk=hoster.pk)
    identity = {field: profile[field] for field in IDENTITY_FIELDS if field in profile}
    if not needs_approval(current) or all(getattr(current, f) == v for f, v in identity.items()):
        return update_hoster_profile(user, hoster, profile), None
    rest = {field: value for field, value in profile.items() if field not in IDENTITY_FIELDS}
    changed = update_hoster_profile(user, hoster, rest)
    requested = {field: identity.get(field, getattr(current, field)) for field in IDENTITY_FIELDS}
    return changed, request_identity_change(user, current, requested["name"], requested["website"])


@transaction.atomic
def request_identity_change(user: User, hoster: Hoster, name: str, website: str) -> HosterIdentityChange:
    """Ask the supervisors to approve a new name and website; a request still pending is replaced by this one."""
    hoster = Hoster.objects.select_for_update().get(pk=hoster.pk)
    change = hoster.identity_changes.pending().first() or HosterIdentityChange(hoster=hoster)
    if change.pk and (change.name, change.website) == (name, website):
        return change  # the same request again: the supervisors already have it
    replaced = {"name": change.name, "website": change.website} if change.pk else None
    change.name, change.website = name, website
    change.previous_name, change.previous_website = hoster.name, hoster.website
    change.requested_by, change.requested_at = user, timezone.now()
    change.full_clean()
    change.save()
    log_action(
        user,
        "portal.hoster.identity_change_requested",
        hoster,
        {
            "change": change.pk,
            "from": _identity_of(hoster),
            "to": {"name": name, "website": website},
            "replaces": replaced,
        },
    )
    notify_on_commit(
        supervisors(),
        "email/portal_identity_change_requested",
        {
            "hoster": hoster,
            "change": change,
            "requested_by": user.email,
            "path": reverse("supervision_identity_changes"),
        },
    )
    return change


@transaction.atomic
def decide_identity_change(user: User, change: HosterIdentityChange, *, approve: bool, reason: str) -> Hoster:
    """A supervisor approves (the hoster takes the new identity) or rejects (it keeps its own) a pending request."""
    change = HosterIdentityChange.objects.select_for_update().get(pk=change.pk)
    if change.status != HosterIdentityChange.Status.PENDING:
        raise PortalRefused(_("This request was already decided."))
    if not approve and not reason.strip():
        raise PortalRefused(_("Give the reason for the rejection; the owners will read it."))
    hoster = Hoster.objects.select_for_update().get(pk=change.hoster_id)
    previous = _identity_of(hoster)
    if approve:
        hoster.name, hoster.website = change.name, change.website
        hoster.full_clean()
        hoster.save(update_fields=list(IDENTITY_FIELDS))
        hoster_identity_changed.send(sender=Hoster, hoster=hoster)
    change.status = HosterIdentityChange.Status.APPROVED if approve else HosterIdentityChange.Status.REJECTED
    change.decided_by, change.decided_at, change.reason = user, timezone.now(), reason
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    log_action(
        user,
        f"portal.hoster.identity_change_{change.status}",
        hoster,
        {
            "change": change.pk,
            "from": previous,
            "to": {"name": change.name, "website": change.website},
            "reason": reason,
        },
    )
    notify_on_commit(
        owners_of(hoster),
        "email/portal_identity_change_decided",
        {"hoster": hoster, "change": change, "approved": approve},
    )
    return hoster


def _identity_of(hoster: Hoster) -> dict[str, str]:
    return {"name": hoster.name, "website": hoster.website}
