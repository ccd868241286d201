"""URL routes of the measured-data pages (mounted at the site root)."""

from django.urls import path

from scoring.measurement import views

app_name = "scoring"
urlpatterns = [
    path("supervision/notices/", views.import_list, name="imports"),
    path("supervision/notices/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("supervision/notices/imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("supervision/notices/unattributed/", views.unattributed, name="unattributed"),
    path("supervision/disputes/", views.dispute_queue, name="dispute_queue"),
    path("supervision/disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("supervision/monitor/", views.monitor, name="monitor"),
    path("supervision/monitor/export.csv", views.monitor_csv, name="monitor_csv"),
    path("hoster/<slug:slug>/metrics/", views.hoster_metrics_page, name="hoster_metrics"),
    path("hoster/<slug:slug>/notices/", views.hoster_notices, name="hoster_notices"),
    path("hoster/<slug:slug>/notices/<int:pk>/dispute/", views.dispute_raise, name="dispute_raise"),
]
