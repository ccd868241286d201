"""The public page of the audit log's published daily heads, with how anyone can check the chain against them."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.audit import GENESIS
from portal.models import AuditHead

PAGE_SIZE = 50


@login_not_required
@require_GET
def audit_heads(request: HttpRequest) -> HttpResponse:
    page = Paginator(AuditHead.objects.order_by("-day"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/audit_heads.html", {"page": page, "genesis": GENESIS})
