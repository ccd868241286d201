"""Disputes: a hoster objects to a notice's attribution or its removal time, the supervisor decides; both sides
are told. An accepted removal time is stored beside the measured one, never over it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assessments.evidence import EvidenceRefused, detect_document, read_limited, sanitise_filename
from portal.audit import log_action
from portal.models import Hoster, User
from portal.notify import notify_on_commit
from portal.refusals import Refusal
from portal.services import owners_of, supervisors
from scoring.measurement.attribution import stored_reason
from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import Attribution, Dispute, Notice
from scoring.measurement.signals import notices_attributed

EVIDENCE_URL_MAX = 2000  # Dispute.evidence_url's length


class DisputeError(Refusal):
    """A dispute cannot be raised or resolved this way; the message is for the user."""


@transaction.atomic
def raise_dispute(user: User, notice: Notice, reason: str) -> Dispute:
    """A member of the notice's hoster objects to its attribution; supervisors are told."""
    reason = reason.strip()
    if not reason:
        raise DisputeError(_("Give a reason for the dispute."))
    hoster = notice.hoster
    if hoster is None:
        raise DisputeError(_("This notice is not attributed to any hoster."))
    if Dispute.objects.open().filter(notice=notice).exists():
        raise DisputeError(_("This notice already has an open dispute."))
    dispute = Dispute.objects.create(notice=notice, hoster=hoster, raised_by=user, reason=reason)
    log_action(user, "scoring.dispute.raised", dispute, {"notice": str(notice), "reason": reason})
    context = {"dispute": dispute, "notice": notice, "hoster": hoster}
    notify_on_commit(supervisors(), "email/scoring_dispute_raised", context)
    return dispute


def _uphold(user: User, dispute: Dispute, new_hoster: Hoster | None) -> None:
    """Give the notice to `new_hoster` (written to its attribution history), or exclude it when None."""
    notice = dispute.notice
    dispute.status = Dispute.Status.UPHELD
    if new_hoster is not None:
        dispute.outcome = Dispute.Outcome.REATTRIBUTED
        dispute.new_hoster = new_hoster
        AttributionChange.objects.create(
            notice=notice,
            actor=user,
            old_hoster=notice.hoster,
            new_hoster=new_hoster,
            attribution=Attribution.DISPUTE,
            reason=stored_reason(gettext_noop("dispute upheld: %(reason)s"), reason=dispute.resolution_reason),
        )
        notice.hoster = new_hoster
    else:
        dispute.outcome = Dispute.Outcome.EXCLUDED
        notice.excluded = True
    notice.attribution = Attribution.DISPUTE
    notice.save(update_fields=["hoster", "attribution", "excluded"])


@transaction.atomic
def resolve_dispute(
    user: User, dispute: Dispute, *, uphold: bool, reason: str, new_hoster: Hoster | None = None
) -> Dispute:
    """The supervisor's decision: uphold (re-attribute to `new_hoster`, or exclude when None) or reject.

    Both sides hear of it: the disputing hoster's owners and raiser, the hoster now given the notice, and the
    supervisors.
    """
    dispute = Dispute.objects.select_for_update().select_related("notice", "hoster").get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise DisputeError(_("This dispute has already been decided."))
    if dispute.kind != Dispute.Kind.ATTRIBUTION:
        raise DisputeError(_("This dispute is about the removal time, not the attribution."))
    reason = reason.strip()
    if not reason:
        raise DisputeError(_("Give a reason for the decision."))
    notice = dispute.notice
    if uphold and new_hoster is not None and new_hoster.pk == dispute.hoster_id:
        raise DisputeError(_("Upholding the dispute needs another hoster, or exclusion of the notice."))
    dispute.resolved_by = user
    dispute.resolved_at = timezone.now()
    dispute.resolution_reason = reason
    if uphold:
        _uphold(user, dispute, new_hoster)
    else:
        dispute.status = Dispute.Status.REJECTED
    dispute.save()
    action = "scoring.dispute.upheld" if uphold else "scoring.dispute.rejected"
    log_action(
        user,
        action,
        dispute,
        {
            "notice": str(notice),
            "outcome": dispute.outcome,
            "new_hoster": new_hoster.slug if new_hoster else None,
            "reason": reason,
        },
    )
    recipients = [dispute.raised_by, *owners_of(dispute.hoster), *supervisors()]
    if new_hoster is not None and uphold:
        recipients += owners_of(new_hoster)
        notices_attributed.send(sender=Dispute, hoster=new_hoster, actor=user)
    context = {"dispute": dispute, "notice": notice, "hoster": dispute.hoster}
    notify_on_commit(recipients, "email/scoring_dispute_resolved", context)
    return dispute


# Removal time ----------------------------------------------------------------------------------------------------


def _utc(moment: datetime | None) -> str | None:
    """A moment as the audit log keeps it: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat() if moment else None


def _check_removal_time(notice: Notice, moment: datetime) -> None:
    """A removal time lies between the notice's report and now."""
    if moment < notice.reported_at:
        raise DisputeError(_("The removal time lies before the notice was reported."))
    if moment > timezone.now():
        raise DisputeError(_("The removal time lies in the future."))


def evidence_web_address(url: str, notice: Notice) -> str:
    """The evidence page as stored: https only, without user name, password or fragment; never the notice's URL."""
    url = url.strip()
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise DisputeError(_("Enter a web address starting with https://.")) from None
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    cleaned = urlunsplit(("https", host, parts.path or "/", parts.query, ""))
    if len(cleaned) > EVIDENCE_URL_MAX:
        raise DisputeError(_("The web address is too long: at most %(max)d characters.") % {"max": EVIDENCE_URL_MAX})
    hashes = {hashlib.sha256(text.encode()).hexdigest() for text in (url, cleaned)}
    if notice.url_sha256 and notice.url_sha256 in hashes:
        raise DisputeError(
            _(
                "This is the reported URL itself, which the portal never stores. Give a page that shows the "
                "removal (a ticket, a log), or upload a document."
            )
        )
    return cleaned


