"""Core records: users, hosting companies, memberships, invitations, API keys and the audit log."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.asn import is_asn, read_asn

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Role(models.TextChoices):
    """Scheme-wide roles, kept as Django groups."""

    AUDITOR = "auditor", _("Auditor")
    SUPERVISOR = "supervisor", _("Supervisor")


class User(AbstractUser):
    """A person; logs in with e-mail. `language` chooses the language of their e-mails."""

    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="nl")

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role | str) -> bool:
        return self.is_active and str(role) in self.role_names

    @property
    def is_supervisor(self) -> bool:
        return self.has_role(Role.SUPERVISOR)

    @property
    def is_auditor(self) -> bool:
        return self.has_role(Role.AUDITOR)


def validate_asn(value: int) -> None:
    if not is_asn(value):
        raise ValidationError(_("%(value)s is not an AS number (1 to 4294967295)."), params={"value": value})


def normalize_prefix(text: str) -> str:
    """An IPv4/IPv6 CIDR prefix in canonical form; host bits set are an error."""
    try:
        return str(ipaddress.ip_network(text.strip(), strict=True))
    except ValueError as exc:
        raise ValidationError(_("%(value)s is not a valid IP prefix: %(error)s"), params={"value": text, "error": exc})


def parse_asn(text: str) -> int:
    """`AS1234`, `as1234` or `1234` to 1234, read by `portal.asn` as every AS number is."""
    value = read_asn(text.strip())
    if value is None:
        raise ValidationError(_("%(value)s is not an AS number."), params={"value": text})
    validate_asn(value)
    return value


HOSTER_NAME_MAX_LENGTH = 120
# Control and format characters (line breaks, bidi overrides, zero-width marks) and line/paragraph separators.
_NOT_IN_A_NAME = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def validate_hoster_name(name: str) -> None:
    """A hoster's name is one plain line of limited length: it is shown in pages and in the supervisors' e-mail."""
    if any(unicodedata.category(char) in _NOT_IN_A_NAME for char in name):
        raise ValidationError(_("The name must be one line of text, without line breaks or control characters."))
    if len(name) > HOSTER_NAME_MAX_LENGTH:
        raise ValidationError(
            _("The name may be at most %(limit)d characters long."), params={"limit": HOSTER_NAME_MAX_LENGTH}
        )


class HosterQuerySet(models.QuerySet["Hoster"]):
    def for_member(self, user: User) -> HosterQuerySet:
        return self.filter(memberships__user=user).distinct()


class Hoster(models.Model):
    """A hosting company taking part in the scheme."""

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    coc_number = models.CharField(_("Chamber of Commerce number"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL", help_text=_("ISO 3166 two-letter code."))
    website = models.URLField(_("website"), blank=True)
    abuse_email = models.EmailField(_("abuse contact e-mail"), blank=True)
    asns = models.JSONField(_("AS numbers"), default=list, blank=True)
    prefixes = models.JSONField(_("IP prefixes"), default=list, blank=True)
    # Other names the hotline writes for this hoster ("NFORCE ENTERTAINMENT BV"), matched by `hoster_names`.
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    declared_customers = models.PositiveIntegerField(_("number of customers"), null=True, blank=True)
    declared_domains = models.PositiveIntegerField(_("number of domains"), null=True, blank=True)
    verification = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = HosterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("hoster")
        verbose_name_plural = _("hosters")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Sequence[StrOrPromise]] = {}
        try:
            validate_hoster_name(self.name)
        except ValidationError as exc:
            errors["name"] = exc.messages
        try:
            self.asns = sorted({parse_asn(str(a)) for a in self.asns or []})
        except ValidationError as exc:
            errors["asns"] = exc.messages
        try:
            self.prefixes = sorted({normalize_prefix(p) for p in self.prefixes or []})
        except ValidationError as exc:
            errors["prefixes"] = exc.messages
        if self.coc_number and not self.coc_number.isdigit():
            errors["coc_number"] = [_("A Chamber of Commerce number has digits only.")]
        if errors:
            raise ValidationError(errors)


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role in one hosting company."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hoster__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "hoster"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hoster} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in {MemberRole.OWNER, MemberRole.EDITOR}

    @property
    def is_owner(self) -> bool:
        return self.role == MemberRole.OWNER


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """An owner's invitation to join a hoster; accepted by the invitee once signed in."""

    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.EDITOR)
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.hoster} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A secret for machine clients: scoped to one hoster, or a supervisor's key. Only its hash is kept."""

    class Scope(models.TextChoices):
        HOSTER = "hoster", _("Hoster")
        SUPERVISOR = "supervisor", _("Supervisor")

    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="hoster", hoster__isnull=False) | Q(scope="supervisor", hoster__isnull=True),
                name="api_key_scope_matches_hoster",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class AppendOnly(models.Model):
    """A record that is written once: saving it again or deleting it raises."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(f"A {self._meta.verbose_name} cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"A {self._meta.verbose_name} cannot be deleted.")


class ImmutableQuerySet(models.QuerySet[Any]):
    """The records of any append-only model: they are neither updated nor deleted in bulk either."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("These records are append-only and cannot be updated.")

    def delete(self) -> NoReturn:
        raise TypeError("These records are append-only and cannot be deleted.")


class AuditEvent(AppendOnly):
    """One append-only, hash-chained entry of the audit log."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_repr}"

    def compute_hash(self) -> str:
        payload = {
            "prev": self.prev_hash,
            "at": self.at.isoformat(),
            "actor": self.actor_label,
            "action": self.action,
            "object": [self.object_type, self.object_id, self.object_repr],
            "data": self.data,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditHead(AppendOnly):
    """The audit log's head as published for a day: anchors the chain outside the database (DESIGN 4.6)."""

    day = models.DateField(unique=True)
    count = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        """The head as anyone writes it down and gives to `verify_audit_log --expect-head`."""
        return f"{self.count} {self.hash}"


class HosterIdentityChangeQuerySet(models.QuerySet["HosterIdentityChange"]):
    def pending(self) -> HosterIdentityChangeQuerySet:
        return self.filter(status=HosterIdentityChange.Status.PENDING)


class HosterIdentityChange(models.Model):
    """An owner's request to change the public name or website of a verified hoster, until a supervisor decides.

    The public relies on a verified hoster's identity, so the hoster keeps its approved one meanwhile.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    hoster = models.ForeignKey(Hoster, on_delete=models.CASCADE, related_name="identity_changes")
    name = models.CharField(_("requested name"), max_length=200)
    website = models.URLField(_("requested website"), blank=True)
    previous_name = models.CharField(_("name until then"), max_length=200)
    previous_website = models.URLField(_("website until then"), blank=True)
    # The aliases asked for (None: left as they are) and those the hoster had when asked.
    aliases = models.JSONField(_("requested aliases"), null=True, blank=True)
    previous_aliases = models.JSONField(_("aliases until then"), default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = HosterIdentityChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["hoster"], condition=Q(status="pending"), name="one_pending_identity_change_per_hoster"
            )
        ]

    def __str__(self) -> str:
        return f"{self.previous_name} → {self.name} ({self.status})"
