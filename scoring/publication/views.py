"""The public face (no login): registry, hoster profiles, verification, badges, monitor and open data."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.csvsafe import SpreadsheetWriter
from portal.models import Hoster
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.certification.services import registry_generation
from scoring.measurement.methodology import differences
from scoring.publication import badges
from scoring.publication.charts import removal_time_bars, within_norm_chart
from scoring.publication.models import MonitorPeriod
from scoring.publication.targets import within_norm_target_pct

PAGE_SIZE = 25
REGISTRY_CACHE_SECONDS = 60
"""Also the longest a page can lag behind a change when the cache is per process rather than shared."""
LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
LICENCE_LINK = f'<{LICENCE["url"]}>; rel="license"'
SORTS = {
    "name": ("hoster__name", "pk"),
    "score": ("-score", "hoster__name"),
    "grade": ("grade", "-score", "hoster__name"),
    "issued": ("-issued_at", "pk"),
}
OPEN_DATA_FIELDS = (
    "slug",
    "name",
    "website",
    "grade",
    "score",
    "serial",
    "status",
    "issued_at",
    "valid_until",
    "verify_url",
    "certificate_pdf_url",
    "badge_url",
)
BADGE_CACHE_SECONDS = 3600
PDF_CACHE = "public, max-age=31536000, immutable"  # a certificate's PDF never changes


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    grade = forms.ChoiceField(
        label=gettext_lazy("Grade"),
        required=False,
        choices=[("", gettext_lazy("Any grade")), ("A", "A"), ("B", "B")],
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("name", gettext_lazy("Name")),
            ("score", gettext_lazy("Score (highest first)")),
            ("grade", gettext_lazy("Grade")),
            ("issued", gettext_lazy("Most recently certified")),
        ],
    )


def registry_queryset(params: dict[str, Any]) -> QuerySet[Certificate]:
    """The current certificates filtered and sorted as the registry page and the API ask."""
    certificates = Certificate.objects.for_registry()
    if params.get("q"):
        certificates = certificates.filter(hoster__name__icontains=params["q"])
    if params.get("grade"):
        certificates = certificates.filter(grade=params["grade"])
    return certificates.order_by(*SORTS.get(params.get("sort") or "name", SORTS["name"]))


def registry_listing(params: dict[str, Any], page_number: str | None) -> dict[str, Any]:
    """One page of the registry: its rows, count and rendered table, cached until a certificate changes."""
    query = urlencode({key: value for key, value in sorted(params.items()) if value})
    key = f"registry:page:{registry_generation()}:{translation.get_language()}:{query}:{page_number}"
    listing: dict[str, Any] | None = cache.get(key)
    if listing is None:
        page = Paginator(registry_queryset(params), PAGE_SIZE).get_page(page_number)
        rows = [
            {
                "slug": certificate.hoster.slug,
                "name": certificate.hoster.name,
                "grade": certificate.grade,
                "score": certificate.score,
                "serial": certificate.serial,
                "valid_until": certificate.valid_until,
            }
            for certificate in page.object_list
        ]
        table = render_to_string("registry/_table.html", {"rows": rows, "page": page, "query": query})
        listing = {"rows": rows, "count": page.paginator.count, "table": table}
        cache.set(key, listing, REGISTRY_CACHE_SECONDS)
    return listing


@login_not_required
@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    form = RegistryFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    listing = registry_listing(params, request.GET.get("page"))
    return render(request, "registry/list.html", {"form": form, **listing, "licence": LICENCE})


def _localized(title: dict[str, str]) -> str:
    return title.get(translation.get_language() or "en") or title.get("en") or next(iter(title.values()), "")


def public_sections(certificate: Certificate) -> list[dict[str, Any]]:
    return [
        {"code": section["code"], "title": _localized(section["title"]), "score": section["score"]}
        for section in certificate.section_scores
    ]


def monitored_rows(hoster: Hoster) -> list[dict[str, Any]]:
    """The hoster's row of every published monitor period, oldest first."""
    periods = MonitorPeriod.objects.defer("pdf").order_by("date_from", "pk")
    return [{"period": period, **row} for period in periods if (row := period.row_for(hoster.slug)) is not None]


