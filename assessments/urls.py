"""URL routes of the assessment pages, mounted at /assessments/."""

from django.urls import path

from assessments import review_views, views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("start/<slug:slug>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sections/<str:code>/", views.section, name="section"),
    path("<int:pk>/answers/<str:code>/", views.answer, name="answer"),
    path("<int:pk>/answers/<str:code>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_pk>/remove/", views.evidence_remove, name="evidence_remove"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("review/assign/", review_views.assignments, name="assignments"),
    path("review/queue/", review_views.queue, name="queue"),
    path("<int:pk>/assign/", review_views.assign, name="assign"),
    path("<int:pk>/review/", review_views.review_page, name="review"),
    path("<int:pk>/review/answers/<str:code>/", review_views.review_answer, name="review_answer"),
    path("<int:pk>/review/changes/", review_views.request_changes, name="request_changes"),
    path("<int:pk>/review/decision/", review_views.decide, name="decide"),
    path("<int:pk>/comments/", review_views.comment, name="comment"),
    path("<int:pk>/evidence/<int:evidence_pk>/inline/", review_views.evidence_inline, name="evidence_inline"),
    path("<int:pk>/timeline/", review_views.timeline, name="timeline"),
]
