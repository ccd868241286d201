"""Monitor periods: the ranking of hosters over a period, and publishing it frozen with its PDF report.

Publishing is the last step of a review (`review.publish_review`), which adds per hoster whether it saw its draft
figures and how many corrections its disputes brought; a period published without one has neither.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import require_supervisor
from portal.audit import log_action
from portal.models import Hoster, User
from portal.refusals import Refusal
from scoring.measurement import methodology
from scoring.measurement.metrics import hoster_metrics
from scoring.publication.models import MonitorPeriod, MonitorReview
from scoring.publication.report import render_monitor_pdf
from scoring.rating.models import default_model_code, norm_in_force


class PublicationRefused(Refusal):
    """A monitor period the rules do not let be published; the message says why."""


def monitor_ranking(date_from: date, date_to: date, norm_hours: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ranking of a period `[date_from, date_to]` (last day included) and its totals; reads only."""
    rows = hoster_metrics(date_from, date_to + timedelta(days=1), norm_hours=norm_hours)
    names = dict(Hoster.objects.values_list("slug", "name"))
    ranking: list[dict[str, Any]] = []
    unattributed = 0
    for row in rows:
        if row["hoster"] is None:
            unattributed = row["notices"]
        elif row["notices"]:
            ranking.append({"rank": len(ranking) + 1, "name": names.get(row["hoster"], row["hoster"]), **row})
    every = [row for row in rows if row["notices"]]
    notices = sum(row["notices"] for row in every)
    within_norm = sum(row["within_norm"] for row in every)
    due = sum(row["due"] for row in every)  # rates are over the notices due (DESIGN §4.2)
    totals = {
        "notices": notices,
        "unattributed": unattributed,
        "hosters": len(ranking),
        "within_norm": within_norm,
        "within_norm_pct": round(100 * within_norm / due, 2) if due else None,
        "due": due,
        "within_24h": sum(row["within_24h"] for row in every),
        "between_24_48h": sum(row["between_24_48h"] for row in every),
        "over_48h_or_open": sum(row["over_48h_or_open"] for row in every),
        "open_over_norm": sum(row["open_over_norm"] for row in every),
        "pending": sum(row.get("pending", 0) for row in every),
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
    scoring_model: str | None = None,
    review: MonitorReview | None = None,
    replies: Mapping[str, Mapping[str, Any]] | None = None,
) -> MonitorPeriod:
    """Freeze the ranking of `[date_from, date_to]` (last day included) and publish it with its PDF report.

    The norm is the scoring model's in force unless `norm_hours` (and `scoring_model`, the model it came from) say
    otherwise. `replies` (from the review) gives per hoster slug `reviewed` and `corrections`, added to its row.
    A code that an unpublished review holds is published only by that review.
    """
    require_supervisor(actor)
    if date_from > date_to:
        raise PublicationRefused(_("The first day must not be after the last day."))
    if date_to >= timezone.localdate():
        raise PublicationRefused(_("Only a period that has ended can be published."))
    if MonitorPeriod.objects.filter(code=code).exists():
        raise PublicationRefused(_("A monitor period with the code %(code)s is already published.") % {"code": code})
    held = MonitorReview.objects.unpublished().filter(code=code).first()
    if held is not None and (review is None or held.pk != review.pk):
        raise PublicationRefused(_("The code %(code)s belongs to a review; publish it from there.") % {"code": code})
    norm = norm_hours if norm_hours is not None else norm_in_force()
    ranking, totals = monitor_ranking(date_from, date_to, norm)
    if replies is not None:
        for row in ranking:
            reply = replies.get(row["hoster"], {})
            row["reviewed"] = bool(reply.get("reviewed", False))
            row["corrections"] = int(reply.get("corrections", 0))
    period = MonitorPeriod(
        code=code,
        title=title.strip(),
        date_from=date_from,
        date_to=date_to,
        norm_hours=norm,
        scoring_model=scoring_model or (default_model_code() if norm_hours is None else ""),
        methodology=methodology.current(norm).as_dict(),
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
            "scoring_model": period.scoring_model,
            "methodology": methodology.VERSION,
            "review": review.pk if review else None,
            "hosters": totals["hosters"],
            "notices": totals["notices"],
            "pdf_sha256": period.pdf_sha256,
        },
    )
    return period
