"""URL routes of the assessment pages, mounted at /assessments/."""

from django.urls import path

from assessments import views

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
]
