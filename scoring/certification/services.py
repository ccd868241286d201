"""Certification services: issue, supersede, suspend, reinstate and revoke certificates; publish monitor periods."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.catalogue import Criterion, Questionnaire
from assessments.models import Answer, Assessment
from assessments.services import evidence_satisfies
from portal.audit import log_action
from portal.models import Hoster, User
from portal.notify import notify_on_commit
from portal.services import owners_of, supervisors
from scoring.certification.models import (
    LIVE_STATES,
    Certificate,
    CertificateEvent,
    CertificateStatus,
    SerialCounter,
)
from scoring.certification.pdf import render_certificate_pdf, render_monitor_pdf
from scoring.measurement.metrics import hoster_metrics
from scoring.publication.models import MonitorPeriod
from scoring.rating.models import Rating, ScoringModelVersion

EvidenceAccepted = Callable[[Criterion, Answer], bool]
"""Whether the auditor accepted the evidence behind an answer; the review feature passes its own."""

# The measured criteria form a section of their own on the certificate, frozen in both languages like the
# questionnaire's section titles.
MEASURED_SECTION = {"code": "MEA", "title": {"nl": "Gemeten verwijdertijden", "en": "Measured removal times"}}
INCLUDED_STATUSES = ("scored", "unanswered")
DEFAULT_NORM_HOURS = 24.0


REGISTRY_GENERATION_KEY = "registry:generation"


class CertificationRefused(ValueError):
    """A certificate action the rules do not allow; the message says why, for the person who tried."""


def registry_generation() -> int:
    """A number that changes whenever a certificate changes; the public registry caches under it."""
    return cache.get_or_set(REGISTRY_GENERATION_KEY, time.time_ns, None)


def registry_changed() -> None:
    # Now, so this process's next page is fresh, and again after commit, so no page read mid-transaction stays.
    cache.set(REGISTRY_GENERATION_KEY, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(REGISTRY_GENERATION_KEY, time.time_ns(), None))


# --- who hears about it ---------------------------------------------------------------------------------------


def _require_supervisor(actor: User | None) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_supervisor:
        raise PermissionDenied(_("Only a supervisor may change a certificate."))


# --- what goes into a certificate -----------------------------------------------------------------------------


def section_scores(scorecard: dict[str, Any], questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Per section of the questionnaire, and for the measured criteria, 0-100 like the total (DESIGN §4.3)."""
    lines = {line["code"]: line for line in scorecard["criteria"]}
    groups = [
        {"code": section.code, "title": section.title.to_dict(), "codes": [c.code for c in section.criteria]}
        for section in questionnaire.sections
    ]
    questionnaire_codes = {code for group in groups for code in group["codes"]}
    groups.append({**MEASURED_SECTION, "codes": [code for code in lines if code not in questionnaire_codes]})
    result = []
    for group in groups:
        included = [
            lines[code] for code in group["codes"] if code in lines and lines[code]["status"] in INCLUDED_STATUSES
        ]
        weight = sum(line["weight"] for line in included)
        value = 10 * sum(line["weight"] * (line["points"] or 0) for line in included) / weight if weight else None
        result.append(
            {"code": group["code"], "title": group["title"], "score": None if value is None else round(value, 1)}
        )
    return result


def add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def valid_until_for(issued: date) -> date:
    """Twelve months: the last valid day is the day before the anniversary of issue."""
    return add_year(issued) - timedelta(days=1)


def evidence_on_file(criterion: Criterion, answer: Answer) -> bool:
    """The default check: the approved assessment holds evidence of the kind the criterion asks for."""
    return evidence_satisfies(criterion, list(answer.evidence.all()))


