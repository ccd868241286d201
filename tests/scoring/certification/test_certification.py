"""Issuing certificates: only when certifiable, sequential serials, supersession, a frozen record and its PDF."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
import time_machine
from django.core import mail

from assessments.models import Assessment
from portal.models import AuditEvent
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus, SerialCounter
from scoring.certification.services import (
    CertificationRefused,
    certifiable_problems,
    issue_certificate,
    issue_certificate_if_certifiable,
    next_serial,
    valid_until_for,
)
from scoring.publication.models import MonitorPeriod
from tests.scoring.certification.helpers import GRADE_B_ANSWERS, approved_assessment, certify, pdf_text, verified_rating

pytestmark = pytest.mark.django_db


def test_an_approved_certifiable_assessment_gets_a_certificate(
    owner_a, hoster_a, supervisor, django_capture_on_commit_callbacks
):
    assessment = approved_assessment(owner_a, hoster_a)
    rating = verified_rating(assessment)

    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue_certificate_if_certifiable(assessment, rating, supervisor)

    assert certificate is not None
    assert certificate.hoster == hoster_a and certificate.grade == "A" and certificate.status == CertificateStatus.VALID
    assert certificate.serial.startswith(f"GH-{certificate.issued_at.year}-")
    assert certificate.scorecard == rating.scorecard
    assert certificate.model_code == rating.model_version.code
    assert certificate.questionnaire_code == assessment.questionnaire.code
    assert (certificate.period_start, certificate.period_end) == (assessment.period_start, assessment.period_end)
    assert [e.kind for e in certificate.events.all()] == [CertificateEvent.Kind.ISSUED]
    assert AuditEvent.objects.filter(action="scoring.certificate.issued", object_id=str(certificate.pk)).exists()
    assert [m.to for m in mail.outbox] == [[owner_a.email]]
    assert certificate.serial in mail.outbox[0].subject + mail.outbox[0].body


def test_sections_cover_the_questionnaire_and_the_measured_criteria(certificate_a):
    codes = [section["code"] for section in certificate_a.section_scores]
    assert codes == ["KYC", "CON", "HCS", "NTD", "COM", "MEA"]
    assert certificate_a.section_scores[0]["score"] == 100.0
    assert certificate_a.section_scores[-1]["score"] is None  # no notices: the measured criteria are inconclusive
    assert set(certificate_a.section_scores[0]["title"]) == {"nl", "en"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("not_approved", "not approved"),
        ("self_assessed", "not the verified score"),
        ("grade_c", "not a certifiable grade"),
        ("evidence_refused", "evidence has not been accepted"),
    ],
)
def test_nothing_is_issued_unless_certifiable(owner_a, hoster_a, supervisor, change, problem):
    answers = {"KYC-2": "none"} if change == "grade_c" else None  # no identity verification caps at C
    assessment = approved_assessment(owner_a, hoster_a, answers=answers)
    rating = verified_rating(assessment)
    evidence_accepted = None
    if change == "not_approved":
        Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.IN_REVIEW)
        assessment.refresh_from_db()
    elif change == "self_assessed":
        from scoring.rating.scorecards import save_rating

        rating = save_rating(None, assessment)
    elif change == "evidence_refused":
        evidence_accepted = lambda criterion, answer: criterion.code != "KYC-1"  # noqa: E731

    problems = certifiable_problems(assessment, rating, evidence_accepted=evidence_accepted)
    result = issue_certificate_if_certifiable(assessment, rating, supervisor, evidence_accepted=evidence_accepted)

    assert result is None
    assert any(problem in text for text in problems), problems
    assert not Certificate.objects.exists()
    assert not SerialCounter.objects.exists()


def test_missing_evidence_blocks_by_default(owner_a, hoster_a, supervisor):
    assessment = approved_assessment(owner_a, hoster_a, evidence=False)
    assert issue_certificate_if_certifiable(assessment, verified_rating(assessment), supervisor) is None


def test_issuing_twice_for_one_assessment_gives_the_same_certificate(owner_a, hoster_a, supervisor):
    assessment = approved_assessment(owner_a, hoster_a)
    rating = verified_rating(assessment)
    first = issue_certificate(assessment, rating, supervisor)
    again = issue_certificate(assessment, rating, supervisor)
    assert first.pk == again.pk and Certificate.objects.count() == 1


def test_a_new_certificate_supersedes_the_old_one(certificate_a, owner_a, hoster_a, supervisor):
    Assessment.objects.filter(pk=certificate_a.assessment_id).update(status=Assessment.Status.REJECTED)  # not open
    newer = certify(owner_a, hoster_a, supervisor, answers=GRADE_B_ANSWERS)

    old = Certificate.objects.get(pk=certificate_a.pk)
    assert old.status == CertificateStatus.SUPERSEDED
    assert newer.supersedes_id == old.pk and newer.grade == "B"
    assert old.events.filter(kind=CertificateEvent.Kind.SUPERSEDED, reason__contains=newer.serial).exists()
    assert list(Certificate.objects.current().values_list("serial", flat=True)) == [newer.serial]
    assert int(newer.serial[-6:]) == int(old.serial[-6:]) + 1


def test_serials_are_sequential_per_year_and_restart_each_year(db):
    from django.db import transaction

    with transaction.atomic():
        first, second = next_serial(2031), next_serial(2031)
        other_year = next_serial(2032)
    assert (first, second, other_year) == ("GH-2031-000001", "GH-2031-000002", "GH-2032-000001")


def test_a_certificate_is_never_edited_or_deleted(certificate_a):
    certificate_a.grade = "F"
    with pytest.raises(TypeError):
        certificate_a.save()
    with pytest.raises(TypeError):
        certificate_a.delete()
    with pytest.raises(TypeError):
        Certificate.objects.filter(pk=certificate_a.pk).update(grade="F")
    with pytest.raises(TypeError):
        Certificate.objects.all().delete()
    event = certificate_a.events.get()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        event.save()
    assert Certificate.objects.get(pk=certificate_a.pk).grade == "A"


def test_the_pdf_holds_serial_hoster_grade_and_its_hash_is_stored(certificate_a):
    text = pdf_text(bytes(certificate_a.pdf))
    assert certificate_a.serial in text
    assert "Hoster A" in text
    assert "Score 100.00 / 100" in text or "Score 100,00 / 100" in text
    assert certificate_a.verify_url in text.replace("\n", "")
    assert hashlib.sha256(bytes(certificate_a.pdf)).hexdigest() == certificate_a.pdf_sha256


def test_the_pdf_shows_the_grade_letter_large(certificate_b):
    text = pdf_text(bytes(certificate_b.pdf))
    assert "\nB\n" in f"\n{text}\n" or any(line.strip() == "B" for line in text.splitlines())


def test_validity_is_twelve_months():
    assert valid_until_for(date(2025, 3, 15)) == date(2026, 3, 14)
    assert valid_until_for(date(2024, 2, 29)) == date(2025, 2, 27)


def test_expiry_follows_from_the_date(certificate_a):
    with time_machine.travel(certificate_a.valid_until, tick=False):
        assert Certificate.objects.get(pk=certificate_a.pk).status == CertificateStatus.VALID
    with time_machine.travel(date.fromordinal(certificate_a.valid_until.toordinal() + 1), tick=False):
        assert Certificate.objects.get(pk=certificate_a.pk).status == CertificateStatus.EXPIRED
        assert not Certificate.objects.current().exists()


def test_a_monitor_period_is_frozen(supervisor):
    from scoring.publication.monitor_periods import publish_monitor_period

    period = publish_monitor_period(
        supervisor, code="2024-h2", title="Monitor 2024 H2", date_from=date(2024, 7, 1), date_to=date(2024, 12, 31)
    )
    with pytest.raises(TypeError):
        period.save()
    with pytest.raises(TypeError):
        period.delete()
    with pytest.raises(TypeError):
        MonitorPeriod.objects.all().delete()


@pytest.mark.parametrize("verification", ["unverified", "rejected"])
def test_a_hoster_whose_identity_is_not_verified_gets_no_certificate(owner_a, hoster_a, supervisor, verification):
    assessment = approved_assessment(owner_a, hoster_a)
    rating = verified_rating(assessment)
    hoster_a.verification = verification
    hoster_a.save(update_fields=["verification"])
    assessment.refresh_from_db()
    assert "A supervisor has not verified the hoster's identity." in certifiable_problems(assessment, rating)
    assert issue_certificate_if_certifiable(assessment, rating, supervisor) is None
    with pytest.raises(CertificationRefused, match="not verified the hoster's identity"):
        issue_certificate(assessment, rating, supervisor)
    assert not Certificate.objects.filter(hoster=hoster_a).exists()
