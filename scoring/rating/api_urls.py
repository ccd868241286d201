"""API routes of the score cards, mounted at /api/v1/."""

from django.urls import path

from scoring.rating import api as scorecard_api

urlpatterns = [
    path("assessments/<int:pk>/score/", scorecard_api.AssessmentScoreView.as_view(), name="scorecard_api_score"),
]
