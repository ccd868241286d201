"""Template helpers for catalogue texts, which carry both languages."""

from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.translation import get_language

from assessments.catalogue import Criterion

register = template.Library()


@register.filter
def localized(texts: Mapping[str, str] | None) -> str:
    """The text in the active language (Dutch for `nl`, English otherwise)."""
    if not texts:
        return ""
    language = (get_language() or "en")[:2]
    return texts.get(language) or texts.get("en", "")


@register.filter
def option_label(criterion: Criterion, value: str) -> str:
    """The label of a choice criterion's option, or the value itself for other types."""
    if criterion.type != "choice" or not value:
        return value
    return localized(criterion.option(value).label)
