"""The right of reply before a monitor period names anyone (DESIGN §4.7): draft → in review → published.

Opening the review tells every hoster with notices in the period (its members, each in their own language) and
shows it its own draft figures and notices, never another's. Until the review closes (`DEFAULT_REVIEW_DAYS` after
opening; the supervisor may extend it) the hoster disputes attribution or removal times through the dispute pages
of the measurement stage. Publishing waits until the review has closed and no dispute about a notice of the period
is open; it freezes the figures, the methodology and, per hoster, whether it looked and how many corrections its
disputes brought.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.access import require_supervisor
from portal.audit import log_action
from portal.models import Hoster, User
from portal.notify import notify_on_commit
from scoring.measurement.metrics import as_datetime
from scoring.measurement.models import Dispute, DisputeQuerySet, Notice, NoticeQuerySet
from scoring.publication.models import MonitorPeriod, MonitorReview, MonitorReviewHoster
from scoring.publication.monitor_periods import PublicationRefused, publish_monitor_period
from scoring.rating.models import ScoringModelVersion

DEFAULT_REVIEW_DAYS = 14
MAX_EXTENSION_DAYS = 60


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The moments `[start, end)` of a period given by its first and last day, in the portal's time zone."""
    return as_datetime(date_from), as_datetime(date_to + timedelta(days=1))


def period_notices(review: MonitorReview) -> NoticeQuerySet:
    """The notices the period counts (those reported in it, not excluded)."""
    return Notice.objects.counted().in_period(*period_bounds(review.date_from, review.date_to))


def period_disputes(review: MonitorReview) -> DisputeQuerySet:
    """The disputes about notices reported in the period (whoever raised them, whenever)."""
    start, end = period_bounds(review.date_from, review.date_to)
    return Dispute.objects.filter(notice__reported_at__gte=start, notice__reported_at__lt=end)


@transaction.atomic
def draft_review(
    actor: User, *, code: str, title: str, date_from: date, date_to: date, model: ScoringModelVersion
) -> MonitorReview:
    """A draft of the next monitor period, under the norm of `model`; nobody outside supervision sees it yet."""
    require_supervisor(actor)
    if date_from > date_to:
        raise PublicationRefused(_("The first day must not be after the last day."))
    if date_to >= timezone.localdate():
        raise PublicationRefused(_("Only a period that has ended can be published."))
    if MonitorReview.objects.filter(code=code).exists() or MonitorPeriod.objects.filter(code=code).exists():
        raise PublicationRefused(_("The code %(code)s is already in use.") % {"code": code})
    review = MonitorReview.objects.create(
        code=code,
        title=title.strip(),
        date_from=date_from,
        date_to=date_to,
        scoring_model=model.code,
        norm_hours=model.norm_hours,
        created_by=actor,
    )
    log_action(
        actor,
        "scoring.monitor_review.drafted",
        review,
        {"code": code, "from": date_from, "to": date_to, "scoring_model": model.code, "norm_hours": model.norm_hours},
    )
    return review


def _locked(review: MonitorReview) -> MonitorReview:
    return MonitorReview.objects.select_for_update().get(pk=review.pk)


@transaction.atomic
def open_review(actor: User, review: MonitorReview, *, days: int = DEFAULT_REVIEW_DAYS) -> MonitorReview:
    """Open the review: store the hosters with notices in the period and tell their members, each in their own
    language, with a link to their own draft figures."""
    require_supervisor(actor)
    review = _locked(review)
    if review.state != MonitorReview.State.DRAFT:
        raise PublicationRefused(_("Only a draft can be opened for review."))
    now = timezone.now()
    review.state = MonitorReview.State.IN_REVIEW
    review.opened_at, review.opened_by = now, actor
    review.review_days = days
    review.closes_at = now + timedelta(days=days)
    review.save(update_fields=["state", "opened_at", "opened_by", "review_days", "closes_at"])
    hoster_ids = period_notices(review).filter(hoster__isnull=False).values_list("hoster_id", flat=True).distinct()
    hosters = list(Hoster.objects.filter(pk__in=set(hoster_ids)).order_by("name"))
    MonitorReviewHoster.objects.bulk_create(
        [MonitorReviewHoster(review=review, hoster=hoster, notified_at=now) for hoster in hosters]
    )
    for hoster in hosters:
        _tell_members(review, hoster)
    log_action(
        actor,
        "scoring.monitor_review.opened",
        review,
        {"code": review.code, "closes_at": review.closes_at, "hosters": [hoster.slug for hoster in hosters]},
    )
    return review


