"""URL routes for hosters, memberships, invitations and scheme roles."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
