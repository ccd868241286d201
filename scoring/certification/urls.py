"""Supervisor routes for certificates (no namespace, mounted at the site root)."""

from django.urls import path

from scoring.certification import views

urlpatterns = [
    path("supervision/certificates/", views.certificate_list, name="supervision_certificates"),
    path(
        "supervision/certificates/<slug:serial>/<slug:action>/",
        views.certificate_action,
        name="supervision_certificate_action",
    ),
]
