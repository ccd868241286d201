"""Certification listens to the review: an approved assessment gets its verified rating and, if it earns one, a
certificate."""

from __future__ import annotations

from typing import Any

from assessments.models import Decision
from assessments.review import accepted_codes, evidence_acceptance
from portal.models import User
from scoring.certification.services import certifiable_problems, issue_certificate_if_certifiable, registry_changed
from scoring.rating.models import Rating
from scoring.rating.scorecards import save_rating


def certify_approved(sender: type[Decision], decision: Decision, auditor: User, **kwargs: Any) -> dict[str, Any]:
    """Save the verified rating (only accepted answers count), issue a certificate when it is certifiable, and
    record on the decision whether it was and why not."""
    assessment = decision.assessment
    rating = save_rating(
        auditor, assessment, basis=Rating.Basis.VERIFIED, accepted=accepted_codes(assessment), decision=decision
    )
    accepted = evidence_acceptance(assessment)
    problems = [str(problem) for problem in certifiable_problems(assessment, rating, evidence_accepted=accepted)]
    certificate = issue_certificate_if_certifiable(assessment, rating, auditor, evidence_accepted=accepted)
    decision.record_certification(
        certifiable=not problems,
        problems=problems,
        certificate_serial=certificate.serial if certificate is not None else "",
    )
    return {"rating": rating.pk, "grade": rating.grade}


def refresh_registry(sender: type, **kwargs: Any) -> None:
    """A hoster's approved public name or website changed: the cached registry pages and API answers go stale."""
    registry_changed()
