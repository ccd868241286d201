"""Template helpers of the review pages (the timeline's sentences are `assessments.timeline`)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`mapping[key]`, or None; for per-criterion errors."""
    return mapping.get(key) if hasattr(mapping, "get") else None
