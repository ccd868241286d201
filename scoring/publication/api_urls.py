"""Public API routes under /api/v1/ (no authentication): registry, hoster profiles, certificates, monitor periods."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from scoring.publication import api as registry_api
from scoring.publication import monitor_api

urlpatterns = [
    path("registry/", login_not_required(registry_api.RegistryList.as_view()), name="public_registry"),
    path("hosters/<slug:slug>/", login_not_required(registry_api.HosterProfile.as_view()), name="public_hoster"),
    path(
        "certificates/<slug:serial>/",
        login_not_required(registry_api.CertificateDetail.as_view()),
        name="public_certificate",
    ),
    path(
        "monitor-periods/", login_not_required(monitor_api.MonitorPeriodList.as_view()), name="public_monitor_periods"
    ),
    path(
        "monitor-periods/<slug:code>/",
        login_not_required(monitor_api.MonitorPeriodDetail.as_view()),
        name="public_monitor_period",
    ),
]
