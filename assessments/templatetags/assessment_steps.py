"""Template helper of the hoster's pages: an assessment's next step in words, for the person reading."""

from __future__ import annotations

from typing import Any

from django import template

from assessments.access import role_in
from assessments.next_steps import NextStep, next_step

register = template.Library()


@register.simple_tag(takes_context=True)
def next_step_for(context: dict[str, Any], assessment: Any) -> NextStep:
    """`{% next_step_for assessment as step %}`: the step for the signed-in user's role at the hoster."""
    request = context.get("request")
    user = getattr(request, "user", None)
    role = role_in(user, assessment) if user is not None else None
    return next_step(assessment, role)
