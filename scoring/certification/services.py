"""Certification services: issue, supersede, suspend, reinstate and revoke certificates."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.catalogue import Criterion
from assessments.models import Answer, Assessment
from assessments.services import evidence_satisfies
from portal.access import require_supervisor
from portal.audit import log_action
from portal.models import Hoster, User
from portal.notify import notify_on_commit
from portal.refusals import Refusal
from portal.services import owners_of, supervisors
from scoring.certification.models import (
    LIVE_STATES,
    Certificate,
    CertificateEvent,
    CertificateStatus,
    SerialCounter,
)
from scoring.certification.pdf import render_certificate_pdf
from scoring.engine import ScoreCard, Status, section_scores
from scoring.rating.models import Rating, ScoringModelVersion

EvidenceAccepted = Callable[[Criterion, Answer], bool]
"""Whether the auditor accepted the evidence behind an answer; the review feature passes its own."""

# The measured criteria form a section of their own on the certificate, frozen in both languages like the
# questionnaire's section titles.
REGISTRY_GENERATION_KEY = "registry:generation"


class CertificationRefused(Refusal):
    """A certificate action the rules do not allow; the message says why, for the person who tried."""


def registry_generation() -> int:
    """A number that changes whenever a certificate changes; the public registry caches under it."""
    # The key holds nothing but the nanosecond stamps written here.
    return cast(int, cache.get_or_set(REGISTRY_GENERATION_KEY, time.time_ns, None))


def registry_changed() -> None:
    # Now, so this process's next page is fresh, and again after commit, so no page read mid-transaction stays.
    cache.set(REGISTRY_GENERATION_KEY, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(REGISTRY_GENERATION_KEY, time.time_ns(), None))


# --- what goes into a certificate -----------------------------------------------------------------------------


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
    if assessment.hoster.verification != Hoster.Verification.VERIFIED:
        problems.append(_("A supervisor has not verified the hoster's identity."))
    if assessment.status != Assessment.Status.APPROVED:
        problems.append(_("The assessment is not approved."))
    if rating.assessment_id != assessment.pk:
        problems.append(_("The rating belongs to another assessment."))
    if rating.basis != Rating.Basis.VERIFIED:
        problems.append(_("The rating is not the verified score."))
    if not rating.certifiable_by_score:
        problems.append(_("Grade %(grade)s is not a certifiable grade.") % {"grade": rating.grade})
    accepted = evidence_accepted or evidence_on_file
    lines = {line.code: line for line in ScoreCard.from_dict(rating.scorecard).criteria}
    answers = {answer.criterion_code: answer for answer in assessment.answers.prefetch_related("evidence")}
    for criterion in assessment.questionnaire.parsed.criteria:
        line = lines.get(criterion.code)
        counts = line is not None and line.status is Status.SCORED and (line.points or 0) > 0
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
    if hoster.verification != Hoster.Verification.VERIFIED:
        raise CertificationRefused(_("A supervisor has not verified the hoster's identity."))
    now = timezone.now()
    today = timezone.localdate(now)
    serial = next_serial(today.year)
    previous = list(Certificate.objects.live().filter(hoster=hoster).order_by("-issued_at"))
    for old in previous:
        set_state(old, CertificateStatus.EXPIRED if old.valid_until < today else CertificateStatus.SUPERSEDED, now)
    supersedes = previous[0] if previous else None
    certificate = _frozen_certificate(
        assessment, rating, actor, hoster=hoster, serial=serial, issued_at=now, supersedes=supersedes
    )
    certificate.pdf = render_certificate_pdf(certificate)
    certificate.pdf_sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    certificate.save()
    registry_changed()
    record_event(certificate, CertificateEvent.Kind.ISSUED, actor, at=now)
    _record_retired(previous, serial, actor, now)
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


def _frozen_certificate(
    assessment: Assessment,
    rating: Rating,
    actor: User | None,
    *,
    hoster: Hoster,
    serial: str,
    issued_at: datetime,
    supersedes: Certificate | None,
) -> Certificate:
    """The certificate's content as it is frozen at issue (not yet saved, without its PDF)."""
    version: ScoringModelVersion = rating.model_version
    questionnaire = assessment.questionnaire
    card = ScoreCard.from_dict(rating.scorecard)
    return Certificate(
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
        issued_at=issued_at,
        valid_until=valid_until_for(timezone.localdate(issued_at)),
        section_scores=[section.to_dict() for section in section_scores(card, questionnaire.parsed)],
        scorecard=rating.scorecard,
        metrics=rating.metrics,
        methodology=rating.methodology,
        supersedes=supersedes,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        state=CertificateStatus.VALID,
        state_changed_at=issued_at,
    )


def _record_retired(previous: list[Certificate], serial: str, actor: User | None, now: datetime) -> None:
    """The events and audit entries of the certificates the new one `serial` retired (their state is set)."""
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
        require_supervisor(actor)
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
    require_supervisor(actor)
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
    require_supervisor(actor)
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
