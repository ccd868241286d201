"""The daily monitoring run: suspends on a failing gate, expires, warns before expiry, and is idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from portal.models import AuditEvent, AuditHead
from scoring.certification.daily_run import monitor_certificates
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.certification.services import reinstate_certificate
from tests.scoring.certification.helpers import certify, notices_for

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
ISSUED = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)


@pytest.fixture
def certified_a(owner_a, hoster_a, supervisor):
    with time_machine.travel(ISSUED, tick=False):
        return certify(owner_a, hoster_a, supervisor)


def run(when: datetime, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        return monitor_certificates()


def test_a_hoster_whose_takedowns_slip_is_suspended_once(
    certified_a, hoster_a, owner_a, supervisor, django_capture_on_commit_callbacks
):
    # 20 notices in the last 90 days, each removed only after four days: far outside the 24-hour norm.
    notices_for(hoster_a, 20, hours=96, start=ISSUED + timedelta(days=10))
    when = ISSUED + timedelta(days=40)

    result = run(when, django_capture_on_commit_callbacks)

    assert result.suspended == [certified_a.serial]
    certificate = Certificate.objects.get(pk=certified_a.pk)
    assert certificate.status == CertificateStatus.SUSPENDED
    event = certificate.events.get(kind=CertificateEvent.Kind.SUSPENDED)
    assert event.automatic and event.actor is None
    assert "90 days" in event.reason and "within 24 hours" in event.reason
    assert event.reason_nl and event.reason_nl != event.reason
    assert [gate["code"] for gate in event.data["gates"]] == ["within-norm-wilson"]
    assert event.data["metrics"]["notices"] == 20
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([owner_a.email, supervisor.email])
    assert AuditEvent.objects.filter(action="scoring.certificate.suspended").count() == 1

    mail.outbox.clear()
    again = run(when + timedelta(hours=1), django_capture_on_commit_callbacks)
    assert again.suspended == [] and again.expired == [] and again.warned == []
    assert certificate.events.count() == 2 and mail.outbox == []


def test_a_hoster_that_keeps_the_norm_stays_valid(certified_a, hoster_a, django_capture_on_commit_callbacks):
    notices_for(hoster_a, 30, hours=2, start=ISSUED + timedelta(days=10))
    result = run(ISSUED + timedelta(days=40), django_capture_on_commit_callbacks)
    assert result.checked == 1 and result.suspended == []
    assert Certificate.objects.get(pk=certified_a.pk).status == CertificateStatus.VALID


def test_too_few_notices_are_inconclusive_and_do_not_suspend(certified_a, hoster_a, django_capture_on_commit_callbacks):
    notices_for(hoster_a, 5, hours=200, start=ISSUED + timedelta(days=10))
    result = run(ISSUED + timedelta(days=40), django_capture_on_commit_callbacks)
    assert result.suspended == []


def test_a_reinstated_certificate_is_left_alone_for_a_while(
    certified_a, hoster_a, supervisor, django_capture_on_commit_callbacks
):
    notices_for(hoster_a, 20, hours=96, start=ISSUED + timedelta(days=10))
    when = ISSUED + timedelta(days=40)
    run(when, django_capture_on_commit_callbacks)
    with time_machine.travel(when + timedelta(hours=2), tick=False):
        reinstate_certificate(Certificate.objects.get(pk=certified_a.pk), supervisor, "Notices were misattributed.")

    assert run(when + timedelta(days=1), django_capture_on_commit_callbacks).suspended == []
    assert run(when + timedelta(days=31), django_capture_on_commit_callbacks).suspended == [certified_a.serial]


def test_expired_certificates_are_marked_once(certified_a, owner_a, django_capture_on_commit_callbacks):
    after = datetime.combine(certified_a.valid_until + timedelta(days=1), datetime.min.time(), AMS) + timedelta(hours=3)

    result = run(after, django_capture_on_commit_callbacks)

    assert result.expired == [certified_a.serial]
    certificate = Certificate.objects.get(pk=certified_a.pk)
    assert certificate.state == CertificateStatus.EXPIRED
    assert certificate.events.filter(kind=CertificateEvent.Kind.EXPIRED).count() == 1
    assert [message.to for message in mail.outbox] == [[owner_a.email]]
    assert run(after + timedelta(hours=1), django_capture_on_commit_callbacks).expired == []
    assert certificate.events.filter(kind=CertificateEvent.Kind.EXPIRED).count() == 1


def test_owners_are_warned_thirty_and_seven_days_before_expiry_once_each(
    certified_a, owner_a, django_capture_on_commit_callbacks
):
    def day(days_before: int) -> datetime:
        return datetime.combine(
            certified_a.valid_until - timedelta(days=days_before), datetime.min.time(), AMS
        ) + timedelta(hours=6)

    assert run(day(31), django_capture_on_commit_callbacks).warned == []
    assert run(day(30), django_capture_on_commit_callbacks).warned == [(certified_a.serial, 30)]
    assert run(day(30) + timedelta(hours=2), django_capture_on_commit_callbacks).warned == []
    assert run(day(20), django_capture_on_commit_callbacks).warned == []
    assert run(day(7), django_capture_on_commit_callbacks).warned == [(certified_a.serial, 7)]
    assert run(day(3), django_capture_on_commit_callbacks).warned == []

    kinds = list(certified_a.events.values_list("kind", flat=True))
    assert kinds.count(CertificateEvent.Kind.EXPIRY_WARNING_30) == 1
    assert kinds.count(CertificateEvent.Kind.EXPIRY_WARNING_7) == 1
    assert len(mail.outbox) == 2 and all(message.to == [owner_a.email] for message in mail.outbox)
    assert "30 days" in mail.outbox[0].subject and "7 days" in mail.outbox[1].subject
    # Warnings are private: the public history does not show them.
    assert not certified_a.events.public().filter(kind__startswith="expiry_warning").exists()


def test_a_late_first_run_sends_one_warning_only(certified_a, django_capture_on_commit_callbacks):
    five_days_before = datetime.combine(certified_a.valid_until - timedelta(days=5), datetime.min.time(), AMS)
    assert run(five_days_before, django_capture_on_commit_callbacks).warned == [(certified_a.serial, 5)]
    assert len(mail.outbox) == 1
    assert certified_a.events.filter(kind__startswith="expiry_warning").count() == 2


def test_the_command_reports_what_it_did(certified_a, hoster_a):
    notices_for(hoster_a, 20, hours=96, start=ISSUED + timedelta(days=10))
    out = StringIO()
    with time_machine.travel(ISSUED + timedelta(days=40), tick=False):
        call_command("monitor_certificates", stdout=out)
        call_command("monitor_certificates", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"suspended {certified_a.serial}" in lines
    assert lines[-1] == "checked=0 expired=0 warned=0 suspended=0"


def test_the_daily_run_publishes_the_day_s_audit_log_head_once(certified_a):
    out = StringIO()
    call_command("monitor_certificates", stdout=out)
    call_command("monitor_certificates", stdout=out)
    head = AuditHead.objects.get()
    assert head.day == timezone.localdate()
    assert f"audit log head of {head.day}: {head.count} {head.hash}" in out.getvalue().splitlines()
