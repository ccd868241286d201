"""Template helper of the timeline page: the assessment's audit events as sentences grouped by day."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from assessments.timeline import Day, timeline_days
from portal.models import AuditEvent

register = template.Library()


@register.simple_tag
def timeline_of(events: Iterable[AuditEvent]) -> list[Day]:
    """`{% timeline_of events as days %}`."""
    return timeline_days(events)
