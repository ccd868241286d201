"""Django admin for staff: assessments are read-only here, since every change must go through the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from assessments.models import Answer, Assessment, Evidence, QuestionnaireVersion, Snapshot
from portal.admin_audit import ReadOnlyAdmin


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "published_at", "checksum")
    exclude = ("definition",)


class AnswerInline(admin.TabularInline[Answer, Assessment]):
    model = Answer
    fields = ("criterion_code", "value", "na", "justification", "comment", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("hoster", "questionnaire", "period_start", "period_end", "status", "submitted_at")
    list_filter = ("status", "questionnaire")
    search_fields = ("hoster__name", "hoster__slug")
    inlines = [AnswerInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("answer", "kind", "original_name", "detected_type", "size", "sha256", "uploaded_at")
    list_filter = ("kind", "detected_type")
    exclude = ("file",)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "created_at", "sha256")
