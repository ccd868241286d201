"""Public API routes under /api/v1/ (no authentication): registry, hoster profiles, certificates."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from scoring.publication import api as registry_api

urlpatterns = [
    path("registry/", login_not_required(registry_api.RegistryList.as_view()), name="public_registry"),
    path("hosters/<slug:slug>/", login_not_required(registry_api.HosterProfile.as_view()), name="public_hoster"),
    path(
        "certificates/<slug:serial>/",
        login_not_required(registry_api.CertificateDetail.as_view()),
        name="public_certificate",
    ),
]
