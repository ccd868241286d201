"""URL routes of the assessments app."""

from django.urls import path  # noqa: F401

app_name = "assessments"
urlpatterns: list = []
