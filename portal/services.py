"""Changes to hosters, memberships, invitations and scheme roles: one atomic, audited function per verb."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django.dispatch
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import Hoster, Invitation, MemberRole, Membership, Role, User
from portal.notify import notify_on_commit, send_templated
from portal.refusals import Refusal

# Sent after a hoster's declared ASNs or IP prefixes changed (kwarg `hoster`), so notices can be re-attributed.
hoster_network_changed = django.dispatch.Signal()

# Path segments under /hosters/ that are pages, not hosters.
RESERVED_SLUGS = frozenset({"new", "switch"})

PROFILE_FIELDS = (
    "name",
    "legal_name",
    "coc_number",
    "country",
    "website",
    "abuse_email",
    "declared_customers",
    "declared_domains",
)


# ValidationError's `message` may be lazy; a refusal's is the plain text it was given, so the two agree here.
class PortalRefused(Refusal, ValidationError):  # type: ignore[misc]
    """A change to a hoster, its members, an invitation or a scheme role that the rules do not allow.

    Also a ValidationError, as these rules have always been, so callers that validate input keep catching them.
    """

    def __init__(self, message: str) -> None:
        Refusal.__init__(self, message)
        ValidationError.__init__(self, self.message)


def supervisors() -> list[User]:
    return list(User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).distinct().order_by("pk"))


def owners_of(hoster: Hoster) -> list[User]:
    owners = User.objects.filter(memberships__hoster=hoster, memberships__role=MemberRole.OWNER, is_active=True)
    return list(owners.order_by("pk"))


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "hoster"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Hoster.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def register_hoster(user: User, profile: dict[str, Any]) -> Hoster:
    """A new, unverified hoster with `user` as its first owner; supervisors are told to verify it."""
    hoster = Hoster(slug=_unique_slug(profile["name"]), verification=Hoster.Verification.UNVERIFIED)
    for field in PROFILE_FIELDS:
        if field in profile:
            setattr(hoster, field, profile[field])
    hoster.full_clean()
    hoster.save()
    Membership.objects.create(user=user, hoster=hoster, role=MemberRole.OWNER)
    log_action(user, "portal.hoster.registered", hoster, {"slug": hoster.slug, "name": hoster.name})
    notify_on_commit(
        supervisors(),
        "email/portal_hoster_registered",
        {"hoster": hoster, "registered_by": user.email, "path": reverse("supervision_hosters")},
    )
    return hoster


@transaction.atomic
def update_hoster_profile(user: User, hoster: Hoster, profile: dict[str, Any]) -> list[str]:
    """Store an owner's changes to the company's details; returns the names of the changed fields."""
    current = Hoster.objects.select_for_update().get(pk=hoster.pk)
    changes = {
        field: [getattr(current, field), profile[field]]
        for field in PROFILE_FIELDS
        if field in profile and getattr(current, field) != profile[field]
    }
    if not changes:
        return []
    for field, (_old, new) in changes.items():
        setattr(current, field, new)
    current.full_clean()
    current.save(update_fields=list(changes))
    for field in changes:
        setattr(hoster, field, getattr(current, field))
    log_action(user, "portal.hoster.updated", current, {"changes": changes})
    return list(changes)


@transaction.atomic
def update_hoster_network(user: User, hoster: Hoster, asns: list[int], prefixes: list[str]) -> bool:
    """A supervisor sets the hoster's ASNs and prefixes; returns whether anything changed."""
    current = Hoster.objects.select_for_update().get(pk=hoster.pk)
    old = {"asns": list(current.asns), "prefixes": list(current.prefixes)}
    current.asns, current.prefixes = asns, prefixes
    current.full_clean()
    new = {"asns": current.asns, "prefixes": current.prefixes}
    if new == old:
        return False
    current.save(update_fields=["asns", "prefixes"])
    hoster.asns, hoster.prefixes = current.asns, current.prefixes
    log_action(user, "portal.hoster.network_changed", current, {"old": old, "new": new})
    hoster_network_changed.send(sender=Hoster, hoster=current, actor=user)
    return True