def _tell_members(review: MonitorReview, hoster: Hoster) -> None:
    """E-mail the hoster's members, each in their own language, a link to its draft figures of the review."""
    members = [membership.user for membership in hoster.memberships.select_related("user")]
    link = settings.SITE_URL + reverse("monitor_review_hoster", args=[hoster.slug, review.code])
    notify_on_commit(members, "email/scoring_monitor_review_opened", {"review": review, "hoster": hoster, "link": link})


@transaction.atomic
def name_hosters_given_notices(actor: User | None) -> list[MonitorReviewHoster]:
    """A decision moved notices to hosters (a dispute upheld, the unattributed queue, a declared network): every
    review in progress names each hoster that now has notices in its period but was not named when it opened, and
    tells its members, so the hoster gets its right of reply and its published row says whether it used it. A
    review whose time has run out is left alone: it is too late to reply. Returns the hosters named now."""
    named = []
    # Locked first, then asked whom they name: two decisions at once name a hoster once.
    reviews = MonitorReview.objects.select_for_update().filter(
        state=MonitorReview.State.IN_REVIEW, closes_at__gt=timezone.now()
    )
    for review in reviews.order_by("pk"):
        counted = period_notices(review).filter(hoster__isnull=False).values_list("hoster_id", flat=True)
        new_ids = set(counted.distinct()) - set(review.hosters.values_list("hoster_id", flat=True))
        now = timezone.now()
        for hoster in Hoster.objects.filter(pk__in=new_ids).order_by("name"):
            named.append(MonitorReviewHoster.objects.create(review=review, hoster=hoster, notified_at=now))
            _tell_members(review, hoster)
            log_action(
                actor,
                "scoring.monitor_review.hoster_added",
                review,
                {"code": review.code, "hoster": hoster.slug, "closes_at": review.closes_at},
            )
    return named


@transaction.atomic
def extend_review(actor: User, review: MonitorReview, *, days: int, reason: str) -> MonitorReview:
    """Give the hosters `days` more to reply, counted from the later of now and the current closing time."""
    require_supervisor(actor)
    review = _locked(review)
    if review.state != MonitorReview.State.IN_REVIEW or review.closes_at is None:
        raise PublicationRefused(_("Only a review in progress can be extended."))
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise PublicationRefused(_("Extend by 1 to %(max)d days.") % {"max": MAX_EXTENSION_DAYS})
    reason = reason.strip()
    if not reason:
        raise PublicationRefused(_("Give a reason for the extension."))
    before = review.closes_at
    review.closes_at = max(before, timezone.now()) + timedelta(days=days)
    review.extensions += 1
    review.save(update_fields=["closes_at", "extensions"])
    log_action(
        actor,
        "scoring.monitor_review.extended",
        review,
        {"code": review.code, "from": before, "to": review.closes_at, "days": days, "reason": reason},
    )
    return review


@transaction.atomic
def record_seen(user: User, review_hoster: MonitorReviewHoster) -> bool:
    """A member of the hoster has looked at its draft figures; only the first look is recorded. True when new."""
    updated = MonitorReviewHoster.objects.filter(pk=review_hoster.pk, first_seen_at__isnull=True).update(
        first_seen_at=timezone.now(), first_seen_by=user
    )
    if updated:
        log_action(
            user,
            "scoring.monitor_review.seen",
            review_hoster.review,
            {"code": review_hoster.review.code, "hoster": review_hoster.hoster.slug},
        )
    return bool(updated)


