"""Helpers of the certification tests: approved assessments, verified ratings, certificates and notices."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from pypdf import PdfReader

from assessments import services
from assessments.models import Answer, Assessment, QuestionnaireVersion
from portal.models import Hoster, User
from scoring.certification.models import Certificate, CertificateStatus
from scoring.certification.services import issue_certificate
from scoring.rating.models import Rating, ScoringModelVersion
from scoring.rating.scorecards import save_rating
from tests.assessments.helpers import answer_everything
from tests.scoring.measurement.helpers import run_import

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
# Answers that still pass every gate but bring the total under 90: grade B.
GRADE_B_ANSWERS = {"KYC-1": "no", "KYC-3": "no", "HCS-2": "none", "COM-1": "no", "COM-2": "no", "COM-5": "no"}


def approved_assessment(
    owner: User, hoster: Hoster, *, answers: dict[str, str] | None = None, evidence: bool = True
) -> Assessment:
    """An assessment answered with the best options (or `answers` where given), its evidence attached, approved."""
    assessment = services.start_assessment(owner, hoster, *PERIOD)
    answer_everything(owner, assessment, with_evidence=evidence)
    if answers:
        services.save_answers(owner, assessment, {code: services.AnswerInput(value=v) for code, v in answers.items()})
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.APPROVED)
    assessment.refresh_from_db()
    return assessment


def verified_rating(assessment: Assessment) -> Rating:
    """The verified rating with every answer accepted by the (imagined) auditor."""
    codes = set(Answer.objects.filter(assessment=assessment).values_list("criterion_code", flat=True))
    return save_rating(None, assessment, basis=Rating.Basis.VERIFIED, accepted=codes)


def certify(owner: User, hoster: Hoster, actor: User | None = None, **options) -> Certificate:
    assessment = approved_assessment(owner, hoster, **options)
    return issue_certificate(assessment, verified_rating(assessment), actor)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def notices_for(hoster: Hoster, count: int, *, hours: float, start: datetime, open_: bool = False, prefix: str = "n"):
    """`count` notices for `hoster`, one an hour from `start`, each removed after `hours` (or left open)."""
    rows = []
    for index in range(count):
        reported = start + timedelta(hours=index)
        removed = "" if open_ else (reported + timedelta(hours=hours)).isoformat()
        rows.append((f"{prefix}{index}", reported.isoformat(), removed, "192.0.2.1", "", hoster.slug, ""))
    result = run_import(rows)
    assert result.ok, result.errors
    return result


def bulk_certificates(count: int, *, owner_email_prefix: str = "bulk") -> list[Certificate]:
    """`count` hosters, each with an approved assessment, a verified rating and a valid certificate, in bulk."""
    questionnaire = QuestionnaireVersion.objects.current()
    version = ScoringModelVersion.objects.current()
    hosters = Hoster.objects.bulk_create(
        [Hoster(slug=f"{owner_email_prefix}-{i:05d}", name=f"Bulk Hoster {i:05d}") for i in range(count)]
    )
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                hoster=hoster,
                questionnaire=questionnaire,
                period_start=PERIOD[0],
                period_end=PERIOD[1],
                status=Assessment.Status.APPROVED,
            )
            for hoster in hosters
        ]
    )
    card = {"score": 91.5, "grade": "A", "criteria": [], "gates": []}
    ratings = Rating.objects.bulk_create(
        [
            Rating(
                assessment=assessment,
                model_version=version,
                basis=Rating.Basis.VERIFIED,
                score=Decimal("91.50"),
                grade="A",
                grade_by_score="A",
                certifiable_by_score=True,
                scorecard=card,
            )
            for assessment in assessments
        ]
    )
    now = timezone.now()
    year = timezone.localdate(now).year
    first = 900000 + Certificate.objects.count()
    return Certificate.objects.bulk_create(
        [
            Certificate(
                serial=f"GH-{year}-{first + i:06d}",
                hoster=hoster,
                assessment=assessment,
                rating=rating,
                grade="A" if i % 3 else "B",
                score=Decimal("91.50") if i % 3 else Decimal("80.25"),
                model_code=version.code,
                model_version=version.version,
                questionnaire_code=questionnaire.code,
                questionnaire_version=questionnaire.version,
                period_start=PERIOD[0],
                period_end=PERIOD[1],
                issued_at=now,
                valid_until=timezone.localdate(now) + timedelta(days=300),
                scorecard=card,
                pdf=b"%PDF-1.4 bulk",
                pdf_sha256="0" * 64,
                state=CertificateStatus.VALID,
                state_changed_at=now,
            )
            for i, (hoster, assessment, rating) in enumerate(zip(hosters, assessments, ratings, strict=True))
        ],
        batch_size=500,
    )
