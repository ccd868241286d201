"""Admin views of notices, import batches and disputes: read-mostly; changes go through the services."""

from __future__ import annotations

from django.contrib import admin

from scoring.measurement.models import Dispute, ImportBatch, Notice


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "created_by", "channel", "source", "status", "created", "updated", "unchanged"]
    list_filter = ["status", "channel", "source"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["notice_id", "source", "reported_at", "removed_at", "hoster", "attribution", "excluded"]
    list_filter = ["source", "attribution", "excluded"]
    search_fields = ["notice_id", "url_host", "url_sha256"]
    readonly_fields = [field.name for field in Notice._meta.fields]
    list_select_related = ["hoster"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "hoster", "notice", "status", "outcome"]
    list_filter = ["status", "outcome"]
    raw_id_fields = ["notice"]
    readonly_fields = [field.name for field in Dispute._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
