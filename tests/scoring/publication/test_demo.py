"""The demo ends with the whole public face: certified A and B, a suspended and a revoked certificate, a monitor."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import demo as assessments_demo
from portal import demo as portal_demo
from portal.models import Role, User
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.measurement import demo as scoring_demo
from scoring.publication import demo as certificate_demo
from scoring.publication.models import MonitorPeriod, MonitorReview

pytestmark = pytest.mark.django_db


def seed_everything() -> str:
    out = StringIO()
    portal_demo.seed()
    assessments_demo.seed(out)
    scoring_demo.seed(out)
    certificate_demo.seed(out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return sorted(Certificate.objects.values_list("hoster__slug", "serial", "grade", "state"))


def test_the_demo_shows_every_state_and_is_idempotent(client):
    output = seed_everything()
    statuses = {c.hoster.slug: (c.grade, c.status) for c in Certificate.objects.select_related("hoster")}
    assert statuses["cleanhost"] == ("A", CertificateStatus.VALID)
    assert statuses["steadyhost"] == ("B", CertificateStatus.VALID)
    assert statuses["bulkhost"][1] == CertificateStatus.SUSPENDED
    assert statuses["lapsedhost"][1] == CertificateStatus.REVOKED
    suspension = CertificateEvent.objects.get(certificate__hoster__slug="bulkhost", kind="suspended")
    assert suspension.automatic and "90 days" in suspension.reason
    period = MonitorPeriod.objects.get()
    assert period.ranking[0]["hoster"] == "bulkhost"
    assert "suspended by the monitoring run" in output

    before = (snapshot(), CertificateEvent.objects.count(), MonitorPeriod.objects.count())
    seed_everything()
    assert (snapshot(), CertificateEvent.objects.count(), MonitorPeriod.objects.count()) == before

    registry = client.get(reverse("registry")).context["rows"]
    assert [row["slug"] for row in registry] == ["cleanhost", "steadyhost"]
    assert client.get(reverse("monitor_period", args=[period.code])).status_code == 200


def test_the_demo_has_a_review_in_progress_that_a_hoster_and_the_supervisor_see(client_for):
    seed_everything()
    review = MonitorReview.objects.get()
    assert review.state == MonitorReview.State.IN_REVIEW and not review.is_closed
    assert timedelta(days=9) < review.closes_at - timezone.now() <= timedelta(days=10)
    named = {entry.hoster.slug: entry.first_seen_at is not None for entry in review.hosters.select_related("hoster")}
    assert {"bulkhost", "cleanhost", "steadyhost"} <= set(named)
    assert [slug for slug, seen in named.items() if seen] == ["cleanhost"]
    assert MonitorPeriod.objects.count() == 1  # the published period stays

    seed_everything()
    assert MonitorReview.objects.get().pk == review.pk and review.hosters.count() == len(named)

    owner = User.objects.get(email="owner@steadyhost.example")
    draft = reverse("monitor_review_hoster", args=["steadyhost", review.code])
    assert draft in client_for(owner).get(reverse("dashboard")).content.decode()
    assert client_for(owner).get(draft).status_code == 200
    supervisor = User.objects.filter(groups__name=Role.SUPERVISOR).first()
    assert client_for(supervisor).get(review.get_absolute_url()).status_code == 200
