"""Publication routes (no namespace, mounted at the site root): the public pages, which need no login, the
supervisor's monitor-period pages and a hoster's own draft figures of a period in review, which do."""

from django.urls import path

from scoring.publication import open_data, review_views, supervision, views

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
    path("monitor/<slug:code>.json", open_data.monitor_period_json, name="monitor_period_json"),
    path("monitor/<slug:code>.csv", open_data.monitor_period_csv, name="monitor_period_csv"),
    path("supervision/monitor-periods/", supervision.monitor_periods, name="supervision_monitor_periods"),
    path("supervision/monitor-periods/<slug:code>/", supervision.monitor_review, name="supervision_monitor_review"),
    path("hoster/<slug:slug>/monitor/<slug:code>/", review_views.hoster_draft, name="monitor_review_hoster"),
]
