"""Demo data of the core: hosters, their staff, an auditor and a supervisor with TOTP ready."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from portal.models import Hoster, MemberRole, Membership, Role, User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo login
# A fixed TOTP secret so a demo user can add it to an authenticator app (base32).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - published demo login

DEMO_HOSTERS = [
    # slug, name, legal name, asns, prefixes, customers, domains
    ("bulkhost", "BulkHost B.V.", "BulkHost B.V.", [64500], ["192.0.2.0/24", "2001:db8:100::/48"], 45000, 900000),
    ("cleanhost", "CleanHost", "CleanHost Nederland B.V.", [64501], ["198.51.100.0/24"], 8000, 40000),
    ("steadyhost", "SteadyHost", "SteadyHost B.V.", [64502], ["203.0.113.0/25"], 3000, 12000),
]


def ensure_user(email: str, *, language: str = "nl", first_name: str = "") -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"username": email, "language": language, "first_name": first_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def ensure_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


def ensure_hoster(slug: str, name: str, **fields: Any) -> Hoster:
    """A verified demo hoster with example.org-style addresses; `fields` fill in the rest on first creation."""
    defaults = {
        "name": name,
        "website": f"https://{slug}.example",
        "abuse_email": f"abuse@{slug}.example",
        "verification": Hoster.Verification.VERIFIED,
        **fields,
    }
    return Hoster.objects.get_or_create(slug=slug, defaults=defaults)[0]


def ensure_staff(hoster: Hoster, roles: tuple[tuple[str, str], ...]) -> None:
    """`role@<slug>.example` members of the hoster, each with their e-mail language."""
    for role, language in roles:
        user = ensure_user(f"{role}@{hoster.slug}.example", language=language)
        Membership.objects.get_or_create(user=user, hoster=hoster, defaults={"role": role})


def seed() -> None:
    for slug, name, legal, asns, prefixes, customers, domains in DEMO_HOSTERS:
        hoster = ensure_hoster(
            slug,
            name,
            legal_name=legal,
            asns=asns,
            prefixes=prefixes,
            declared_customers=customers,
            declared_domains=domains,
        )
        ensure_staff(hoster, ((MemberRole.OWNER, "nl"), (MemberRole.EDITOR, "en"), (MemberRole.VIEWER, "nl")))
    for role, email, language in (
        (Role.AUDITOR, "auditor@goodhoster.example", "en"),
        (Role.SUPERVISOR, "supervisor@goodhoster.example", "nl"),
    ):
        user = ensure_user(email, language=language)
        user.groups.add(Group.objects.get(name=role))
        ensure_totp(user)


def demo_logins() -> list[tuple[str, str]]:
    """Every demo user (an address at .example) with what they are, for the printed login list."""
    users = (
        User.objects.filter(email__endswith=".example")
        .prefetch_related("memberships__hoster", "groups")
        .order_by("email")
    )
    logins = []
    for user in users:
        roles = [f"{m.role} of {m.hoster.name}" for m in user.memberships.all()]
        roles += [f"{group.name} (TOTP secret {DEMO_TOTP_SECRET})" for group in user.groups.all()]
        logins.append((user.email, ", ".join(roles) or "no role"))
    return logins
