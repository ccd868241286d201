"""`{% hashcheck_weeks hoster form %}`: a hoster's hash-check statistics per week, as a chart with its table, for the
figures page to show beside the takedown figures of the same period."""

from __future__ import annotations

from typing import Any

from django import template

from portal.models import Hoster
from scoring.measurement.forms import PeriodForm
from scoring.measurement.hashcheck_charts import hashcheck_chart
from scoring.measurement.hashchecks import weekly_hash_checks

register = template.Library()


@register.inclusion_tag("scoring/hashchecks/_weekly.html")
def hashcheck_weeks(hoster: Hoster, form: PeriodForm) -> dict[str, Any]:
    """The weeks of the period `form` shows (its default one when the input was not valid)."""
    date_from, date_to, _as_of, _norm = form.period
    return {"hoster": hoster, "hc": hashcheck_chart(weekly_hash_checks(hoster, date_from, date_to))}
