"""API keys: owners and supervisors create keys shown once and stored hashed; revoked keys are refused."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from portal.api import ApiKeyAuthentication, create_api_key
from portal.audit import verify_chain
from portal.models import ApiKey, AuditEvent


def _authenticate(token: str):
    request = Request(APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Api-Key {token}"))
    return ApiKeyAuthentication().authenticate(request)


def test_owner_creates_a_key_shown_once_and_stored_hashed(client_for, owner_a, hoster_a):
    client = client_for(owner_a)
    response = client.post(reverse("hoster_api_keys", args=["hoster-a"]), {"name": "Ticket system"})
    assert response.status_code == 200
    token = response.context["token"]
    assert token.startswith("gh_") and token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    assert (key.name, key.scope, key.hoster, key.created_by) == ("Ticket system", "hoster", hoster_a, owner_a)
    assert key.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {key.key_hash, key.prefix, key.name}
    again = client.get(reverse("hoster_api_keys", args=["hoster-a"])).content.decode()
    assert token not in again
    assert key.prefix in again
    assert AuditEvent.objects.filter(action="portal.api_key.created", object_id=str(key.pk)).count() == 1
    user, auth = _authenticate(token)
    assert (user, auth) == (owner_a, key)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_owner_revokes_a_key_after_confirmation_and_it_is_refused(client_for, owner_a, hoster_a):
    key, token = create_api_key(owner_a, "CI", ApiKey.Scope.HOSTER, hoster_a)
    url = reverse("api_key_revoke", args=["hoster-a", key.pk])
    client = client_for(owner_a)
    assert "CI" in client.get(url).content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client.post(url)["Location"] == reverse("hoster_api_keys", args=["hoster-a"])
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(AuthenticationFailed):
        _authenticate(token)
    assert AuditEvent.objects.filter(action="portal.api_key.revoked", object_id=str(key.pk)).count() == 1
    assert verify_chain() is None


@pytest.mark.parametrize("persona", ["editor_a", "viewer_a"])
def test_editor_and_viewer_cannot_manage_keys(request, client_for, persona, owner_a, hoster_a):
    key, _token = create_api_key(owner_a, "CI", ApiKey.Scope.HOSTER, hoster_a)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("hoster_api_keys", args=["hoster-a"])).status_code == 404
    assert client.post(reverse("hoster_api_keys", args=["hoster-a"]), {"name": "mine"}).status_code == 404
    assert client.post(reverse("api_key_revoke", args=["hoster-a", key.pk])).status_code == 404
    assert ApiKey.objects.count() == 1
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_key_of_hoster_b_cannot_be_revoked_through_hoster_a(client_for, owner_a, owner_b, hoster_b):
    key, token = create_api_key(owner_b, "B", ApiKey.Scope.HOSTER, hoster_b)
    assert client_for(owner_a).post(reverse("api_key_revoke", args=["hoster-a", key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert _authenticate(token)[1] == key


def test_an_empty_name_is_refused(client_for, owner_a):
    response = client_for(owner_a).post(reverse("hoster_api_keys", args=["hoster-a"]), {"name": ""})
    assert response.context["token"] is None
    assert "name" in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_supervisor_keys_have_supervisor_scope(client_for, supervisor):
    client = client_for(supervisor)
    response = client.post(reverse("supervision_api_keys"), {"name": "Hotline import"})
    token = response.context["token"]
    key = ApiKey.objects.get()
    assert (key.scope, key.hoster) == ("supervisor", None)
    assert _authenticate(token) == (supervisor, key)
    client.post(reverse("supervision_api_key_revoke", args=[key.pk]))
    with pytest.raises(AuthenticationFailed):
        _authenticate(token)
    assert verify_chain() is None


def test_hoster_owners_cannot_touch_supervisor_keys(client_for, supervisor, owner_a):
    key, _token = create_api_key(supervisor, "Import", ApiKey.Scope.SUPERVISOR)
    client = client_for(owner_a)
    assert client.post(reverse("supervision_api_keys"), {"name": "x"}).status_code == 403
    assert client.post(reverse("supervision_api_key_revoke", args=[key.pk])).status_code == 403
    assert client.post(reverse("api_key_revoke", args=["hoster-a", key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert ApiKey.objects.count() == 1
