"""Every API operation is refused without the authentication it declares, and one hoster never reaches another's."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from assessments import services
from portal.api import create_api_key
from portal.models import ApiKey, MemberRole, Membership
from tests.conftest import logged_in


def schema_operations() -> list[tuple[str, str, bool]]:
    """(method, path, public) of every operation in the generated OpenAPI schema."""
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            security = operation.get("security", schema.get("security", []))
            operations.append((method.upper(), path, {} in security or not security))
    return sorted(operations)


def call(client: Client, method: str, path: str, **extra):
    body = json.dumps({"answers": {"KYC-2": "identity"}} if "answers" in path else [])
    if method == "GET":
        return client.get(path, **extra)
    return client.generic(method, path, body, content_type="application/json", **extra)


@pytest.fixture
def draft_a(owner_a, hoster_a):
    return services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.django_db
def test_the_schema_lists_the_operations_the_fuzzing_covers():
    from tests.api.test_schemathesis import HOSTER_OPERATIONS, NOTICES, PUBLIC

    covered = {("GET", path, True) for path in PUBLIC}
    covered |= {(method, path, False) for method, path in HOSTER_OPERATIONS}
    covered.add(("POST", NOTICES, False))
    assert set(schema_operations()) == covered, "a new API operation: add it to tests/api/test_schemathesis.py"


@pytest.mark.django_db
@pytest.mark.parametrize("credentials", ["none", "malformed", "unknown", "revoked"])
def test_no_protected_operation_answers_without_valid_credentials(draft_a, owner_a, hoster_a, credentials):
    key, token = create_api_key(owner_a, "revoked", ApiKey.Scope.HOSTER, hoster_a)
    ApiKey.objects.filter(pk=key.pk).update(revoked_at="2025-01-01T00:00:00Z")
    header = {
        "none": None,
        "malformed": "Api-Key not-a-key",
        "unknown": "Api-Key gh_00000000_" + "x" * 43,
        "revoked": f"Api-Key {token}",
    }[credentials]
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    protected = [(method, path) for method, path, public in schema_operations() if not public]
    assert len(protected) == 4
    for method, path in protected:
        response = call(Client(), method, path.replace("{id}", str(draft_a.pk)), **extra)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.django_db
def test_public_operations_ignore_credentials(owner_a, hoster_a):
    """The public API never looks at credentials: a broken key does not turn a public read into a 401."""
    response = Client(HTTP_AUTHORIZATION="Api-Key broken").get("/api/v1/registry/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_key_of_the_wrong_scope_is_refused(draft_a, owner_a, hoster_a, supervisor):
    _key, hoster_token = create_api_key(owner_a, "hoster", ApiKey.Scope.HOSTER, hoster_a)
    _key, supervisor_token = create_api_key(supervisor, "supervisor", ApiKey.Scope.SUPERVISOR)
    hoster = Client(HTTP_AUTHORIZATION=f"Api-Key {hoster_token}")
    assert call(hoster, "POST", "/api/v1/notices/").status_code == 403
    supervisor_client = Client(HTTP_AUTHORIZATION=f"Api-Key {supervisor_token}")
    assert call(supervisor_client, "PUT", f"/api/v1/assessments/{draft_a.pk}/answers/").status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/assessments/{id}/answers/"),
        ("PUT", "/api/v1/assessments/{id}/answers/"),
        ("GET", "/api/v1/assessments/{id}/score/"),
    ],
)
def test_another_hosters_assessment_is_not_found(draft_a, owner_b, hoster_b, editor_b, method, path):
    """Hoster B's key, and a session of a member of B, get a 404 for hoster A's assessment, as for no assessment."""
    _key, token = create_api_key(owner_b, "b", ApiKey.Scope.HOSTER, hoster_b)
    url = path.replace("{id}", str(draft_a.pk))
    for client in (Client(HTTP_AUTHORIZATION=f"Api-Key {token}"), logged_in(editor_b)):
        response = call(client, method, url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json() == {"detail": "Not found."}
    draft_a.refresh_from_db()
    assert not draft_a.answers.exists()


@pytest.mark.django_db
def test_a_hoster_key_stays_with_its_hoster_even_for_a_member_of_both(draft_a, owner_a, hoster_b):
    """A key is bound to its hoster: the owner of A who is also a member of B, using B's key, cannot reach A."""
    Membership.objects.create(user=owner_a, hoster=hoster_b, role=MemberRole.OWNER)
    _key, token = create_api_key(owner_a, "b", ApiKey.Scope.HOSTER, hoster_b)
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {token}").get(f"/api/v1/assessments/{draft_a.pk}/answers/")
    assert response.status_code == 404