def methodology_changes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where a period's methodology differs from the one before it among the hoster's periods (oldest first):
    the two periods and what differs, which makes their figures not comparable as they stand."""
    periods = [row["period"] for row in rows]
    return [
        {"earlier": earlier, "later": later, "differences": found}
        for earlier, later in pairwise(periods)
        if (found := differences(earlier.methodology_used, later.methodology_used))
    ]


@login_not_required
@require_GET
def registry_hoster(request: HttpRequest, slug: str) -> HttpResponse:
    hoster = get_object_or_404(Hoster.objects.only("pk", "slug", "name", "website"), slug=slug)
    certificates = list(
        hoster.certificates.without_documents()
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CertificateEvent.objects.public().only("certificate_id", "kind", "at", "reason", "reason_nl"),
            )
        )
        .order_by("-issued_at", "-pk")
    )
    rows = monitored_rows(hoster)
    if not certificates and not rows:
        raise Http404
    current = Certificate.objects.without_documents().current_for(hoster)
    target = within_norm_target_pct()
    chart = within_norm_chart([(row["period"].code, row["within_norm_pct"]) for row in rows], target) if rows else None
    return render(
        request,
        "registry/hoster.html",
        {
            "hoster": hoster,
            "current": current,
            "suspension": _suspension(current, certificates),
            "sections": public_sections(current) if current else [],
            "certificates": certificates,
            "rows": rows,
            "chart": chart,
            "target_pct": target,
            "methodology_changes": methodology_changes(rows),
        },
    )


def _suspension(current: Certificate | None, certificates: list[Certificate]) -> CertificateEvent | None:
    """The event that suspended the current certificate, when it is suspended (its public reason is shown)."""
    if current is None or current.status != CertificateStatus.SUSPENDED:
        return None
    shown = next((certificate for certificate in certificates if certificate.pk == current.pk), current)
    events = [event for event in shown.events.all() if event.kind == CertificateEvent.Kind.SUSPENDED]
    return events[-1] if events else None


def certificate_by_serial(serial: str) -> Certificate:
    try:
        return (
            Certificate.objects.without_documents().defer("section_scores").select_related("hoster").get(serial=serial)
        )
    except Certificate.DoesNotExist:
        raise Http404 from None


@login_not_required
@require_GET
def verify(request: HttpRequest, serial: str) -> HttpResponse:
    certificate = certificate_by_serial(serial)
    events = list(certificate.events.public())
    status = certificate.status
    deciding = next(
        (e for e in reversed(events) if e.kind in (CertificateEvent.Kind.SUSPENDED, CertificateEvent.Kind.REVOKED)),
        None,
    )
    superseding = getattr(certificate, "superseded_by", None) if status == CertificateStatus.SUPERSEDED else None
    return render(
        request,
        "registry/verify.html",
        {
            "certificate": certificate,
            "status": status,
            "status_label": certificate.get_status_display(),
            "deciding_event": deciding if status in (CertificateStatus.SUSPENDED, CertificateStatus.REVOKED) else None,
            "superseded_by": superseding,
            "events": events,
        },
    )


@login_not_required
@require_GET
def certificate_pdf(request: HttpRequest, serial: str) -> HttpResponse:
    certificate = Certificate.objects.only("serial", "pdf", "pdf_sha256").filter(serial=serial).first()
    if certificate is None:
        raise Http404
    return _stored_pdf(bytes(certificate.pdf), f"{certificate.serial}.pdf", certificate.pdf_sha256)


def _stored_pdf(pdf: bytes, filename: str, sha256: str) -> HttpResponse:
    """A stored PDF, which never changes: cached for good, tagged with its SHA-256."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = PDF_CACHE
    response["ETag"] = f'"{sha256}"'
    return response


