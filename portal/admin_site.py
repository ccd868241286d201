"""The admin app with the portal's admin site, which audits every model page that can change something."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    # A dotted path: the site's module imports models, which cannot be loaded while the apps are being set up.
    default_site = "portal.admin_audit.AuditedAdminSite"
