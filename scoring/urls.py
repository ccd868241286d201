"""The `scoring` URL namespace, the app's one face for it (mounted at the site root): the measured data's pages
and the figures under the norm in force. A namespace is one include, so this face names the views of every stage.
"""

from django.urls import path

from scoring.measurement import hashcheck_views, notice_views, queue_views
from scoring.measurement import views as measurement
from scoring.publication import figures
from scoring.rating.models import model_and_norm_in_force

app_name = "scoring"
urlpatterns = [
    path("supervision/notices/", measurement.import_list, name="imports"),
    path("supervision/notices/imports/<int:pk>/", measurement.import_detail, name="import_detail"),
    path("supervision/notices/imports/<int:pk>/progress/", measurement.import_progress, name="import_progress"),
    path("supervision/notices/unattributed/", queue_views.unattributed, name="unattributed"),
    path("supervision/notices/unattributed/attribute/", queue_views.attribute, name="unattributed_attribute"),
    path("supervision/notices/unattributed/hosters/", queue_views.hoster_picker, name="unattributed_hosters"),
    path("supervision/disputes/", notice_views.dispute_queue, name="dispute_queue"),
    path("supervision/disputes/<int:pk>/", notice_views.dispute_detail, name="dispute_detail"),
    path("supervision/hash-checks/", hashcheck_views.hashchecks, name="hashchecks"),
    # The supervisor's ranking of hosters: "monitor" in its path and names, which links and bookmarks keep.
    path("supervision/monitor/", figures.ranking, name="monitor"),
    path("supervision/monitor/export.csv", figures.ranking_csv, name="monitor_csv"),
    path("hoster/<slug:slug>/metrics/", figures.hoster_figures, name="hoster_metrics"),
    # The notice pages mark notices overdue under the norm in force, which the measurement stage cannot ask for.
    path(
        "hoster/<slug:slug>/notices/",
        notice_views.hoster_notices,
        {"norm_source": model_and_norm_in_force},
        name="hoster_notices",
    ),
    path(
        "hoster/<slug:slug>/notices/export.csv",
        notice_views.hoster_notices_csv,
        {"norm_source": model_and_norm_in_force},
        name="hoster_notices_csv",
    ),
    path(
        "hoster/<slug:slug>/notices/<int:pk>/",
        notice_views.notice_detail,
        {"norm_source": model_and_norm_in_force},
        name="notice_detail",
    ),
    path("hoster/<slug:slug>/notices/<int:pk>/dispute/", notice_views.dispute_raise, name="dispute_raise"),
    path(
        "hoster/<slug:slug>/notices/<int:pk>/dispute/removal-time/",
        notice_views.dispute_removal_time,
        name="dispute_removal_time",
    ),
    path("hoster/<slug:slug>/disputes/<int:pk>/evidence/", notice_views.dispute_evidence, name="dispute_evidence"),
]