def certifiable_problems(
    assessment: Assessment, rating: Rating, *, evidence_accepted: EvidenceAccepted | None = None
) -> list[str]:
    """Why `rating` of `assessment` does not certify (empty when it does): DESIGN §4.3 certifiable."""
    problems = []
    if assessment.status != Assessment.Status.APPROVED:
        problems.append(_("The assessment is not approved."))
    if rating.assessment_id != assessment.pk:
        problems.append(_("The rating belongs to another assessment."))
    if rating.basis != Rating.Basis.VERIFIED:
        problems.append(_("The rating is not the verified score."))
    if not rating.certifiable_by_score:
        problems.append(_("Grade %(grade)s is not a certifiable grade.") % {"grade": rating.grade})
    accepted = evidence_accepted or evidence_on_file
    lines = {line["code"]: line for line in rating.scorecard.get("criteria", [])}
    answers = {answer.criterion_code: answer for answer in assessment.answers.prefetch_related("evidence")}
    for criterion in assessment.questionnaire.parsed.criteria:
        line = lines.get(criterion.code)
        counts = line is not None and line["status"] == "scored" and (line["points"] or 0) > 0
        if criterion.evidence == "none" or not counts:
            continue
        answer = answers.get(criterion.code)
        if answer is None or not accepted(criterion, answer):
            problems.append(_("%(code)s: its evidence has not been accepted.") % {"code": criterion.code})
    return problems


# --- serial numbers -------------------------------------------------------------------------------------------


