"""The supervisor's queue of unattributed notices: grouped, searchable, and a group given to a hoster."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import AuthenticatedHttpRequest
from portal.models import Hoster
from portal.refusals import show_refusal
from portal.services import PortalRefused
from scoring.measurement import queue
from scoring.measurement.changes import NoticeOwner
from scoring.measurement.models import Notice
from scoring.measurement.queue import DIMENSIONS, Group, InPrefix, Outcome, attribute_group
from scoring.measurement.queue_forms import HOSTER_CHOICES_MAX, AttributeForm, GroupForm
from scoring.measurement.views import PAGE_SIZE, supervisor_required

SAMPLE_SIZE = 10


def search_text(request: HttpRequest) -> str | None:
    """The page's search text, or None (with a message) when it holds a NUL, which no stored text can."""
    query = request.GET.get("q", "").strip()
    if "\x00" in query:
        messages.error(request, _("A search may not contain a NUL character."))
        return None
    return query


@supervisor_required
@require_GET
def unattributed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The groups of unattributed notices, largest first, each with the way to give it to a hoster."""
    query = search_text(request)
    by = request.GET.get("by", "all")
    by = by if by in DIMENSIONS else "all"
    notices = queue.unattributed(query) if query is not None else queue.unattributed().none()
    with queue.grouping_in_memory():
        page = Paginator(queue.groups(notices, by), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page)
    for row in rows:
        group = Group(by, row.get("owner_key") or "", row.get("network") or "", row.get("asn"))
        row["link"] = _attribute_url(group, query or "")
    context = {
        "page": page,
        "rows": rows,
        "query": query or "",
        "by": by,
        "dimensions": DIMENSIONS[by],
        "total": Notice.objects.unattributed().count(),
        "paging": urlencode({"q": query or "", "by": by}),
    }
    return render(request, "scoring/unattributed.html", context, status=400 if query is None else 200)


def _attribute_url(group: Group, query: str) -> str:
    return f"{reverse('scoring:unattributed_attribute')}?{urlencode({**group.params(), 'q': query})}"


def _queue_url(group: Group, query: str) -> str:
    return f"{reverse('scoring:unattributed')}?{urlencode({'by': group.by, 'q': query})}"


def hoster_choices(text: str) -> QuerySet[Hoster]:
    """The hosters the picker offers for a search: by name, slug, legal name or alias; the first few by name."""
    hosters = Hoster.objects.order_by("name", "pk")
    text = text.strip()
    if text:
        hosters = hosters.filter(
            Q(name__icontains=text)
            | Q(slug__icontains=text)
            | Q(legal_name__icontains=text)
            | Q(aliases__icontains=text)
        )
    return hosters[:HOSTER_CHOICES_MAX]


@supervisor_required
@require_GET
def hoster_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker's options for a search (htmx swaps them into the form)."""
    text = request.GET.get("hoster_q", "").replace("\x00", "")
    context = {"hosters": hoster_choices(text), "hoster_q": text, "chosen": None}
    return render(request, "scoring/_unattributed_hosters.html", context)


@supervisor_required
@require_http_methods(["GET", "POST"])
def attribute(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give a group to a hoster: choose (GET), review what will happen (POST), confirm (POST `confirmed`)."""
    source = request.POST if request.method == "POST" else request.GET
    locator = GroupForm(source)
    if not locator.is_valid():
        messages.error(request, _("This group does not exist; choose one from the queue."))
        return redirect("scoring:unattributed")
    group, query = locator.group(), locator.cleaned_data["q"]
    notices = group.notices(query)
    owner_name = _owner_name(group)
    form = AttributeForm(request.POST or None, group=group, owner_name=owner_name, initial=_initial(group))
    context: dict[str, Any] = {
        "group": group,
        "params": group.params(),
        "query": query,
        "owner_name": owner_name,
        "count": notices.count(),
        "sample": notices.order_by("-reported_at", "-id")[:SAMPLE_SIZE],
        "form": form,
        "back": _queue_url(group, query),
    }
    hoster_q = request.GET.get("hoster_q", "").replace("\x00", "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed"]:
            context.update(_preview(group, query, data))
            return render(request, "scoring/unattributed_confirm.html", context)
        try:
            outcome = attribute_group(request.user, group, query, data["hoster"], data["method"], data["value"])
        except PortalRefused as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _result(outcome))
            return redirect(_queue_url(group, query))
    chosen = form.cleaned_data.get("hoster") if form.is_bound else None
    hosters = list(hoster_choices(hoster_q))
    if chosen is not None and chosen not in hosters:
        hosters.insert(0, chosen)
    context.update({"hosters": hosters, "hoster_q": hoster_q, "chosen": chosen})
    return render(request, "scoring/unattributed_attribute.html", context, status=400 if form.is_bound else 200)


def _owner_name(group: Group) -> str:
    if not group.owner_key:
        return ""
    names = NoticeOwner.objects.filter(owner_key=group.owner_key).order_by("name").values_list("name", flat=True)
    return names.first() or ""


def _initial(group: Group) -> dict[str, Any]:
    method = "alias" if group.owner_key else "asn" if group.asn is not None else "prefix" if group.network else None
    return {
        "method": method or "notices",
        "as_number": f"AS{group.asn}" if group.asn is not None else "",
        "ip_prefix": group.network,
    }


def _preview(group: Group, query: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the confirmation page says will happen: the unattributed notices the declaration matches now."""
    method, value = data["method"], data["value"]
    waiting = Notice.objects.unattributed()
    if method == "alias":
        matching = waiting.filter(abuse_owner__owner_key=group.owner_key).count()
    elif method == "asn":
        matching = waiting.filter(asn=int(value)).count()
    elif method == "prefix":
        matching = waiting.filter(InPrefix("ip", Value(value))).count()
    else:
        matching = group.notices(query).count()
    return {"hoster": data["hoster"], "method": method, "value": value, "matching": matching}


def _result(outcome: Outcome) -> str:
    values = {"hoster": outcome.hoster.name, "value": outcome.value, "count": outcome.changed}
    if outcome.method == "alias":
        text = ngettext(
            "“%(value)s” is now an alias of %(hoster)s; %(count)d notice attributed to it.",
            "“%(value)s” is now an alias of %(hoster)s; %(count)d notices attributed to it.",
            outcome.changed,
        )
    elif outcome.method == "asn":
        text = ngettext(
            "AS%(value)s is now in the network of %(hoster)s; %(count)d notice re-attributed.",
            "AS%(value)s is now in the network of %(hoster)s; %(count)d notices re-attributed.",
            outcome.changed,
        )
    elif outcome.method == "prefix":
        text = ngettext(
            "%(value)s is now in the network of %(hoster)s; %(count)d notice re-attributed.",
            "%(value)s is now in the network of %(hoster)s; %(count)d notices re-attributed.",
            outcome.changed,
        )
    else:
        text = ngettext(
            "%(count)d notice attributed to %(hoster)s.", "%(count)d notices attributed to %(hoster)s.", outcome.changed
        )
    return text % values
