"""The demo of the public face and the right of reply: the demo certificates, a published monitor period of the last
six months, and the next period in review, open to the hosters it names for about ten more days.

Called by `seed_demo` after the other demos (hosters, assessments, notices). Idempotent: the certificates' demo
is, a published monitor period is never published again, and a review is started only when none is under way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.db.models import Q
from django.utils import timezone

from assessments.models import last_full_months
from portal.models import Role, User
from scoring.certification import demo as certification_demo
from scoring.publication.models import MonitorPeriod, MonitorReview
from scoring.publication.monitor_periods import publish_monitor_period
from scoring.publication.review import draft_review, open_review, record_seen
from scoring.rating.models import ScoringModelVersion

REVIEW_DAYS_LEFT = 10
# The hoster of the demo that has looked at its draft figures (the others have not yet).
SEEN_BY = "owner@cleanhost.example"


def seed(stdout: TextIO) -> None:
    certification_demo.seed(stdout)
    supervisor = User.objects.filter(groups__name=Role.SUPERVISOR).order_by("pk").first()
    if supervisor is None:
        return
    _publish_period(supervisor, stdout)
    _review_in_progress(supervisor, stdout)


def _publish_period(supervisor: User, stdout: TextIO) -> None:
    if MonitorPeriod.objects.exists():
        return
    start, end = last_full_months(timezone.localdate(), months=6)
    period = publish_monitor_period(
        supervisor,
        code=f"{start:%Y-%m}-{end:%Y-%m}",
        title=f"Good Hoster monitor {start:%B %Y} to {end:%B %Y}",
        date_from=start,
        date_to=end,
    )
    stdout.write(f"Demo monitor period published: {period.title} ({len(period.ranking)} hosters)\n")


def _review_in_progress(supervisor: User, stdout: TextIO) -> None:
    """The month so far (up to yesterday), or the last thirty days early in a month, opened for review."""
    model = ScoringModelVersion.objects.current()
    end = timezone.localdate() - timedelta(days=1)
    start = end.replace(day=1) if end.day >= 7 else end - timedelta(days=29)
    code = f"{start:%Y%m%d}-{end:%Y%m%d}"
    if model is None or MonitorReview.objects.filter(Q(code=code) | ~Q(state=MonitorReview.State.PUBLISHED)).exists():
        return
    review = draft_review(
        supervisor,
        code=code,
        title=f"Good Hoster monitor {start.day} {start:%B} to {end.day} {end:%B %Y}",
        date_from=start,
        date_to=end,
        model=model,
    )
    review = open_review(supervisor, review, days=REVIEW_DAYS_LEFT)
    seen_by = User.objects.filter(email=SEEN_BY).first()
    entry = review.hosters.filter(hoster__memberships__user=seen_by).first() if seen_by else None
    if seen_by is not None and entry is not None:
        record_seen(seen_by, entry)
    stdout.write(
        f"Demo monitor review opened: {review.title} ({review.hosters.count()} hosters, closes in "
        f"{REVIEW_DAYS_LEFT} days)\n"
    )
