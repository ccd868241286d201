"""Supervisor pages for certificates: the list, and suspend, reinstate or revoke with a public reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.access import AuthenticatedHttpRequest, require_supervisor
from portal.models import User
from portal.refusals import show_refusal
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.certification.services import (
    CertificationRefused,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PAGE_SIZE = 50


@dataclass(frozen=True)
class CertificateAction:
    """What a supervisor can do to a certificate, in which states, and how the page words it."""

    service: Callable[[Certificate, User, str], CertificateEvent]
    allowed: tuple[str, ...]
    title: StrPromise
    question: StrPromise
    button: StrPromise
    done: StrPromise


ACTIONS = {
    "suspend": CertificateAction(
        service=suspend_certificate,
        allowed=(CertificateStatus.VALID,),
        title=gettext_lazy("Suspend certificate %(serial)s"),
        question=gettext_lazy(
            "Suspend %(serial)s of %(hoster)s? The registry and the verification page show it as suspended, with"
            " this reason, until a supervisor reinstates or revokes it."
        ),
        button=gettext_lazy("Suspend"),
        done=gettext_lazy("%(serial)s is suspended."),
    ),
    "reinstate": CertificateAction(
        service=reinstate_certificate,
        allowed=(CertificateStatus.SUSPENDED,),
        title=gettext_lazy("Reinstate certificate %(serial)s"),
        question=gettext_lazy("Reinstate %(serial)s of %(hoster)s? It becomes valid again; the reason is public."),
        button=gettext_lazy("Reinstate"),
        done=gettext_lazy("%(serial)s is valid again."),
    ),
    "revoke": CertificateAction(
        service=revoke_certificate,
        allowed=(CertificateStatus.VALID, CertificateStatus.SUSPENDED),
        title=gettext_lazy("Revoke certificate %(serial)s"),
        question=gettext_lazy(
            "Revoke %(serial)s of %(hoster)s for good? A revoked certificate cannot be reinstated;"
            " the reason is public."
        ),
        button=gettext_lazy("Revoke"),
        done=gettext_lazy("%(serial)s is revoked."),
    ),
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Public reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Shown on the verification page and the hoster's public profile, and e-mailed."),
    )


@require_http_methods(["GET"])
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_supervisor(request.user)
    certificates = Certificate.objects.without_documents().defer("section_scores").select_related("hoster")
    status = request.GET.get("status", "")
    if status in CertificateStatus.values:
        certificates = certificates.filter(state=status)
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(hoster__name__icontains=query) | certificates.filter(serial__iexact=query)
    page = Paginator(certificates.order_by("-issued_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scoring/certificates/list.html",
        {"page": page, "status": status, "q": query, "statuses": CertificateStatus.choices},
    )


@require_http_methods(["GET", "POST"])
def certificate_action(request: AuthenticatedHttpRequest, serial: str, action: str) -> HttpResponse:
    """GET: the reason form; POST: the confirmation step; POST with `confirmed`: the change itself."""
    require_supervisor(request.user)
    spec = ACTIONS.get(action)
    certificate = Certificate.objects.without_documents().select_related("hoster").filter(serial=serial).first()
    if spec is None or certificate is None:
        raise Http404
    names = {"serial": certificate.serial, "hoster": certificate.hoster.name}
    context = {
        "certificate": certificate,
        "action": action,
        "title": spec.title % names,
        "question": spec.question % names,
        "button": spec.button,
        "allowed": certificate.status in spec.allowed,
    }
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirmed") != "yes":
            return render(request, "scoring/certificates/confirm.html", {**context, "form": form})
        try:
            spec.service(certificate, request.user, form.cleaned_data["reason"])
        except CertificationRefused as refusal:
            show_refusal(request, refusal)
        else:
            messages.success(request, spec.done % names)
            return redirect("supervision_certificates")
    return render(request, "scoring/certificates/action.html", {**context, "form": form})
