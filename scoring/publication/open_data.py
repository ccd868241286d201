"""A published monitor period as open data (CC BY 4.0): JSON with its methodology, and CSV.

The JSON carries the licence, the methodology and the figures; the CSV is a plain table (one row per hoster, no
comment lines that would trip spreadsheet readers): every row names its period, methodology version and norm, and
the response's `Link` header points to the licence and to the JSON (`rel="describedby"`) for the methodology.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from portal.csvsafe import SpreadsheetWriter
from scoring.measurement.metrics import METRIC_KEYS
from scoring.publication.models import MonitorPeriod
from scoring.publication.views import LICENCE, LICENCE_LINK

# The figures of one hoster, in the order of the CSV's columns (DESIGN §4.2, plus the review's two).
ROW_FIELDS = ("rank", "hoster", "name", *METRIC_KEYS[1:], "reviewed", "corrections")
CSV_FIELDS = ("period", "methodology", "norm_hours", *ROW_FIELDS)


def _published(code: str) -> MonitorPeriod:
    period: MonitorPeriod | None = MonitorPeriod.objects.defer("pdf").filter(code=code).first()
    if period is None:
        raise Http404
    return period


def period_rows(period: MonitorPeriod) -> list[dict[str, Any]]:
    """The ranking's rows with exactly ROW_FIELDS; a figure the period did not record is None."""
    return [{field: row.get(field) for field in ROW_FIELDS} for row in period.ranking]


def period_document(period: MonitorPeriod) -> dict[str, Any]:
    """The whole period as open data: what it is, its licence, its methodology (in English) and its figures."""
    site = settings.SITE_URL
    found = period.methodology_used
    with translation.override("en"):
        described = [{"label": label, "value": value} for label, value in found.rows()]
    return {
        "title": period.title,
        "code": period.code,
        "publisher": "Good Hoster portal",
        "source": site + reverse("monitor_period", args=[period.code]),
        "licence": LICENCE,
        "date_from": period.date_from.isoformat(),
        "date_to": period.date_to.isoformat(),
        "published_at": timezone.localtime(period.published_at).isoformat(),
        "scoring_model": period.scoring_model or None,
        "norm_hours": period.norm_hours,
        "methodology": {**found.as_dict(), "recorded": period.methodology is not None, "description": described},
        "reviewed_by_hosters": period.reviewed_by_hosters,
        "pdf_url": site + reverse("monitor_period_pdf", args=[period.code]),
        "pdf_sha256": period.pdf_sha256,
        "totals": period.totals,
        "fields": list(ROW_FIELDS),
        "hosters": period_rows(period),
    }


def _open(response: HttpResponse, period: MonitorPeriod) -> HttpResponse:
    json_url = settings.SITE_URL + reverse("monitor_period_json", args=[period.code])
    response["Link"] = f'{LICENCE_LINK}, <{json_url}>; rel="describedby"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_GET
def monitor_period_json(request: HttpRequest, code: str) -> HttpResponse:
    period = _published(code)
    response = JsonResponse(period_document(period), json_dumps_params={"ensure_ascii": False, "indent": 1})
    return _open(response, period)


@login_not_required
@require_GET
def monitor_period_csv(request: HttpRequest, code: str) -> HttpResponse:
    period = _published(code)
    version = period.methodology_used.version
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="good-hoster-monitor-{period.code}.csv"'
    writer = SpreadsheetWriter(response, CSV_FIELDS)
    writer.writeheader()
    for row in period_rows(period):
        shown = {key: ("" if value is None else value) for key, value in row.items()}
        if isinstance(row["reviewed"], bool):
            shown["reviewed"] = "yes" if row["reviewed"] else "no"
        writer.writerow({"period": period.code, "methodology": version, "norm_hours": period.norm_hours, **shown})
    return _open(response, period)
