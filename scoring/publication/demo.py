"""The demo of the public face: the demo certificates, then a published monitor period of the last six months.

Called by `seed_demo` after the other demos (hosters, assessments, notices). Idempotent: the certificates' demo
is, and a published monitor period is never published again.
"""

from __future__ import annotations

from typing import TextIO

from django.utils import timezone

from assessments.models import last_full_months
from portal.models import Role, User
from scoring.certification import demo as certification_demo
from scoring.publication.models import MonitorPeriod
from scoring.publication.monitor_periods import publish_monitor_period


def seed(stdout: TextIO) -> None:
    certification_demo.seed(stdout)
    supervisor = User.objects.filter(groups__name=Role.SUPERVISOR).order_by("pk").first()
    if supervisor is None or MonitorPeriod.objects.exists():
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
