"""Admin views of notices, import batches and disputes: read-only; changes go through the services, which audit them."""

from __future__ import annotations

from django.contrib import admin

from portal.admin_audit import ReadOnlyAdmin
from scoring.measurement.models import Dispute, ImportBatch, Notice


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "created_by", "channel", "source", "status", "created", "updated", "unchanged"]
    list_filter = ["status", "channel", "source"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["notice_id", "source", "reported_at", "removed_at", "hoster", "attribution", "excluded"]
    list_filter = ["source", "attribution", "excluded"]
    search_fields = ["notice_id", "url_host", "url_sha256"]
    list_select_related = ["hoster"]
    show_full_result_count = False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "hoster", "notice", "status", "outcome"]
    list_filter = ["status", "outcome"]
    raw_id_fields = ["notice"]