@login_not_required
@require_GET
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    """The embeddable badge; an unknown hoster gets a "not certified" badge with a 404, never a broken image."""
    hoster = Hoster.objects.only("pk", "name", "slug").filter(slug=slug).first()
    certificate = (
        Certificate.objects.only("grade", "state", "valid_until", "serial").current_for(hoster) if hoster else None
    )
    status = certificate.status if certificate else None
    if certificate is not None and status == CertificateStatus.VALID:
        value = _("grade %(grade)s") % {"grade": certificate.grade}
    elif status == CertificateStatus.SUSPENDED:
        value = _("suspended")
    else:
        value = _("not certified")
    if hoster is None:
        title = _("Good hoster: %(value)s") % {"value": value}
    else:
        title = _("%(hoster)s: good hoster, %(value)s") % {"hoster": hoster.name, "value": value}
    svg = render_to_string(
        "registry/badge.svg", {"badge": badges.badge(_("good hoster"), value, status), "title": title}
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8", status=200 if hoster else 404)
    response["Cache-Control"] = f"public, max-age={BADGE_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    # Embedding on other sites is the point of a badge.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@login_not_required
@require_GET
def monitor(request: HttpRequest) -> HttpResponse:
    periods = MonitorPeriod.objects.only("code", "title", "date_from", "date_to", "published_at", "totals")
    return render(request, "registry/monitor_list.html", {"periods": periods})


def period_comparison(period: MonitorPeriod, other_code: str | None) -> dict[str, Any] | None:
    """The period beside another published one (`?compare=<code>`): the totals of both, and what differs in their
    methodologies, which makes the figures not comparable as they stand."""
    if not other_code or other_code == period.code:
        return None
    other = MonitorPeriod.objects.defer("pdf", "ranking").filter(code=other_code).first()
    if other is None:
        return None
    return {
        "other": other,
        "differences": differences(period.methodology_used, other.methodology_used),
        "methodologies": (period.methodology_used.version, other.methodology_used.version),
    }


@login_not_required
@require_GET
def monitor_period(request: HttpRequest, period: str) -> HttpResponse:
    found = get_object_or_404(MonitorPeriod.objects.defer("pdf"), code=period)
    others = MonitorPeriod.objects.exclude(pk=found.pk).only("code", "title", "date_from")
    context = {
        "period": found,
        "rows": removal_time_bars(found.ranking),
        "methodology": found.methodology_used.rows(),
        "others": others,
        "comparison": period_comparison(found, request.GET.get("compare")),
    }
    return render(request, "registry/monitor_period.html", context)


@login_not_required
@require_GET
def monitor_period_pdf(request: HttpRequest, period: str) -> HttpResponse:
    found = MonitorPeriod.objects.only("code", "pdf", "pdf_sha256").filter(code=period).first()
    if found is None:
        raise Http404
    return _stored_pdf(bytes(found.pdf), f"good-hoster-monitor-{found.code}.pdf", found.pdf_sha256)


def open_data_rows() -> list[dict[str, Any]]:
    """Every currently certified hoster, by name, as open data (one query)."""
    site = settings.SITE_URL
    return [
        {
            "slug": certificate.hoster.slug,
            "name": certificate.hoster.name,
            "website": certificate.hoster.website,
            "grade": certificate.grade,
            "score": float(certificate.score),
            "serial": certificate.serial,
            "status": certificate.status,
            "issued_at": timezone.localtime(certificate.issued_at).isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "verify_url": site + reverse("verify", args=[certificate.serial]),
            "certificate_pdf_url": site + reverse("certificate_pdf", args=[certificate.serial]),
            "badge_url": site + reverse("badge", args=[certificate.hoster.slug]),
        }
        for certificate in registry_queryset({})
    ]


@login_not_required
@require_GET
def open_data_json(request: HttpRequest) -> JsonResponse:
    rows = open_data_rows()
    response = JsonResponse(
        {
            "title": "Good Hoster registry: certified hosting companies",
            "publisher": "Good Hoster portal",
            "source": settings.SITE_URL + reverse("registry"),
            "licence": LICENCE,
            "generated_at": timezone.localtime().isoformat(),
            "fields": list(OPEN_DATA_FIELDS),
            "count": len(rows),
            "hosters": rows,
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Link"] = LICENCE_LINK
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_GET
def open_data_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="good-hoster-registry.csv"'
    response["Link"] = LICENCE_LINK
    response["Access-Control-Allow-Origin"] = "*"
    writer = SpreadsheetWriter(response, OPEN_DATA_FIELDS)
    writer.writeheader()
    writer.writerows(open_data_rows())
    return response
