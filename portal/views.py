"""Site-wide pages: the public home page and the per-role dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.dashboard import panels_for


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/dashboard.html", {"panels": panels_for(request)})
