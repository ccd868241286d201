"""Route of the public audit-head page; the site mounts it at `/audit/`."""

from django.urls import path

from portal import audit_views

urlpatterns = [
    path("", audit_views.audit_heads, name="audit_heads"),
]
