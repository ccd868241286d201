"""The daily monitoring run: expire, warn before expiry, and suspend certificates whose gates now fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.notify import notify_on_commit
from portal.services import owners_of
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.certification.services import (
    CertificationRefused,
    record_event,
    set_state,
    suspend_certificate,
)
from scoring.engine import Metrics, ScoreCard, ScoredAnswer, Status, score
from scoring.measurement import methodology, notice_days
from scoring.measurement.metrics import hoster_metrics
from scoring.rating.inputs import with_hash_checks

WINDOW_DAYS = 90
WARNING_DAYS = {30: CertificateEvent.Kind.EXPIRY_WARNING_30, 7: CertificateEvent.Kind.EXPIRY_WARNING_7}
REINSTATEMENT_GRACE_DAYS = 30
"""After a supervisor reinstates a certificate, the run leaves it alone this long, so it does not overrule them."""


@dataclass
class MonitoringResult:
    expired: list[str] = field(default_factory=list)
    warned: list[tuple[str, int]] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    checked: int = 0

    def summary(self) -> str:
        return (
            f"checked={self.checked} expired={len(self.expired)} warned={len(self.warned)}"
            f" suspended={len(self.suspended)}"
        )


def verified_answers(certificate: Certificate) -> dict[str, ScoredAnswer | None]:
    """The answers the certificate was issued on, read back from its frozen score card (rejected = unanswered)."""
    questionnaire = certificate.assessment.questionnaire.parsed
    scored = {criterion.code for criterion in questionnaire.criteria if criterion.scored}
    answers: dict[str, ScoredAnswer | None] = {}
    for line in ScoreCard.from_dict(certificate.scorecard).criteria:
        if line.code not in scored:
            continue
        if line.status is Status.NA:
            answers[line.code] = ScoredAnswer(value=None, na=True)
        elif line.status is Status.SCORED and line.answer is not None:
            answers[line.code] = ScoredAnswer(value=str(line.answer))
        else:
            answers[line.code] = None
    return answers


def rolling_metrics(certificate: Certificate, now: datetime, norm_hours: float) -> dict[str, Any]:
    """The hoster's metrics over the last 90 full days, as measured at `now`."""
    today = timezone.localdate(now)
    date_from = today - timedelta(days=WINDOW_DAYS)
    [row] = hoster_metrics(date_from, today, as_of=now, norm_hours=norm_hours, hoster=certificate.hoster)
    return {
        **row,
        "norm_hours": norm_hours,
        "from": date_from.isoformat(),
        "to": today.isoformat(),
        "methodology": methodology.current(norm_hours, now).as_dict(),
    }


def recheck(certificate: Certificate, now: datetime) -> tuple[ScoreCard, dict[str, Any]]:
    """The certificate's verified answers scored again with today's rolling metrics (and hash-check statistics, when
    its model reads them); reads only."""
    model = certificate.rating.model_version.parsed_for(certificate.assessment.questionnaire)
    metrics = with_hash_checks(rolling_metrics(certificate, now, model.norm_hours), model, certificate.hoster, now)
    return score(model, verified_answers(certificate), Metrics.from_dict(metrics)), metrics


def _expire(certificate: Certificate, now: datetime) -> bool:
    with transaction.atomic():
        locked = Certificate.objects.without_documents().select_for_update().get(pk=certificate.pk)
        if locked.state not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
            return False
        set_state(locked, CertificateStatus.EXPIRED, now)
        record_event(locked, CertificateEvent.Kind.EXPIRED, None, automatic=True, at=now)
        log_action(None, "scoring.certificate.expired", locked, {"valid_until": locked.valid_until})
        notify_on_commit(
            owners_of(certificate.hoster),
            "email/certificates_expired",
            {"certificate": locked, "hoster": certificate.hoster},
        )
    return True


def _warn(certificate: Certificate, today: date, now: datetime) -> int | None:
    """Record the due expiry warnings once each and mail the owners once; the days left, or None."""
    days_left = (certificate.valid_until - today).days
    due = [kind for days, kind in WARNING_DAYS.items() if days_left <= days]
    try:
        with transaction.atomic():
            done = set(certificate.events.filter(kind__in=due).values_list("kind", flat=True))
            new = [kind for kind in due if kind not in done]
            if not new:
                return None
            for kind in new:
                record_event(certificate, kind, None, automatic=True, data={"days_left": days_left}, at=now)
            log_action(
                None, "scoring.certificate.expiry_warned", certificate, {"days_left": days_left, "warnings": new}
            )
            notify_on_commit(
                owners_of(certificate.hoster),
                "email/certificates_expiring",
                {"certificate": certificate, "hoster": certificate.hoster, "days_left": days_left},
            )
    except IntegrityError:  # a concurrent run recorded it first
        return None
    return days_left


def _recently_reinstated(certificate: Certificate, now: datetime) -> bool:
    since = now - timedelta(days=REINSTATEMENT_GRACE_DAYS)
    return certificate.events.filter(kind=CertificateEvent.Kind.REINSTATED, at__gte=since).exists()


def _suspension_reason(card: ScoreCard) -> tuple[str, str]:
    failed = card.failed_gates
    with translation.override("en"):
        english = _("The daily measurement of the last %(days)d days no longer meets the requirements: %(gates)s") % {
            "days": WINDOW_DAYS,
            "gates": " ".join(gate.reason.en for gate in failed),
        }
    with translation.override("nl"):
        dutch = _("The daily measurement of the last %(days)d days no longer meets the requirements: %(gates)s") % {
            "days": WINDOW_DAYS,
            "gates": " ".join(gate.reason.nl for gate in failed),
        }
    return english, dutch


def suspend_if_gates_fail(certificate: Certificate, now: datetime) -> bool:
    """Recheck one valid certificate and suspend it, reason stated, when a gate fails now; whether it was."""
    card, metrics = recheck(certificate, now)
    failed = card.failed_gates
    if not failed or _recently_reinstated(certificate, now):
        return False
    reason, reason_nl = _suspension_reason(card)
    try:
        suspend_certificate(
            certificate,
            None,
            reason,
            reason_nl=reason_nl,
            automatic=True,
            data={
                "gates": [gate.to_dict() for gate in failed],
                "grade_now": card.grade,
                "score_now": card.score,
                "metrics": metrics,
            },
        )
    except CertificationRefused:  # a supervisor or a concurrent run changed it meanwhile
        return False
    return True


def monitor_certificates(now: datetime | None = None) -> MonitoringResult:
    """One monitoring run; idempotent, so a second run the same day changes nothing more."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = MonitoringResult()
    if connection.vendor == "postgresql":  # the kept days no import's worker computed (a big re-attribution, say)
        notice_days.refresh()
    base = Certificate.objects.defer("pdf").select_related(
        "hoster", "rating__model_version__questionnaire", "assessment__questionnaire"
    )
    for certificate in base.live().filter(valid_until__lt=today):
        if _expire(certificate, now):
            result.expired.append(certificate.serial)
    for certificate in base.current(today).filter(valid_until__lte=today + timedelta(days=max(WARNING_DAYS))):
        days_left = _warn(certificate, today, now)
        if days_left is not None:
            result.warned.append((certificate.serial, days_left))
    for certificate in base.current(today).order_by("pk"):
        result.checked += 1
        if suspend_if_gates_fail(certificate, now):
            result.suspended.append(certificate.serial)
    return result
