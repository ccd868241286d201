"""A verified hoster's public identity (name and website) and every hoster's aliases change only with a supervisor's
approval.

The registry, verification pages, badges, public API and open data all show `Hoster.name` and `Hoster.website`,
so an owner's change to them is stored as a request and applied when a supervisor approves it. Until then the
public keeps the approved identity; the other company details save at once, as they always have. Aliases — names
as the hotline writes them — decide which notices are a hoster's, so an owner's change to them always waits for
the supervisor; a supervisor edits them directly. A change of names re-attributes the notices they name.
"""

from __future__ import annotations

from typing import Any

import django.dispatch
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.audit import log_action
from portal.hoster_aliases import check_name, clean_aliases
from portal.hoster_names import name_keys
from portal.models import Hoster, HosterIdentityChange, User
from portal.notify import notify_on_commit
from portal.services import (
    PortalRefused,
    hoster_network_changed,
    owners_of,
    supervisors,
    update_hoster_network,
    update_hoster_profile,
)

hoster_identity_changed = django.dispatch.Signal()
"""Sent with `hoster` when a supervisor approved a new public name or website (the registry's caches listen)."""

IDENTITY_FIELDS = ("name", "website")


def needs_approval(hoster: Hoster) -> bool:
    """Only a verified hoster's identity is relied on by the public; an unverified one edits it directly."""
    return hoster.verification == Hoster.Verification.VERIFIED


REQUESTED = "portal.hoster.identity_change_requested"


def _keys(hoster: Hoster) -> set[str]:
    return name_keys(hoster.slug, hoster.name, hoster.legal_name, hoster.aliases or [])


def _stored_reason(text: str, **values: str) -> str:
    """The reason the notices' history keeps (`gettext_noop` text), in the portal's language whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values


def names_reason(hoster: Hoster, old_name: str, old_aliases: list[str]) -> str:
    """Why notices moved, in a few words: the one alias added or removed, the new name, or names in general."""
    old = {alias.casefold(): alias for alias in old_aliases}
    new = {alias.casefold(): alias for alias in hoster.aliases or []}
    added, removed = [new[k] for k in new if k not in old], [old[k] for k in old if k not in new]
    if old_name == hoster.name and len(added) + len(removed) == 1:
        if added:
            return _stored_reason(
                gettext_noop("alias “%(alias)s” added to %(hoster)s"), alias=added[0], hoster=hoster.name
            )
        return _stored_reason(
            gettext_noop("alias “%(alias)s” removed from %(hoster)s"), alias=removed[0], hoster=hoster.name
        )
    if old_name != hoster.name and not added and not removed:
        return _stored_reason(gettext_noop("%(old)s renamed %(hoster)s"), old=old_name, hoster=hoster.name)
    return _stored_reason(gettext_noop("names or aliases of %(hoster)s changed"), hoster=hoster.name)


def announce_names(
    user: User | None, hoster: Hoster, old_keys: set[str], old_name: str, old_aliases: list[str]
) -> None:
    """When the hoster's name keys changed, have the notices they name re-attributed (in this transaction)."""
    if _keys(hoster) != old_keys:
        reason = names_reason(hoster, old_name, old_aliases)
        hoster_network_changed.send(sender=Hoster, hoster=hoster, actor=user, old_name_keys=old_keys, reason=reason)


@transaction.atomic
def update_hoster_aliases(user: User, hoster: Hoster, aliases: list[str]) -> bool:
    """A supervisor sets the hoster's aliases (checked against every other hoster); whether anything changed."""
    current = Hoster.objects.select_for_update().get(pk=hoster.pk)
    cleaned = clean_aliases(aliases, current.slug)
    old_aliases, old_keys = list(current.aliases or []), _keys(current)
    if cleaned == old_aliases:
        return False
    current.aliases = hoster.aliases = cleaned
    current.save(update_fields=["aliases"])
    log_action(user, "portal.hoster.aliases_changed", current, {"old": old_aliases, "new": cleaned})
    announce_names(user, current, old_keys, current.name, old_aliases)
    return True


@transaction.atomic
def update_hoster_declarations(
    user: User, hoster: Hoster, asns: list[int], prefixes: list[str], aliases: list[str]
) -> bool:
    """The supervisor's edit of what a hoster's notices are recognised by: its network and its aliases."""
    network = update_hoster_network(user, hoster, asns, prefixes)
    return update_hoster_aliases(user, hoster, aliases) or network


def requested_aliases(change: HosterIdentityChange) -> list[str] | None:
    """The aliases a request asks for, or None when it leaves them as they are."""
    return None if change.aliases is None else list(change.aliases)


@transaction.atomic
def save_hoster_profile(
    user: User, hoster: Hoster, profile: dict[str, Any]
) -> tuple[list[str], HosterIdentityChange | None]:
    """An owner's edit of the company details: the changed fields saved, and the identity change requested, if any.

    `profile["aliases"]`, when given, is the list of aliases the owner wants: a change to it is always requested.
    """
    current = Hoster.objects.select_for_update().get(pk=hoster.pk)
    details = {name: value for name, value in profile.items() if name != "aliases"}
    aliases = profile.get("aliases")
    identity = {name: details[name] for name in IDENTITY_FIELDS if name in details}
    supervised = needs_approval(current) and any(getattr(current, f) != v for f, v in identity.items())
    pending = current.identity_changes.pending().first()
    pending_aliases = requested_aliases(pending) if pending else None
    wanted = list(aliases) if aliases is not None else pending_aliases
    if not supervised and (wanted is None or wanted == list(current.aliases or [])):
        return _save_details(user, hoster, details), None
    rest = {name: value for name, value in details.items() if not (supervised and name in IDENTITY_FIELDS)}
    changed = _save_details(user, hoster, rest)
    if supervised:
        name, website = (identity.get(f, getattr(current, f)) for f in IDENTITY_FIELDS)
    elif pending is not None:  # the name and website still requested stay requested
        name, website = pending.name, pending.website
    else:
        name, website = hoster.name, hoster.website
    return changed, request_identity_change(user, hoster, name, website, wanted)


