"""Site-wide pages: the public home page and the per-role dashboard."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from portal.access import AuthenticatedHttpRequest
from portal.dashboard import panels_for

logger = logging.getLogger(__name__)


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "portal/dashboard.html", {"panels": panels_for(request)})


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