@dataclass(frozen=True)
class HosterReply:
    """What one hoster made of its right of reply: whether it looked, and its disputes since the review opened."""

    entry: MonitorReviewHoster
    open: int
    upheld: int
    rejected: int

    @property
    def reviewed(self) -> bool:
        return self.entry.first_seen_at is not None

    @property
    def resolved(self) -> int:
        return self.upheld + self.rejected


def replies(review: MonitorReview) -> list[HosterReply]:
    """Per hoster of the review: seen or not, and its disputes about the period's notices raised since opening."""
    entries = list(review.hosters.select_related("hoster", "first_seen_by"))
    counts: dict[int, tuple[int, int, int]] = {}
    if review.opened_at is not None:
        rows = (
            period_disputes(review)
            .filter(created_at__gte=review.opened_at, hoster__in=[entry.hoster_id for entry in entries])
            .values("hoster_id")
            .annotate(
                open=Count("pk", filter=Q(status=Dispute.Status.OPEN)),
                upheld=Count("pk", filter=Q(status=Dispute.Status.UPHELD)),
                rejected=Count("pk", filter=Q(status=Dispute.Status.REJECTED)),
            )
        )
        counts = {row["hoster_id"]: (row["open"], row["upheld"], row["rejected"]) for row in rows}
    return [HosterReply(entry, *counts.get(entry.hoster_id, (0, 0, 0))) for entry in entries]


def publication_blockers(review: MonitorReview) -> list[str]:
    """Why the review cannot be published now, in the reader's language; empty when it can."""
    if review.state == MonitorReview.State.PUBLISHED:
        return [_("This period is already published.")]
    if review.state == MonitorReview.State.DRAFT:
        return [_("The hosters have not been given their right of reply yet: open the review first.")]
    reasons = []
    if not review.is_closed:
        reasons.append(
            _("The review is open until %(closes)s; the hosters may still dispute their figures.")
            % {"closes": formats.date_format(timezone.localtime(review.closes_at), "DATETIME_FORMAT")}
        )
    disputes = period_disputes(review).filter(status=Dispute.Status.OPEN).count()
    if disputes:
        reasons.append(
            ngettext(
                "%(count)d dispute about a notice of the period is still open: decide it first.",
                "%(count)d disputes about notices of the period are still open: decide them first.",
                disputes,
            )
            % {"count": disputes}
        )
    return reasons


@transaction.atomic
def publish_review(actor: User, review: MonitorReview) -> MonitorPeriod:
    """Publish the reviewed period: refused while the review runs or a dispute about its notices is open."""
    require_supervisor(actor)
    review = _locked(review)
    blockers = publication_blockers(review)
    if blockers:
        raise PublicationRefused(" ".join(blockers))
    answered = {
        reply.entry.hoster.slug: {"reviewed": reply.reviewed, "corrections": reply.upheld} for reply in replies(review)
    }
    period = publish_monitor_period(
        actor,
        code=review.code,
        title=review.title,
        date_from=review.date_from,
        date_to=review.date_to,
        norm_hours=review.norm_hours,
        scoring_model=review.scoring_model,
        review=review,
        replies=answered,
    )
    review.state, review.period = MonitorReview.State.PUBLISHED, period
    review.save(update_fields=["state", "period"])
    return period


def review_for_hoster(review: MonitorReview, hoster: Hoster) -> MonitorReviewHoster | None:
    """The hoster's place in an opened review, or None when the review does not name it (or is still a draft)."""
    if review.state == MonitorReview.State.DRAFT:
        return None
    return review.hosters.select_related("review", "hoster").filter(hoster=hoster).first()
