"""API routes of the assessments app, mounted at /api/v1/."""

from django.urls import path

from assessments import api

app_name = "assessments_api"
urlpatterns = [
    path("assessments/<int:pk>/answers/", api.AnswersView.as_view(), name="answers"),
]
