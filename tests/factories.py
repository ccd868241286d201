"""Small factories for the personas the tests use."""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from portal.models import Hoster, MemberRole, Membership, Role, User

PASSWORD = "correct-horse-battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_seq = itertools.count(1)


def make_user(email: str | None = None, *, language: str = "en", verified: bool = True) -> User:
    email = email or f"user{next(_seq)}@example.org"
    user = User.objects.create_user(username=email, email=email, password=PASSWORD, language=language)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_hoster(slug: str | None = None, **fields) -> Hoster:
    slug = slug or f"hoster-{next(_seq)}"
    defaults = {"name": slug.replace("-", " ").title(), "verification": Hoster.Verification.VERIFIED}
    return Hoster.objects.create(slug=slug, **{**defaults, **fields})


def make_member(hoster: Hoster, role: MemberRole | str = MemberRole.OWNER, **user_fields) -> User:
    user = make_user(**user_fields)
    Membership.objects.create(user=user, hoster=hoster, role=role)
    return user


def make_role_user(role: Role, *, mfa: bool = True, **user_fields) -> User:
    user = make_user(**user_fields)
    user.groups.add(Group.objects.get(name=role))
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user
