"""Supervisor pages: suspension, reinstatement and revocation with a public reason and a confirmation step;
publishing a monitor period. Hosters and auditors are refused and change nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.certification.services import (
    CertificationRefused,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from scoring.publication.models import MonitorPeriod, MonitorReview
from tests.scoring.certification.helpers import notices_for

pytestmark = pytest.mark.django_db


def action_url(certificate: Certificate, action: str) -> str:
    return reverse("supervision_certificate_action", args=[certificate.serial, action])


def status_of(certificate: Certificate) -> str:
    return Certificate.objects.get(pk=certificate.pk).status


def test_the_supervisor_lists_certificates(client_for, supervisor, certificate_a, certificate_b):
    response = client_for(supervisor).get(reverse("supervision_certificates"))
    assert response.status_code == 200
    content = response.content.decode()
    assert certificate_a.serial in content and certificate_b.serial in content
    assert action_url(certificate_a, "suspend") in content


def test_suspension_asks_for_a_reason_then_confirmation(
    client_for, supervisor, certificate_a, owner_a, django_capture_on_commit_callbacks
):
    client = client_for(supervisor)
    url = action_url(certificate_a, "suspend")
    assert client.get(url).status_code == 200

    missing = client.post(url, {"reason": "  "})
    assert missing.status_code == 200 and missing.context["form"].errors
    confirm = client.post(url, {"reason": "Notices left open for weeks."})
    assert confirm.status_code == 200 and b'name="confirmed"' in confirm.content
    assert status_of(certificate_a) == CertificateStatus.VALID  # nothing happens before the confirmation

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"reason": "Notices left open for weeks.", "confirmed": "yes"})
    assert done.status_code == 302
    assert status_of(certificate_a) == CertificateStatus.SUSPENDED
    event = certificate_a.events.get(kind=CertificateEvent.Kind.SUSPENDED)
    assert event.reason == "Notices left open for weeks." and event.actor == supervisor and not event.automatic
    assert AuditEvent.objects.filter(action="scoring.certificate.suspended", actor=supervisor).exists()


def test_reinstate_and_revoke_through_the_pages(client_for, supervisor, certificate_a):
    client = client_for(supervisor)
    suspend_certificate(certificate_a, supervisor, "Checking.")
    client.post(action_url(certificate_a, "reinstate"), {"reason": "Checked: all fine.", "confirmed": "yes"})
    assert status_of(certificate_a) == CertificateStatus.VALID
    client.post(action_url(certificate_a, "revoke"), {"reason": "Misled the auditor.", "confirmed": "yes"})
    assert status_of(certificate_a) == CertificateStatus.REVOKED
    kinds = list(certificate_a.events.values_list("kind", "reason"))
    assert kinds == [
        ("issued", ""),
        ("suspended", "Checking."),
        ("reinstated", "Checked: all fine."),
        ("revoked", "Misled the auditor."),
    ]


def test_an_action_that_does_not_apply_is_refused(client_for, supervisor, certificate_a):
    response = client_for(supervisor).post(action_url(certificate_a, "reinstate"), {"reason": "x", "confirmed": "yes"})
    assert response.status_code == 200 and status_of(certificate_a) == CertificateStatus.VALID
    revoke_certificate(certificate_a, supervisor, "Gone.")
    with pytest.raises(CertificationRefused):
        reinstate_certificate(certificate_a, supervisor, "Back?")
    with pytest.raises(CertificationRefused):
        suspend_certificate(certificate_a, supervisor, "Again?")
    assert status_of(certificate_a) == CertificateStatus.REVOKED


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "owner_b", "auditor"])
@pytest.mark.parametrize("action", ["suspend", "reinstate", "revoke"])
def test_hosters_and_auditors_cannot_change_certificates(
    request, client_for, certificate_a, supervisor, persona, action
):
    if action == "reinstate":
        suspend_certificate(certificate_a, supervisor, "Checking.")
    client = client_for(request.getfixturevalue(persona))
    before = (status_of(certificate_a), certificate_a.events.count(), AuditEvent.objects.count())

    assert client.get(action_url(certificate_a, action)).status_code == 403
    assert client.post(action_url(certificate_a, action), {"reason": "x", "confirmed": "yes"}).status_code == 403
    assert client.get(reverse("supervision_certificates")).status_code == 403

    assert (status_of(certificate_a), certificate_a.events.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("persona", ["owner_a", "auditor"])
def test_the_services_refuse_non_supervisors(request, certificate_a, persona):
    user = request.getfixturevalue(persona)
    for service in (suspend_certificate, revoke_certificate, reinstate_certificate):
        with pytest.raises(Exception) as refused:
            service(certificate_a, user, "No.")
        assert refused.type.__name__ == "PermissionDenied"
    assert status_of(certificate_a) == CertificateStatus.VALID and certificate_a.events.count() == 1


def test_anonymous_visitors_are_sent_to_login(client, certificate_a):
    response = client.post(action_url(certificate_a, "revoke"), {"reason": "x", "confirmed": "yes"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert status_of(certificate_a) == CertificateStatus.VALID


def test_publish_a_monitor_period_after_a_preview(client_for, supervisor, hoster_a):
    notices_for(hoster_a, 15, hours=2, start=datetime(2025, 2, 3, 9, tzinfo=ZoneInfo("Europe/Amsterdam")))
    client = client_for(supervisor)
    url = reverse("supervision_monitor_periods")
    assert client.get(url).status_code == 200
    form = {"code": "2025-h1", "title": "Monitor 2025 H1", "date_from": "2025-01-01", "date_to": "2025-06-30"}

    preview = client.post(url, form)
    assert preview.status_code == 200 and [row["hoster"] for row in preview.context["ranking"]] == ["hoster-a"]
    assert not MonitorPeriod.objects.exists()

    # Confirming stores a draft; it is published only after the hosters' review (tests/scoring/publication).
    done = client.post(url, {**form, "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("supervision_monitor_review", args=["2025-h1"])
    review = MonitorReview.objects.get()
    assert (review.state, review.date_to, review.created_by) == ("draft", date(2025, 6, 30), supervisor)
    assert not MonitorPeriod.objects.exists()

    again = client.post(url, {**form, "confirmed": "yes"})
    assert again.status_code == 200 and again.context["form"].errors["code"]
    assert MonitorReview.objects.count() == 1


def test_a_period_that_has_not_ended_cannot_be_published(client_for, supervisor):
    form = {"code": "future", "title": "Too early", "date_from": "2025-01-01", "date_to": "2999-12-31"}
    response = client_for(supervisor).post(reverse("supervision_monitor_periods"), {**form, "confirmed": "yes"})
    assert response.context["form"].errors["date_to"] and not MonitorPeriod.objects.exists()


@pytest.mark.parametrize("persona", ["owner_a", "auditor"])
def test_only_supervisors_publish_monitor_periods(request, client_for, persona):
    form = {"code": "2025-h1", "title": "M", "date_from": "2025-01-01", "date_to": "2025-06-30", "confirmed": "yes"}
    client = client_for(request.getfixturevalue(persona))
    assert client.post(reverse("supervision_monitor_periods"), form).status_code == 403
    assert not MonitorPeriod.objects.exists()
