"""Demo certificates: A and B certified, one suspended by the monitoring run, one revoked.

Called by the publication demo, which `seed_demo` runs after the other demos (hosters, assessments, notices).
Idempotent: a hoster that already has a certificate keeps it.
"""

from __future__ import annotations

from datetime import date
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from assessments.demo import demo_value
from assessments.loader import load_questionnaires
from assessments.models import Answer, Assessment, QuestionnaireVersion, last_full_months
from portal.demo import ensure_hoster
from portal.models import Hoster, Role, User
from scoring.certification.daily_run import suspend_if_gates_fail
from scoring.certification.models import Certificate
from scoring.certification.services import issue_certificate_if_certifiable, revoke_certificate
from scoring.rating.models import Rating
from scoring.rating.scorecards import compute_scorecard, load_scoring_models, save_rating

GRADE_B = {"KYC-1": "no", "KYC-3": "no", "HCS-2": "none", "COM-1": "no", "COM-2": "no", "COM-5": "no"}
# slug, name, answers that differ from the demo's usual ones, what happens after issue
DEMO_CERTIFICATES = [
    ("cleanhost", "CleanHost", {}, None),
    ("steadyhost", "SteadyHost", GRADE_B, None),
    ("bulkhost", "BulkHost B.V.", GRADE_B, "monitor"),
    ("lapsedhost", "LapsedHost", {}, "revoke"),
]
REVOCATION_REASON = (
    "LapsedHost no longer accepts Meldpunt notices directly: it now asks for a police report first, which the"
    " Good Hoster criteria do not allow (NTD-1)."
)


def _period(today: date) -> tuple[date, date]:
    """The twelve full months before the last twelve: those hosters' current assessments (recent period) are still
    open in the assessments demo, and a hoster has one assessment per period."""
    return last_full_months(last_full_months(today)[0])


def _approved_assessment(
    hoster: Hoster, questionnaire: QuestionnaireVersion, period: tuple[date, date], answers: dict[str, str]
) -> Assessment:
    """An assessment as the review would leave it (approved), answered like the other demo hosters."""
    owner = User.objects.filter(email=f"owner@{hoster.slug}.example").first()
    assessment = Assessment.objects.create(
        hoster=hoster,
        questionnaire=questionnaire,
        period_start=period[0],
        period_end=period[1],
        status=Assessment.Status.APPROVED,
        created_by=owner,
        submitted_by=owner,
        submitted_at=timezone.now(),
    )
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            criterion_code=criterion.code,
            value=answers.get(criterion.code) or demo_value(hoster, criterion),
            updated_by=owner,
        )
        for criterion in questionnaire.parsed.criteria
    )
    return assessment


def _certify(
    hoster: Hoster, questionnaire: QuestionnaireVersion, answers: dict[str, str], actor: User | None
) -> Certificate | None:
    """Certify on the year before the current period when its verified score card is certifiable (tried first)."""
    codes = [criterion.code for criterion in questionnaire.parsed.criteria]
    period = _period(timezone.localdate())
    if Assessment.objects.filter(hoster=hoster, period_start=period[0]).exists():
        return None
    with transaction.atomic():
        assessment = _approved_assessment(hoster, questionnaire, period, answers)
        card = compute_scorecard(assessment, basis=Rating.Basis.VERIFIED, accepted=codes)
        if not card.certifiable_by_score:
            transaction.set_rollback(True)
            return None
        rating = save_rating(actor, assessment, basis=Rating.Basis.VERIFIED, accepted=codes)
        # The demo's imagined auditor accepted every piece of evidence.
        return issue_certificate_if_certifiable(assessment, rating, actor, evidence_accepted=lambda c, a: True)


def seed(stdout: TextIO) -> None:
    load_questionnaires()
    load_scoring_models()
    questionnaire = QuestionnaireVersion.objects.current()
    supervisor = User.objects.filter(groups__name=Role.SUPERVISOR).order_by("pk").first()
    auditor = User.objects.filter(groups__name=Role.AUDITOR).order_by("pk").first()
    if questionnaire is None or supervisor is None:
        stdout.write("No questionnaire or supervisor; no demo certificates.\n")
        return
    for slug, name, answers, then in DEMO_CERTIFICATES:
        hoster = ensure_hoster(slug, name)
        if Certificate.objects.filter(hoster=hoster).exists():
            continue
        certificate = _certify(hoster, questionnaire, answers, auditor or supervisor)
        if certificate is None:
            stdout.write(f"{hoster.name}: not certifiable with the demo data; no certificate.\n")
            continue
        if then == "monitor" and suspend_if_gates_fail(certificate, timezone.now()):
            stdout.write(f"Demo certificate {certificate.serial} for {hoster.name}: suspended by the monitoring run\n")
        elif then == "revoke":
            revoke_certificate(certificate, supervisor, REVOCATION_REASON)
            stdout.write(f"Demo certificate {certificate.serial} for {hoster.name}: revoked\n")
        else:
            stdout.write(f"Demo certificate {certificate.serial} for {hoster.name}: grade {certificate.grade}\n")
