"""URL routes of the score-card pages, mounted at the site root."""

from django.urls import path

from scoring.rating import views as scorecard_views

urlpatterns = [
    path("scorecards/assessments/<int:pk>/", scorecard_views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/assessments/<int:pk>/preview/", scorecard_views.scorecard_preview, name="scorecard_preview"),
    path(
        "scorecards/assessments/<int:pk>/review-panel/",
        scorecard_views.scorecard_review_panel,
        name="scorecard_review_panel",
    ),
    path("scorecards/what-if/", scorecard_views.scorecard_whatif, name="scorecard_whatif"),
    path("scorecards/what-if/assessments/", scorecard_views.scorecard_whatif_picks, name="scorecard_whatif_picks"),
    path("scorecards/impact/", scorecard_views.scorecard_impact, name="scorecard_impact"),
]
