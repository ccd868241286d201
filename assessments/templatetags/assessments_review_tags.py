"""Template helpers of the review pages: readable audit events."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

EVENT_LABELS = {
    "assessments.assessment.started": _("Assessment started"),
    "assessments.answers.saved": _("Answers saved"),
    "assessments.evidence.added": _("Evidence added"),
    "assessments.evidence.removed": _("Evidence removed"),
    "assessments.assessment.submitted": _("Submitted"),
    "assessments.assessment.resubmitted": _("Resubmitted after changes"),
    "assessments.auditor.assigned": _("Auditor assigned"),
    "assessments.answer.accepted": _("Answer accepted"),
    "assessments.answer.rejected": _("Answer rejected"),
    "assessments.answer.clarification": _("Clarification requested on an answer"),
    "assessments.assessment.changes_requested": _("Changes requested"),
    "assessments.comment.posted": _("Message sent"),
    "assessments.assessment.approved": _("Approved"),
    "assessments.assessment.rejected": _("Rejected"),
    "scoring.rating.saved": _("Score card saved"),
    "scoring.certificate.issued": _("Certificate issued"),
}


@register.filter
def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def event_details(data: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The event's data as (key, text) pairs; nested values as compact JSON."""
    if not data:
        return []
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str))
        for key, value in data.items()
    ]


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`mapping[key]`, or None; for per-criterion errors."""
    return mapping.get(key) if hasattr(mapping, "get") else None
