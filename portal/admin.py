"""Django admin for staff; audit events are read-only there."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import ApiKey, AuditEvent, Hoster, Invitation, Membership, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Portal", {"fields": ("language",)}))
    list_display = ("email", "username", "is_staff", "is_active", "language")
    search_fields = ("email", "username")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Hoster)
class HosterAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "verification", "country")
    list_filter = ("verification", "country")
    search_fields = ("name", "slug", "legal_name", "coc_number")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "hoster", "role", "created_at", "accepted_at", "revoked_at")
    exclude = ("token",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "scope", "hoster", "prefix", "created_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "actor_label", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("action", "actor_label", "object_repr")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
