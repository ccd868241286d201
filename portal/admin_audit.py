"""The admin's two kinds of model page: read-only, or audited so every change it makes lands in the audit log.

The site makes sure: any page registered as neither, such as those of allauth and django-tasks, is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from portal.audit import log_action
from portal.models import User


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """For records that change only through the services (or never): staff may look, not add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class AuditedAdmin(admin.ModelAdmin[Any]):
    """Writes an audit event next to Django's own LogEntry for every addition, change and deletion."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> LogEntry:
        log_action(_actor(request), "portal.admin.added", obj, {"model": obj._meta.label_lower, "change": message})
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> LogEntry:
        log_action(_actor(request), "portal.admin.changed", obj, {"model": obj._meta.label_lower, "change": message})
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            log_action(_actor(request), "portal.admin.deleted", obj, {"model": obj._meta.label_lower})
        return super().log_deletions(request, queryset)


class AuditedAdminSite(admin.AdminSite):
    """Registers every model page as audited unless it is read-only, whoever wrote it."""

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ReadOnlyAdmin | AuditedAdmin):
            admin_class = type(f"Audited{admin_class.__name__}", (AuditedAdmin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
