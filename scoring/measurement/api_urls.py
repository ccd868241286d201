"""API routes of the measured-data side (under /api/v1/)."""

from django.urls import path

from scoring.measurement.api import NoticeImportView

app_name = "scoring_api"
urlpatterns = [
    path("notices/", NoticeImportView.as_view(), name="notices"),
]
