"""Personas shared by the whole suite: owners, editors and viewers of hosters A and B, an auditor, a supervisor."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.models import Hoster, MemberRole, Role, User
from tests import factories


@pytest.fixture(autouse=True)
def _english_and_private_media(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hoster_a(db) -> Hoster:
    return factories.make_hoster("hoster-a", name="Hoster A", asns=[64500], prefixes=["192.0.2.0/24"])


@pytest.fixture
def hoster_b(db) -> Hoster:
    return factories.make_hoster("hoster-b", name="Hoster B", asns=[64501], prefixes=["198.51.100.0/24"])


@pytest.fixture
def owner_a(hoster_a) -> User:
    return factories.make_member(hoster_a, MemberRole.OWNER, email="owner@a.example")


@pytest.fixture
def editor_a(hoster_a) -> User:
    return factories.make_member(hoster_a, MemberRole.EDITOR, email="editor@a.example")


@pytest.fixture
def viewer_a(hoster_a) -> User:
    return factories.make_member(hoster_a, MemberRole.VIEWER, email="viewer@a.example")


@pytest.fixture
def owner_b(hoster_b) -> User:
    return factories.make_member(hoster_b, MemberRole.OWNER, email="owner@b.example")


@pytest.fixture
def editor_b(hoster_b) -> User:
    return factories.make_member(hoster_b, MemberRole.EDITOR, email="editor@b.example")


@pytest.fixture
def viewer_b(hoster_b) -> User:
    return factories.make_member(hoster_b, MemberRole.VIEWER, email="viewer@b.example")


@pytest.fixture
def auditor(db) -> User:
    return factories.make_role_user(Role.AUDITOR, email="auditor@example.org")


@pytest.fixture
def supervisor(db) -> User:
    return factories.make_role_user(Role.SUPERVISOR, email="supervisor@example.org")


def logged_in(user: User) -> Client:
    """A client with the user signed in (MFA counts as done for users that have it)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return logged_in