def next_serial(year: int) -> str:
    """`GH-YYYY-NNNNNN`, the next of the year; the counter row is locked until the caller's transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_serial must run inside the transaction that stores the certificate")
    SerialCounter.objects.get_or_create(year=year)
    counter = SerialCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"GH-{year}-{counter.last:06d}"


# --- issuing --------------------------------------------------------------------------------------------------


@transaction.atomic
def issue_certificate_if_certifiable(
    assessment: Assessment,
    rating: Rating,
    actor: User | None,
    *,
    evidence_accepted: EvidenceAccepted | None = None,
) -> Certificate | None:
    """The approval hook: issue a certificate when the verified rating certifies, else None (nothing written)."""
    if certifiable_problems(assessment, rating, evidence_accepted=evidence_accepted):
        return None
    return issue_certificate(assessment, rating, actor)


def record_event(
    certificate: Certificate,
    kind: str,
    actor: User | None,
    *,
    reason: str = "",
    reason_nl: str = "",
    automatic: bool = False,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> CertificateEvent:
    return CertificateEvent.objects.create(
        certificate=certificate,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
        reason_nl=reason_nl,
        automatic=automatic,
        data=data or {},
        at=at or timezone.now(),
    )


def set_state(certificate: Certificate, state: str, at: Any) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(state=state, state_changed_at=at)
    certificate.state, certificate.state_changed_at = state, at
    registry_changed()


@transaction.atomic
def issue_certificate(assessment: Assessment, rating: Rating, actor: User | None) -> Certificate:
    """Issue the certificate of an approved assessment (callers check certifiability first).

    Idempotent per assessment. The hoster's live certificate is superseded. The PDF is rendered now and its
    bytes and SHA-256 are kept, so the served file always matches the hash on the verification page.
    """
    hoster = Hoster.objects.select_for_update().get(pk=assessment.hoster_id)
    existing = Certificate.objects.filter(assessment=assessment).first()
    if existing is not None:
        return existing
    now = timezone.now()
    today = timezone.localdate(now)
    serial = next_serial(today.year)
    previous = list(Certificate.objects.live().filter(hoster=hoster).order_by("-issued_at"))
    for old in previous:
        set_state(old, CertificateStatus.EXPIRED if old.valid_until < today else CertificateStatus.SUPERSEDED, now)
    version: ScoringModelVersion = rating.model_version
    questionnaire = assessment.questionnaire
    certificate = Certificate(
        serial=serial,
        hoster=hoster,
        assessment=assessment,
        rating=rating,
        grade=rating.grade,
        score=Decimal(str(rating.score)),
        model_code=version.code,
        model_version=version.version,
        questionnaire_code=questionnaire.code,
        questionnaire_version=questionnaire.version,
        period_start=assessment.period_start,
        period_end=assessment.period_end,
        issued_at=now,
        valid_until=valid_until_for(today),
        section_scores=section_scores(rating.scorecard, questionnaire.parsed),
        scorecard=rating.scorecard,
        metrics=rating.metrics,
        supersedes=previous[0] if previous else None,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        state=CertificateStatus.VALID,
        state_changed_at=now,
    )
    certificate.pdf = render_certificate_pdf(certificate)
    certificate.pdf_sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    certificate.save()
    registry_changed()
    record_event(certificate, CertificateEvent.Kind.ISSUED, actor, at=now)
    for old in previous:
        kind = (
            CertificateEvent.Kind.EXPIRED
            if old.state == CertificateStatus.EXPIRED
            else CertificateEvent.Kind.SUPERSEDED
        )
        record_event(
            old,
            kind,
            actor,
            reason=_("Superseded by certificate %(serial)s.") % {"serial": serial},
            data={"superseded_by": serial},
            at=now,
        )
        log_action(actor, f"scoring.certificate.{kind}", old, {"superseded_by": serial})
    log_action(
        actor,
        "scoring.certificate.issued",
        certificate,
        {
            "hoster": hoster.slug,
            "assessment": assessment.pk,
            "rating": rating.pk,
            "grade": certificate.grade,
            "score": str(certificate.score),
            "valid_until": certificate.valid_until,
            "pdf_sha256": certificate.pdf_sha256,
            "supersedes": [old.serial for old in previous],
        },
    )
    notify_on_commit(owners_of(hoster), "email/certificates_issued", {"certificate": certificate, "hoster": hoster})
    return certificate


# --- suspension, reinstatement, revocation --------------------------------------------------------------------


def _locked(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.without_documents()
        .select_related("hoster")
        .select_for_update(of=("self",))
        .get(pk=certificate.pk)
    )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CertificationRefused(_("State a public reason."))
    return reason


def _change_state(
    certificate: Certificate,
    actor: User | None,
    *,
    allowed: tuple[str, ...],
    refusal: str,
    state: str,
    kind: str,
    recipients: Callable[[Hoster], list[User]],
    event: dict[str, Any],
    audit: dict[str, Any],
) -> CertificateEvent:
    """Move a certificate from one of the `allowed` states to `state`: the event, the audit entry and the e-mails.

    `refusal` names the certificate (`%(serial)s`) and its current state (`%(status)s`) when it is elsewhere.
    """
    locked = _locked(certificate)
    if locked.status not in allowed:
        raise CertificationRefused(refusal % {"serial": locked.serial, "status": locked.get_status_display().lower()})
    now = timezone.now()
    set_state(locked, state, now)
    recorded = record_event(locked, kind, actor, at=now, **event)
    log_action(actor, f"scoring.certificate.{kind}", locked, audit)
    notify_on_commit(
        recipients(locked.hoster),
        f"email/certificates_{kind}",
        {"certificate": locked, "hoster": locked.hoster, "event": recorded},
    )
    certificate.state, certificate.state_changed_at = locked.state, locked.state_changed_at
    return recorded


def _owners_and_supervisors(hoster: Hoster) -> list[User]:
    return [*owners_of(hoster), *supervisors()]


@transaction.atomic
def suspend_certificate(
    certificate: Certificate,
    actor: User | None,
    reason: str,
    *,
    reason_nl: str = "",
    automatic: bool = False,
    data: dict[str, Any] | None = None,
) -> CertificateEvent:
    """Suspend a valid certificate with a public reason: by a supervisor, or by the monitoring run (`automatic`)."""
    if not automatic:
        _require_supervisor(actor)
    reason = _clean_reason(reason)
    return _change_state(
        certificate,
        actor,
        allowed=(CertificateStatus.VALID,),
        refusal=_("Only a valid certificate can be suspended; %(serial)s is %(status)s."),
        state=CertificateStatus.SUSPENDED,
        kind=CertificateEvent.Kind.SUSPENDED,
        recipients=_owners_and_supervisors,
        event={"reason": reason, "reason_nl": reason_nl, "automatic": automatic, "data": data},
        audit={"reason": reason, "automatic": automatic, **(data or {})},
    )


@transaction.atomic
def reinstate_certificate(certificate: Certificate, actor: User, reason: str) -> CertificateEvent:
    """Make a suspended certificate valid again (a supervisor, with a public reason)."""
    _require_supervisor(actor)
    reason = _clean_reason(reason)
    return _change_state(
        certificate,
        actor,
        allowed=(CertificateStatus.SUSPENDED,),
        refusal=_("Only a suspended certificate can be reinstated; %(serial)s is %(status)s."),
        state=CertificateStatus.VALID,
        kind=CertificateEvent.Kind.REINSTATED,
        recipients=owners_of,
        event={"reason": reason},
        audit={"reason": reason},
    )


@transaction.atomic
def revoke_certificate(certificate: Certificate, actor: User, reason: str) -> CertificateEvent:
    """Withdraw a valid or suspended certificate for good (a supervisor, with a public reason)."""
    _require_supervisor(actor)
    reason = _clean_reason(reason)
    return _change_state(
        certificate,
        actor,
        allowed=LIVE_STATES,
        refusal=_("Only a valid or suspended certificate can be revoked; %(serial)s is %(status)s."),
        state=CertificateStatus.REVOKED,
        kind=CertificateEvent.Kind.REVOKED,
        recipients=_owners_and_supervisors,
        event={"reason": reason},
        audit={"reason": reason},
    )


# --- monitor publication --------------------------------------------------------------------------------------


def current_norm_hours() -> float:
    version = ScoringModelVersion.objects.current()
    return version.norm_hours if version is not None else DEFAULT_NORM_HOURS


def monitor_ranking(date_from: date, date_to: date, norm_hours: float) -> tuple[list[dict], dict[str, Any]]:
    """The ranking of a period `[date_from, date_to]` (last day included) and its totals; reads only."""
    rows = hoster_metrics(date_from, date_to + timedelta(days=1), norm_hours=norm_hours)
    names = dict(Hoster.objects.values_list("slug", "name"))
    ranking = []
    unattributed = 0
    for row in rows:
        if row["hoster"] is None:
            unattributed = row["notices"]
        elif row["notices"]:
            ranking.append({"rank": len(ranking) + 1, "name": names.get(row["hoster"], row["hoster"]), **row})
    every = [row for row in rows if row["notices"]]
    notices = sum(row["notices"] for row in every)
    within_norm = sum(row["within_norm"] for row in every)
    totals = {
        "notices": notices,
        "unattributed": unattributed,
        "hosters": len(ranking),
        "within_norm": within_norm,
        "within_norm_pct": round(100 * within_norm / notices, 2) if notices else None,
        "within_24h": sum(row["within_24h"] for row in every),
        "between_24_48h": sum(row["between_24_48h"] for row in every),
        "over_48h_or_open": sum(row["over_48h_or_open"] for row in every),
        "open_over_norm": sum(row["open_over_norm"] for row in every),
    }
    return ranking, totals


@transaction.atomic
def publish_monitor_period(
    actor: User,
    *,
    code: str,
    title: str,
    date_from: date,
    date_to: date,
    norm_hours: float | None = None,
) -> MonitorPeriod:
    """Freeze the ranking of `[date_from, date_to]` (last day included) and publish it with its PDF report."""
    _require_supervisor(actor)
    if date_from > date_to:
        raise CertificationRefused(_("The first day must not be after the last day."))
    if date_to >= timezone.localdate():
        raise CertificationRefused(_("Only a period that has ended can be published."))
    if MonitorPeriod.objects.filter(code=code).exists():
        raise CertificationRefused(_("A monitor period with the code %(code)s is already published.") % {"code": code})
    norm = norm_hours if norm_hours is not None else current_norm_hours()
    ranking, totals = monitor_ranking(date_from, date_to, norm)
    period = MonitorPeriod(
        code=code,
        title=title.strip(),
        date_from=date_from,
        date_to=date_to,
        norm_hours=norm,
        ranking=ranking,
        totals=totals,
        published_at=timezone.now(),
        published_by=actor,
    )
    period.pdf = render_monitor_pdf(period)
    period.pdf_sha256 = hashlib.sha256(period.pdf).hexdigest()
    period.save()
    log_action(
        actor,
        "scoring.monitor_period.published",
        period,
        {
            "code": code,
            "from": date_from,
            "to": date_to,
            "norm_hours": norm,
            "hosters": totals["hosters"],
            "notices": totals["notices"],
            "pdf_sha256": period.pdf_sha256,
        },
    )
    return period
