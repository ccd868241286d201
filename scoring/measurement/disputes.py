"""Attribution disputes: a hoster objects to a notice's attribution, the supervisor decides; both sides are told."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import Hoster, User
from portal.notify import notify_on_commit
from portal.refusals import Refusal
from portal.services import owners_of, supervisors
from scoring.measurement.models import Attribution, Dispute, Notice


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
        dispute.status = Dispute.Status.UPHELD
        if new_hoster is not None:
            dispute.outcome = Dispute.Outcome.REATTRIBUTED
            dispute.new_hoster = new_hoster
            notice.hoster = new_hoster
        else:
            dispute.outcome = Dispute.Outcome.EXCLUDED
            notice.excluded = True
        notice.attribution = Attribution.DISPUTE
        notice.save(update_fields=["hoster", "attribution", "excluded"])
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
    context = {"dispute": dispute, "notice": notice, "hoster": dispute.hoster}
    notify_on_commit(recipients, "email/scoring_dispute_resolved", context)
    return dispute