def _judged_document(upload: IO[bytes]) -> tuple[bytes, str]:
    """The document's content and detected type, or EvidenceRefused saying why it may not enter."""
    try:
        content = read_limited(upload, settings.EVIDENCE_MAX_BYTES)
        return content, detect_document(content).kind
    except EvidenceRefused as refusal:
        raise EvidenceRefused(_("The evidence was refused. %(reason)s") % {"reason": refusal}) from refusal


def _evidence_summary(dispute: Dispute) -> dict[str, object]:
    if dispute.evidence_url:
        return {"url": dispute.evidence_url}
    return {
        "name": dispute.evidence_name,
        "type": dispute.evidence_type,
        "size": dispute.evidence_size,
        "sha256": dispute.evidence_sha256,
    }


@transaction.atomic
def raise_removal_dispute(
    user: User,
    notice: Notice,
    claimed_removed_at: datetime,
    reason: str,
    *,
    document: IO[bytes] | None = None,
    document_name: str = "",
    url: str = "",
) -> Dispute:
    """A member of the notice's hoster claims it was removed at another time, with a document or a web address as
    evidence; supervisors are told. Refused (nothing stored) when the claim or its evidence may not enter."""
    reason = reason.strip()
    if not reason:
        raise DisputeError(_("Say how you know when the material was removed."))
    hoster = notice.hoster
    if hoster is None:
        raise DisputeError(_("This notice is not attributed to any hoster."))
    if Dispute.objects.open().filter(notice=notice).exists():
        raise DisputeError(_("This notice already has an open dispute."))
    _check_removal_time(notice, claimed_removed_at)
    if claimed_removed_at == notice.counted_removed_at:
        raise DisputeError(_("This already is the notice's removal time."))
    if (document is None) == (not url.strip()):
        raise DisputeError(_("Attach either a document or a web address as evidence."))
    dispute = Dispute(
        notice=notice,
        hoster=hoster,
        kind=Dispute.Kind.REMOVAL_TIME,
        raised_by=user,
        reason=reason,
        claimed_removed_at=claimed_removed_at,
    )
    content = None
    if document is not None:
        content, dispute.evidence_type = _judged_document(document)
        dispute.evidence_name = sanitise_filename(document_name)
        dispute.evidence_size = len(content)
        dispute.evidence_sha256 = hashlib.sha256(content).hexdigest()
        dispute.evidence_file.save("evidence", ContentFile(content), save=False)
    else:
        dispute.evidence_url = evidence_web_address(url, notice)
    try:
        dispute.save()
        data = {"notice": str(notice), "kind": dispute.kind, "claimed_removed_at": _utc(claimed_removed_at)}
        log_action(user, "scoring.dispute.raised", dispute, {**data, "reason": reason, **_evidence_summary(dispute)})
    except BaseException:
        # The row is rolled back with the transaction; the written file must go with it.
        if content is not None:
            dispute.evidence_file.delete(save=False)
        raise
    context = {"dispute": dispute, "notice": notice, "hoster": hoster}
    notify_on_commit(supervisors(), "email/scoring_removal_dispute_raised", context)
    return dispute


@transaction.atomic
def decide_removal_dispute(
    user: User, dispute: Dispute, *, accept: bool, reason: str, corrected_removed_at: datetime | None = None
) -> Dispute:
    """The supervisor accepts a removal-time dispute, storing the corrected time (by default the claimed one)
    beside the measured one, or rejects it with a reason; the hoster hears of it either way."""
    dispute = Dispute.objects.select_for_update().select_related("notice", "hoster").get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise DisputeError(_("This dispute has already been decided."))
    if dispute.kind != Dispute.Kind.REMOVAL_TIME:
        raise DisputeError(_("This dispute is about the attribution, not the removal time."))
    reason = reason.strip()
    if not accept and not reason:
        raise DisputeError(_("Give a reason for rejecting the dispute."))
    notice = Notice.objects.select_for_update().get(pk=dispute.notice_id)
    data: dict[str, object] = {
        "notice": str(notice),
        "kind": dispute.kind,
        "removed_at": _utc(notice.removed_at),
        "claimed_removed_at": _utc(dispute.claimed_removed_at),
        "reason": reason,
    }
    if accept:
        corrected = corrected_removed_at or dispute.claimed_removed_at
        assert corrected is not None  # the database holds every removal-time dispute to a claimed time
        _check_removal_time(notice, corrected)
        dispute.status, dispute.outcome = Dispute.Status.UPHELD, Dispute.Outcome.CORRECTED
        dispute.corrected_removed_at = notice.corrected_removed_at = corrected
        notice.save(update_fields=["corrected_removed_at"])
        data["corrected_removed_at"] = _utc(corrected)
    else:
        dispute.status = Dispute.Status.REJECTED
    dispute.resolved_by, dispute.resolved_at, dispute.resolution_reason = user, timezone.now(), reason
    dispute.save()
    log_action(user, "scoring.dispute.upheld" if accept else "scoring.dispute.rejected", dispute, data)
    context = {"dispute": dispute, "notice": notice, "hoster": dispute.hoster}
    notify_on_commit([dispute.raised_by, *owners_of(dispute.hoster)], "email/scoring_removal_dispute_decided", context)
    return dispute
