"""Auditors and supervisors must set up TOTP before they reach anything else; hoster staff may."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from portal.models import MemberRole, Role
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SUPERVISOR])
def test_role_without_mfa_reaches_only_mfa_setup_and_logout(client, role):
    user = factories.make_role_user(role, mfa=False)
    response = client.post("/accounts/login/", {"login": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    for path in ["/dashboard/", "/", "/accounts/email/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/", path
    # allauth asks for the password again before a second factor is enrolled.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(response["Location"]).status_code == 200
    response = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_role_with_totp_reaches_dashboard(client_for, auditor):
    assert Authenticator.objects.filter(user=auditor, type=Authenticator.Type.TOTP).exists()
    assert client_for(auditor).get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_hoster_staff_need_no_mfa(client_for, hoster_a):
    user = factories.make_member(hoster_a, MemberRole.VIEWER)
    assert client_for(user).get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_login_of_a_totp_user_asks_for_the_code(client, auditor):
    response = client.post("/accounts/login/", {"login": auditor.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/").status_code == 302
