"""Public URL routes (no login): registry, hoster profiles, verification, PDFs, badges, monitor and open data."""

from django.urls import path

from scoring.publication import views

urlpatterns = [
    path("registry/", views.registry, name="registry"),
    path("registry/open-data.json", views.open_data_json, name="open_data_json"),
    path("registry/open-data.csv", views.open_data_csv, name="open_data_csv"),
    path("registry/<slug:slug>/", views.registry_hoster, name="registry_hoster"),
    path("verify/<slug:serial>/", views.verify, name="verify"),
    path("certificates/<slug:serial>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("badge/<slug:slug>.svg", views.badge, name="badge"),
    path("monitor/", views.monitor, name="monitor"),
    path("monitor/<slug:period>/", views.monitor_period, name="monitor_period"),
    path("monitor/<slug:period>.pdf", views.monitor_period_pdf, name="monitor_period_pdf"),
]
