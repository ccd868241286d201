"""Django admin for staff: people and hosters are edited here, each change audited; all else is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.admin_audit import AuditedAdmin, ReadOnlyAdmin
from portal.models import ApiKey, AuditEvent, Hoster, Invitation, Membership, User


@admin.register(User)
class PortalUserAdmin(AuditedAdmin, UserAdmin[User]):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Portal", {"fields": ("language",)}))
    list_display = ("email", "username", "is_staff", "is_active", "language")
    search_fields = ("email", "username")


class MembershipInline(admin.TabularInline[Membership, Hoster]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Hoster)
class HosterAdmin(AuditedAdmin):
    list_display = ("name", "slug", "verification", "country")
    list_filter = ("verification", "country")
    search_fields = ("name", "slug", "legal_name", "coc_number")
    prepopulated_fields = {"slug": ("name",)}
    # What notices are attributed by changes only on the portal's own pages, which check it against every other
    # hoster and re-attribute the notices concerned (portal.identity, portal.services).
    readonly_fields = ("asns", "prefixes", "aliases")
    inlines = [MembershipInline]


# Invitations are mailed and API keys shown once by the portal's own pages, which also audit their revocation.
@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "hoster", "role", "created_at", "accepted_at", "revoked_at")
    exclude = ("token",)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "scope", "hoster", "prefix", "created_at", "revoked_at")
    exclude = ("key_hash",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_label", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("action", "actor_label", "object_repr")
