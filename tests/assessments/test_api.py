"""The answers API: hoster keys and member sessions, the form's validation with per-field errors, the schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assessments import services
from assessments.models import Answer, Assessment
from portal.api import create_api_key
from portal.models import ApiKey, AuditEvent
from tests.assessments.helpers import best_value


def key_client(user, hoster=None, scope=ApiKey.Scope.HOSTER) -> Client:
    _key, token = create_api_key(user, "test", scope, hoster)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}")


def put(client: Client, assessment: Assessment, body) -> object:
    return client.put(
        f"/api/v1/assessments/{assessment.pk}/answers/", data=json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
def test_get_lists_every_criterion(owner_a, hoster_a, draft_a):
    services.save_answer(owner_a, draft_a, "KYC-2", services.AnswerInput(value="payment", comment="via bank"))
    response = key_client(owner_a, hoster_a).get(f"/api/v1/assessments/{draft_a.pk}/answers/")
    assert response.status_code == 200
    data = response.json()
    assert data["hoster"] == "hoster-a" and data["status"] == "draft"
    assert data["questionnaire"] == {"code": "good-hoster-2020", "version": 1}
    assert list(data["answers"]) == [c.code for c in draft_a.questionnaire.parsed.criteria]
    assert data["answers"]["KYC-2"] == {
        "value": "payment",
        "na": False,
        "justification": "",
        "comment": "via bank",
        "evidence": [],
    }


@pytest.mark.django_db
def test_put_accepts_a_full_valid_declaration(editor_a, hoster_a, draft_a):
    criteria = draft_a.questionnaire.parsed.criteria
    body = {
        "answers": {c.code: {"value": best_value(c), "na": False, "justification": "", "comment": ""} for c in criteria}
    }
    body["answers"]["HCS-2"] = {"na": True, "justification": "We run no upload services.", "comment": "since 2019"}
    key, token = create_api_key(editor_a, "ci", ApiKey.Scope.HOSTER, hoster_a)
    response = put(Client(HTTP_AUTHORIZATION=f"Api-Key {token}"), draft_a, body)
    assert response.status_code == 200, response.content
    assert response.json()["answers"]["KYC-2"]["value"] == "identity_and_registry"
    assert Answer.objects.filter(assessment=draft_a).count() == len(criteria)
    hcs2 = Answer.objects.get(assessment=draft_a, criterion_code="HCS-2")
    assert (hcs2.na, hcs2.justification, hcs2.comment) == (True, "We run no upload services.", "since 2019")
    assert services.progress_of(draft_a).percent == 100
    event = AuditEvent.objects.get(action="assessments.answers.saved")
    assert event.actor == editor_a and event.data["via"] == f"api:{key.prefix}"


@pytest.mark.django_db
def test_put_accepts_plain_values(owner_a, hoster_a, draft_a):
    client = key_client(owner_a, hoster_a)
    assert put(client, draft_a, {"KYC-2": "identity", "CON-5": 4}).status_code == 200
    assert put(client, draft_a, {"answers": {"NTD-1": "yes"}}).status_code == 200
    stored = dict(Answer.objects.filter(assessment=draft_a).values_list("criterion_code", "value"))
    assert stored == {"KYC-2": "identity", "CON-5": "4", "NTD-1": "yes"}


@pytest.mark.django_db
def test_put_rejects_a_bad_declaration_with_per_field_errors_and_stores_nothing(owner_a, hoster_a, draft_a):
    body = {
        "answers": {
            "KYC-1": "yes",
            "KYC-2": {"value": "foo"},
            "CON-1": {"na": True, "justification": "n/a"},
            "KYC-3": {"na": True},
            "CON-5": "lots",
            "XYZ-1": "yes",
            "NTD-1": True,
            "COM-1": {"value": "yes", "colour": "red"},
        }
    }
    response = put(key_client(owner_a, hoster_a), draft_a, body)
    assert response.status_code == 400
    assert response.json() == {
        "answers": {
            "COM-1": ["Unknown field(s): colour; expected value, na, justification, comment."],
            "CON-1": ["na: N/A is not allowed for CON-1; give an answer."],
            "CON-5": ["'lots' is not a number."],
            "KYC-2": ["'foo' is not an option: choose one of none, contact, payment, identity, identity_and_registry."],
            "KYC-3": ["justification: A justification is required when you answer N/A."],
            "NTD-1": ['value must be text or a number, e.g. "yes"; got bool True.'],
            "XYZ-1": ["There is no criterion XYZ-1 in good-hoster-2020 v1."],
        }
    }
    assert not Answer.objects.exists()
    assert not AuditEvent.objects.filter(action="assessments.answers.saved").exists()


@pytest.mark.django_db
def test_a_key_of_hoster_a_cannot_touch_hoster_b(owner_a, hoster_a, draft_b, hoster_b):
    # Even when the key's creator is also a member of B, the key is scoped to A.
    from portal.models import MemberRole, Membership

    Membership.objects.create(user=owner_a, hoster=hoster_b, role=MemberRole.OWNER)
    client = key_client(owner_a, hoster_a)
    assert client.get(f"/api/v1/assessments/{draft_b.pk}/answers/").status_code == 404
    assert put(client, draft_b, {"KYC-2": "identity"}).status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_sessions_of_members_work_and_viewers_only_read(client_for, editor_a, viewer_a, draft_a):
    assert put(client_for(editor_a), draft_a, {"KYC-2": "contact"}).status_code == 200
    viewer = client_for(viewer_a)
    assert viewer.get(f"/api/v1/assessments/{draft_a.pk}/answers/").json()["answers"]["KYC-2"]["value"] == "contact"
    assert put(viewer, draft_a, {"KYC-2": "none"}).status_code == 403
    assert Answer.objects.get().value == "contact"


@pytest.mark.django_db
def test_a_key_made_by_a_member_demoted_to_viewer_cannot_write(editor_a, hoster_a, draft_a):
    client = key_client(editor_a, hoster_a)
    editor_a.memberships.update(role="viewer")
    assert put(client, draft_a, {"KYC-2": "none"}).status_code == 403
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_supervisor_key_reads_but_does_not_write(supervisor, draft_a):
    client = key_client(supervisor, None, ApiKey.Scope.SUPERVISOR)
    assert client.get(f"/api/v1/assessments/{draft_a.pk}/answers/").status_code == 200
    assert put(client, draft_a, {"KYC-2": "none"}).status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_put_after_submission_is_a_conflict(owner_a, hoster_a, draft_a):
    Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.SUBMITTED)
    response = put(key_client(owner_a, hoster_a), draft_a, {"KYC-2": "none"})
    assert response.status_code == 409
    assert response.json() == {"detail": "The assessment is submitted; answers cannot change."}
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_without_credentials_the_api_refuses(draft_a):
    response = Client().get(f"/api/v1/assessments/{draft_a.pk}/answers/")
    assert response.status_code in {401, 403}


@pytest.mark.django_db
def test_the_schema_documents_the_answers_endpoint():
    response = Client().get("/api/schema/?format=json")
    schema = response.json()
    operations = schema["paths"]["/api/v1/assessments/{id}/answers/"]
    assert operations["get"]["operationId"] == "assessment_answers_read"
    assert operations["put"]["operationId"] == "assessment_answers_update"
    assert set(operations["put"]["responses"]) == {"200", "400", "404", "409", "401", "403"}
    assert "AnswersUpdate" in schema["components"]["schemas"]
