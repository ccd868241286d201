"""Takedown figures under the norm in force: a hoster's own figures and the supervisor's ranking of hosters.

`scoring.measurement.metrics` computes the figures for whatever norm it is given; the norm of the scoring model
in force (`scoring.rating.models.norm_in_force`) is a later stage's to know, so these pages live here. They are
signed-in pages: a hoster's members (and supervisors) see its figures, supervisors the ranking.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.access import AuthenticatedHttpRequest, get_hoster_for
from portal.csvsafe import SpreadsheetWriter
from portal.models import Hoster
from scoring.measurement import methodology
from scoring.measurement.charts import weekly_chart
from scoring.measurement.forms import PeriodForm
from scoring.measurement.metrics import METRIC_KEYS, MetricsRow, as_datetime, hoster_metrics, weekly_metrics
from scoring.measurement.views import supervisor_required
from scoring.publication.targets import within_norm_target_pct
from scoring.rating.models import ScoringModelVersion, norm_in_force

RANKING_PAGE_SIZE = 100  # hosters per page of the ranking; its CSV export holds them all
_ADDED_KEYS = ("pending", "due")  # added after `rank`: the columns before it keep their places
CSV_COLUMNS = [
    "name",
    *(key for key in METRIC_KEYS if key not in _ADDED_KEYS),
    "rank",
    *_ADDED_KEYS,
    "norm_hours",
    "methodology",
]


def period_form(request: HttpRequest) -> PeriodForm:
    """The period the request asks for, under the norm in force unless it asks for another."""
    return PeriodForm(request.GET, norm_hours=norm_in_force())


def norm_context(form: PeriodForm) -> dict[str, Any]:
    """Which norm the figures use and why: the scoring model in force and its norm, whether another was asked for,
    and the methodology of the figures (shown beside them)."""
    _from, _to, as_of, norm = form.period
    in_force = ScoringModelVersion.objects.current()
    return {
        "model_in_force": in_force,
        "norm_in_force": form.default_norm,
        "norm_is_in_force": norm == float(form.default_norm),
        "methodology": methodology.current(norm, as_datetime(as_of) if as_of else None),
    }


def _status(form: PeriodForm) -> int:
    """A page asked for an impossible period shows the default one with the form's errors, as a bad request."""
    return 200 if form.is_valid() else 400


def hoster_figures_context(hoster: Hoster, form: PeriodForm) -> dict[str, Any]:
    """What a hoster's figures page and dashboard panel show: the period's figures and the weekly chart."""
    date_from, date_to, as_of, norm = form.period
    [row] = hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm, hoster=hoster)
    weeks = weekly_metrics(hoster, date_from, date_to, norm_hours=norm, chart_only=True)
    chart = weekly_chart(weeks, within_norm_target_pct())
    return {"hoster": hoster, "form": form, "row": row, "chart": chart, "norm": norm, **norm_context(form)}


@require_GET
def hoster_figures(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    form = period_form(request)
    return render(request, "scoring/figures/hoster.html", hoster_figures_context(hoster, form), status=_status(form))


def _named(rows: list[MetricsRow]) -> list[MetricsRow]:
    names = dict(Hoster.objects.values_list("slug", "name"))
    return [{**row, "name": names.get(row["hoster"], "")} for row in rows]


def ranked_hosters(rows: list[MetricsRow]) -> tuple[list[MetricsRow], MetricsRow | None]:
    """The hosters ranked by notices (rank 1 the most; hosters without notices get no rank), and apart from
    them the unattributed row (None when every notice was attributed): unattributed notices are no hoster."""
    hosters = _named([row for row in rows if row["hoster"] is not None])
    ranked, rank = [], 0
    for row in hosters:  # by notices descending: the hosters with notices come first
        rank += 1 if row["notices"] else 0
        ranked.append({**row, "rank": rank if row["notices"] else None})
    unattributed = next((row for row in rows if row["hoster"] is None and row["notices"]), None)
    return ranked, unattributed


@supervisor_required
@require_GET
def ranking(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The hosters with notices in the period, by their number, with their figures (the supervisor's "Monitor");
    the notices no hoster could be found for are counted apart, not ranked among the hosters."""
    form = period_form(request)
    date_from, date_to, as_of, norm = form.period
    ranked, unattributed = ranked_hosters(hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm))
    rows = [row for row in ranked if row["notices"]]
    page = Paginator(rows, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "rows": page.object_list,
        "page": page,
        "unattributed": unattributed,
        "hoster_total": sum(row["notices"] for row in rows),
        "total": sum(row["notices"] for row in rows) + (unattributed["notices"] if unattributed else 0),
        "norm": norm,
        "query": _without_page(request),
        **norm_context(form),
    }
    return render(request, "scoring/figures/ranking.html", context, status=_status(form))


def _without_page(request: HttpRequest) -> str:
    """The request's query (the period) for links to other pages, without the ranking's page number."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@supervisor_required
@require_GET
def ranking_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The figures of every hoster in the period as CSV, also those without notices (no rank), then apart, on the
    last line without a rank or slug, the unattributed notices.

    Hoster names are the hosters' own words: a cell that would start a formula is kept as text (`SpreadsheetWriter`).
    """
    form = period_form(request)
    if not form.is_valid():
        problems = [f"{name}: {message}" for name, messages in form.errors.items() for message in messages]
        return HttpResponse("\n".join(problems), content_type="text/plain; charset=utf-8", status=400)
    date_from, date_to, as_of, norm = form.period
    ranked, unattributed = ranked_hosters(hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm))
    used = {"norm_hours": f"{norm:g}", "methodology": methodology.current(norm).version}
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitor-{date_from}-{date_to}.csv"'
    writer = SpreadsheetWriter(response, CSV_COLUMNS)
    writer.writeheader()
    if unattributed is not None:
        ranked.append({**unattributed, "name": _("Unattributed"), "rank": None})
    for row in ranked:
        writer.writerow({key: "" if row[key] is None else row[key] for key in CSV_COLUMNS if key not in used} | used)
    return response
