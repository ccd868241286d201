"""allauth's rate limits hold for failed logins, and the admin login is no side door around them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_eleventh_failed_login_in_a_minute_is_refused(client):
    factories.make_user("victim@example.org")
    for attempt in range(10):
        response = client.post("/accounts/login/", {"login": f"guess{attempt}@example.org", "password": "wrong-one"})
        assert response.status_code == 200, attempt
    response = client.post("/accounts/login/", {"login": "victim@example.org", "password": factories.PASSWORD})
    _assert_refused(client, response)


def _assert_refused(client, response) -> None:
    assert response.status_code == 200
    assert "Too many failed login attempts" in str(response.context["form"].errors)
    assert not client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_admin_login_goes_through_the_throttled_login(client):
    staff = factories.make_user("staff@example.org")
    staff.is_staff = True
    staff.save()
    response = client.post("/admin/login/", {"username": staff.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not client.session.get("_auth_user_id")
    for attempt in range(10):
        client.post(
            "/accounts/login/", {"login": staff.email if attempt < 1 else f"x{attempt}@e.org", "password": "no"}
        )
    response = client.post("/accounts/login/", {"login": staff.email, "password": factories.PASSWORD})
    _assert_refused(client, response)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_failed_and_successful_logins_are_audited(client):
    from portal.models import AuditEvent

    user = factories.make_user("someone@example.org")
    client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
    client.post("/accounts/login/", {"login": user.email, "password": factories.PASSWORD})
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "portal.user.login_failed" in actions
    assert "portal.user.logged_in" in actions
