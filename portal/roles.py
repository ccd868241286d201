"""The scheme's role groups and their model permissions, kept in place after every migrate (and test flush)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from portal.models import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SUPERVISOR: [
        "portal.view_hoster",
        "portal.change_hoster",
        "portal.view_membership",
        "portal.view_invitation",
        "portal.view_apikey",
        "portal.view_auditevent",
        "portal.view_user",
    ],
    Role.AUDITOR: [
        "portal.view_hoster",
    ],
}


def ensure_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    """post_migrate: the auditor and supervisor groups exist and hold their permissions."""
    create_permissions(sender, verbosity=0)  # the portal's own permissions, whatever order the handlers run in
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        for code in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
