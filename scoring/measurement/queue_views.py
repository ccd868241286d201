"""The supervisor's queue of unattributed notices."""

from __future__ import annotations

import socket

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import AuthenticatedHttpRequest
from portal.asn import asn_number
from scoring.measurement.models import Notice
from scoring.measurement.views import PAGE_SIZE, supervisor_required


def search_text(request: HttpRequest) -> str | None:
    """The page's search text, or None (with a message) when it holds a NUL, which no stored text can."""
    query = request.GET.get("q", "").strip()
    if "\x00" in query:
        messages.error(request, _("A search may not contain a NUL character."))
        return None
    return query


def _is_ip(text: str) -> bool:
    """Whether `text` is an IP address as the notices hold them (the database refuses to compare with others)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
    except (OSError, ValueError):
        return False
    return True


@supervisor_required
@require_GET
def unattributed(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = search_text(request)
    notices = Notice.objects.unattributed().order_by("-reported_at", "-id")
    if query is None:
        notices = notices.none()
    elif query:
        condition = Q(notice_id__icontains=query) | Q(url_host__icontains=query)
        asn = asn_number(query)
        if asn is not None:
            condition |= Q(asn=asn)
        if _is_ip(query):
            condition |= Q(ip=query)
        notices = notices.filter(condition)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query or ""}
    return render(request, "scoring/unattributed.html", context, status=400 if query is None else 200)