@transaction.atomic
def decide_verification(user: User, hoster: Hoster, verification: str, reason: str) -> Hoster:
    """A supervisor verifies or rejects a hoster with a reason; its owners are told by e-mail."""
    if verification not in {Hoster.Verification.VERIFIED, Hoster.Verification.REJECTED}:
        raise PortalRefused(_("Choose to verify or to reject the hoster."))
    if verification == Hoster.Verification.REJECTED and not reason.strip():
        raise PortalRefused(_("Give the reason for the rejection; the owners will read it."))
    current = Hoster.objects.select_for_update().get(pk=hoster.pk)
    previous = current.verification
    current.verification = verification
    current.save(update_fields=["verification"])
    hoster.verification = verification
    log_action(user, f"portal.hoster.{verification}", current, {"previous": previous, "reason": reason})
    notify_on_commit(
        owners_of(current),
        "email/portal_hoster_verification",
        {"hoster": current, "verified": verification == Hoster.Verification.VERIFIED, "reason": reason},
    )
    return current


def _lock_owners(hoster: Hoster) -> list[int]:
    """Lock the owner memberships so two owners cannot demote each other at the same time."""
    return list(
        Membership.objects.select_for_update()
        .filter(hoster=hoster, role=MemberRole.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def change_member_role(user: User, membership: Membership, role: str) -> Membership:
    if role not in MemberRole.values:
        raise PortalRefused(_("Choose owner, editor or viewer."))
    owner_ids = _lock_owners(membership.hoster)
    membership = Membership.objects.select_for_update().select_related("user", "hoster").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == MemberRole.OWNER and owner_ids == [membership.pk]:
        raise PortalRefused(
            _("%(email)s is the last owner of %(hoster)s. Make another member owner first.")
            % {"email": membership.user.email, "hoster": membership.hoster.name}
        )
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    log_action(
        user,
        "portal.membership.role_changed",
        membership,
        {"hoster": membership.hoster.slug, "member": membership.user.email, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def remove_member(user: User, membership: Membership) -> None:
    owner_ids = _lock_owners(membership.hoster)
    membership = Membership.objects.select_for_update().select_related("user", "hoster").get(pk=membership.pk)
    if owner_ids == [membership.pk]:
        raise PortalRefused(
            _("%(email)s is the last owner of %(hoster)s and cannot be removed. Make another member owner first.")
            % {"email": membership.user.email, "hoster": membership.hoster.name}
        )
    log_action(
        user,
        "portal.membership.removed",
        membership,
        {"hoster": membership.hoster.slug, "member": membership.user.email, "role": membership.role},
    )
    membership.delete()


# The portal's mail must not become a spam cannon: invitations per inviter and per hoster, counted in the database.
INVITATIONS_PER_USER_PER_HOUR = 10
INVITATIONS_PER_HOSTER_PER_DAY = 20
OPEN_INVITATIONS_WHILE_UNVERIFIED = 3


def _check_invitation_limits(user: User, hoster: Hoster, email: str) -> None:
    now = timezone.now()
    if Invitation.objects.filter(invited_by=user, created_at__gt=now - timedelta(hours=1)).count() >= (
        INVITATIONS_PER_USER_PER_HOUR
    ):
        raise PortalRefused(
            _("You have sent %(count)d invitations in the last hour, the most allowed. Please try again later.")
            % {"count": INVITATIONS_PER_USER_PER_HOUR}
        )
    if Invitation.objects.filter(hoster=hoster, created_at__gt=now - timedelta(days=1)).count() >= (
        INVITATIONS_PER_HOSTER_PER_DAY
    ):
        raise PortalRefused(
            _(
                "%(hoster)s has sent %(count)d invitations in the last 24 hours, the most allowed. "
                "Please try again tomorrow."
            )
            % {"hoster": hoster.name, "count": INVITATIONS_PER_HOSTER_PER_DAY}
        )
    if hoster.verification != Hoster.Verification.VERIFIED:
        still_open = Invitation.objects.filter(
            hoster=hoster, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).exclude(email__iexact=email)  # an invitation to the same address is replaced, not added
        if still_open.count() >= OPEN_INVITATIONS_WHILE_UNVERIFIED:
            raise PortalRefused(
                _(
                    "%(hoster)s is not verified yet and can have at most %(count)d open invitations. "
                    "Revoke one, or wait until a supervisor has verified the company."
                )
                % {"hoster": hoster.name, "count": OPEN_INVITATIONS_WHILE_UNVERIFIED}
            )


@transaction.atomic
def invite_member(user: User, hoster: Hoster, email: str, role: str, language: str) -> Invitation:
    """Invite `email` with `role`; an earlier open invitation to the same address is replaced.

    The e-mail is written in `language`, the inviter's current language: the invitee may have no account yet.
    """
    email = email.strip()
    if Membership.objects.filter(hoster=hoster, user__email__iexact=email).exists():
        raise PortalRefused(_("%(email)s is already a member of %(hoster)s.") % {"email": email, "hoster": hoster.name})
    hoster = Hoster.objects.select_for_update().get(pk=hoster.pk)  # one invitation of a hoster counted at a time
    _check_invitation_limits(user, hoster, email)
    now = timezone.now()
    replaced = Invitation.objects.filter(
        hoster=hoster, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    for old in replaced:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        log_action(user, "portal.invitation.revoked", old, {"hoster": hoster.slug, "replaced": True})
    invitation = Invitation.objects.create(hoster=hoster, email=email, role=role, invited_by=user)
    log_action(user, "portal.invitation.created", invitation, {"hoster": hoster.slug, "email": email, "role": role})
    context = {
        "hoster": hoster,
        "invitation": invitation,
        "inviter": user.get_full_name() or user.email,
        "role": invitation.get_role_display(),
        "path": reverse("invitation_accept", args=[invitation.token]),
    }
    transaction.on_commit(lambda: send_templated(email, language, "email/portal_invitation", context))
    return invitation


@transaction.atomic
def revoke_invitation(user: User, invitation: Invitation) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    log_action(user, "portal.invitation.revoked", invitation, {"hoster": invitation.hoster.slug})


def can_accept(user: User, invitation: Invitation) -> bool:
    """Whether one of the user's verified addresses is the invited one."""
    return bool(EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists())


@transaction.atomic
def accept_invitation(user: User, invitation: Invitation) -> Membership:
    invitation = Invitation.objects.select_for_update().select_related("hoster").get(pk=invitation.pk)
    if not invitation.is_open:
        raise PortalRefused(_("This invitation is no longer valid. Ask an owner of the hoster for a new one."))
    if not can_accept(user, invitation):
        raise PortalRefused(
            _(
                "This invitation was sent to another e-mail address. Sign in with that address, "
                "or add and verify it under E-mail addresses, then open the link again."
            )
        )
    if Membership.objects.filter(user=user, hoster=invitation.hoster).exists():
        raise PortalRefused(_("You are already a member of %(hoster)s.") % {"hoster": invitation.hoster})
    membership = Membership.objects.create(user=user, hoster=invitation.hoster, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    log_action(
        user,
        "portal.invitation.accepted",
        invitation,
        {"hoster": invitation.hoster.slug, "membership": membership.pk, "role": membership.role},
    )
    return membership


def _other_active_supervisors(user: User) -> bool:
    return User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).exclude(pk=user.pk).exists()


@transaction.atomic
def grant_role(actor: User, user: User, role: Role | str) -> bool:
    """Give `user` a scheme role; returns False when they already had it."""
    group = Group.objects.select_for_update().get(name=str(role))
    if user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.add(group)
    user.__dict__.pop("role_names", None)
    log_action(actor, "portal.role.granted", user, {"role": str(role), "user": user.email})
    return True


@transaction.atomic
def revoke_role(actor: User, user: User, role: Role | str) -> bool:
    """Take a scheme role from `user`; the last active supervisor keeps theirs. Returns False when they lacked it."""
    group = Group.objects.select_for_update().get(name=str(role))
    if not user.groups.filter(pk=group.pk).exists():
        return False
    if str(role) == Role.SUPERVISOR and user.is_active and not _other_active_supervisors(user):
        raise PortalRefused(
            _("%(email)s is the last supervisor. Grant the supervisor role to someone else first.")
            % {"email": user.email}
        )
    user.groups.remove(group)
    user.__dict__.pop("role_names", None)
    log_action(actor, "portal.role.revoked", user, {"role": str(role), "user": user.email})
    return True
