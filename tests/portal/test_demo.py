"""The demo: idempotent, and every demo login reaches its dashboard in Dutch and in English."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from portal.models import Hoster, Membership, User


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _counts() -> tuple[int, int, int]:
    return User.objects.count(), Hoster.objects.count(), Membership.objects.count()


@pytest.mark.django_db
def test_seed_demo_is_idempotent(demo):
    before = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == before
    assert before[0] >= 11


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_demo_user_sees_a_dashboard(demo, language):
    for user in User.objects.filter(email__endswith=".example"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        response = client.get("/dashboard/")
        assert response.status_code == 200, user.email
        assert f'<html lang="{language}">' in response.content.decode(), user.email


@pytest.mark.django_db
def test_the_demo_tells_a_coherent_story(demo):
    from datetime import timedelta

    from django.db.models import Count
    from django.utils import timezone

    from assessments.models import Assessment
    from scoring.certification.models import Certificate

    twice = Assessment.objects.values("hoster", "period_start").annotate(n=Count("id")).filter(n__gt=1)
    assert not twice, "a hoster has two assessments of one period"
    waiting = Assessment.objects.open().exclude(status=Assessment.Status.DRAFT)
    assert waiting.count() == 3
    for assessment in waiting:
        assert assessment.submitted_at < timezone.now() - timedelta(days=1), assessment
    statuses = sorted(Certificate.objects.values_list("hoster__slug", "state"))
    assert ("bulkhost", "suspended") in statuses and ("lapsedhost", "revoked") in statuses
    assert {("cleanhost", "valid"), ("steadyhost", "valid")} <= set(statuses)


@pytest.mark.django_db
def test_demo_logins_work_with_the_published_password(demo):
    client = Client()
    response = client.post("/accounts/login/", {"login": "owner@bulkhost.example", "password": "demo-password-2026"})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_health_endpoint_answers_without_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