def _save_details(user: User, hoster: Hoster, details: dict[str, Any]) -> list[str]:
    """The details that save at once; a new name or legal name (of an unverified hoster) re-attributes."""
    old_keys, old_name, old_aliases = _keys(hoster), hoster.name, list(hoster.aliases or [])
    changed = update_hoster_profile(user, hoster, details)
    if {"name", "legal_name"} & set(changed):
        announce_names(user, hoster, old_keys, old_name, old_aliases)
    return changed


@transaction.atomic
def request_identity_change(
    user: User, hoster: Hoster, name: str, website: str, aliases: list[str] | None = None
) -> HosterIdentityChange:
    """Ask the supervisors to approve a new name, website and (unless None) aliases; a request still pending is
    replaced by this one."""
    hoster = Hoster.objects.select_for_update().get(pk=hoster.pk)
    change = hoster.identity_changes.pending().first() or HosterIdentityChange(hoster=hoster)
    if change.pk and (change.name, change.website, requested_aliases(change)) == (name, website, aliases):
        return change  # the same request again: the supervisors already have it
    replaced = {"name": change.name, "website": change.website} if change.pk else None
    change.name, change.website = name, website
    change.previous_name, change.previous_website = hoster.name, hoster.website
    change.aliases = None if aliases is None else list(aliases)
    change.previous_aliases = list(hoster.aliases or [])
    change.requested_by, change.requested_at = user, timezone.now()
    change.full_clean()
    change.save()
    data: dict[str, Any] = {
        "change": change.pk,
        "from": _identity_of(hoster),
        "to": {"name": name, "website": website},
        "replaces": replaced,
    }
    if aliases is not None:
        data["aliases"] = {"from": list(hoster.aliases or []), "to": list(aliases)}
    log_action(user, REQUESTED, hoster, data)
    notify_on_commit(
        supervisors(),
        "email/portal_identity_change_requested",
        {
            "hoster": hoster,
            "change": change,
            "requested_by": user.email,
            "path": reverse("supervision_identity_changes"),
            "aliases": aliases,
            "aliases_only": _aliases_only(change),
        },
    )
    return change


def _aliases_only(change: HosterIdentityChange) -> bool:
    """Whether a request leaves the name and website as they were: it asks for other aliases only."""
    return (change.name, change.website) == (change.previous_name, change.previous_website)


@transaction.atomic
def decide_identity_change(user: User, change: HosterIdentityChange, *, approve: bool, reason: str) -> Hoster:
    """A supervisor approves (the hoster takes the new identity and aliases) or rejects (it keeps its own) a
    pending request."""
    change = HosterIdentityChange.objects.select_for_update().get(pk=change.pk)
    if change.status != HosterIdentityChange.Status.PENDING:
        raise PortalRefused(_("This request was already decided."))
    if not approve and not reason.strip():
        raise PortalRefused(_("Give the reason for the rejection; the owners will read it."))
    hoster = Hoster.objects.select_for_update().get(pk=change.hoster_id)
    previous = _identity_of(hoster)
    aliases = requested_aliases(change)
    old_keys, old_aliases = _keys(hoster), list(hoster.aliases or [])
    if approve:
        _apply_request(hoster, change, aliases)
    change.status = HosterIdentityChange.Status.APPROVED if approve else HosterIdentityChange.Status.REJECTED
    change.decided_by, change.decided_at, change.reason = user, timezone.now(), reason
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    data: dict[str, Any] = {
        "change": change.pk,
        "from": previous,
        "to": {"name": change.name, "website": change.website},
        "reason": reason,
    }
    if aliases is not None:
        data["aliases"] = {"from": old_aliases, "to": aliases}
    log_action(user, f"portal.hoster.identity_change_{change.status}", hoster, data)
    if approve:
        announce_names(user, hoster, old_keys, previous["name"], old_aliases)
    notify_on_commit(
        owners_of(hoster),
        "email/portal_identity_change_decided",
        {"hoster": hoster, "change": change, "approved": approve, "aliases_only": _aliases_only(change)},
    )
    return hoster


def _apply_request(hoster: Hoster, change: HosterIdentityChange, aliases: list[str] | None) -> None:
    """Give the hoster what the request changes: its name and website (when they differ from those it was made
    against: an unverified hoster renames itself meanwhile) and its aliases, checked again now."""
    fields = [f for f in IDENTITY_FIELDS if getattr(change, f) != getattr(change, f"previous_{f}")]
    for name in fields:
        setattr(hoster, name, getattr(change, name))
    try:
        if "name" in fields:
            check_name(hoster.name, hoster.slug)
        if aliases is not None:
            hoster.aliases = clean_aliases(aliases, hoster.slug)
            fields.append("aliases")
    except ValidationError as exc:
        raise PortalRefused(" ".join(exc.messages)) from exc
    hoster.full_clean()
    if fields:
        hoster.save(update_fields=fields)
    if {"name", "website"} & set(fields):
        hoster_identity_changed.send(sender=Hoster, hoster=hoster)


def _identity_of(hoster: Hoster) -> dict[str, str]:
    return {"name": hoster.name, "website": hoster.website}
