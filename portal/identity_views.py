"""The supervisors' queue of requested changes to hosters' public names, websites and aliases."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.access import AuthenticatedHttpRequest, require_supervisor
from portal.forms import BootstrapMixin
from portal.identity import decide_identity_change, requested_aliases
from portal.models import HosterIdentityChange
from portal.refusals import show_refusal
from portal.services import PortalRefused

RECENT_DECISIONS = 20


class IdentityDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve: the hoster is known by the requested names from now on")),
            ("reject", gettext_lazy("Reject: the hoster keeps its current names")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Sent to the hoster's owners. Required when you reject."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for the rejection; the owners will read it."))
        return data


def identity_changes(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_supervisor(request.user, hide=True)
    changes = HosterIdentityChange.objects.select_related("hoster", "requested_by", "decided_by")
    pending = list(changes.pending().order_by("requested_at"))
    for change in pending:
        change.requested_aliases = requested_aliases(change)  # type: ignore[attr-defined]
    return render(
        request,
        "portal/supervision/identity_changes.html",
        {
            "pending": pending,
            "decided": changes.exclude(status=HosterIdentityChange.Status.PENDING)[:RECENT_DECISIONS],
        },
    )


@require_http_methods(["GET", "POST"])
def identity_change_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The request side by side with the approved identity; the decision is taken only by this page's POST."""
    require_supervisor(request.user, hide=True)
    change = get_object_or_404(HosterIdentityChange.objects.select_related("hoster", "requested_by"), pk=pk)
    form = IdentityDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            decide_identity_change(request.user, change, approve=approve, reason=form.cleaned_data["reason"])
        except PortalRefused as refusal:
            show_refusal(request, refusal)
        else:
            if not approve:
                text = _("The change to %(name)s is rejected; its owners are told by e-mail.")
            elif change.name != change.previous_name:
                text = _("%(hoster)s is now called %(name)s; its owners are told by e-mail.")
            else:
                text = _("The change of %(hoster)s is approved; its owners are told by e-mail.")
            messages.success(request, text % {"hoster": change.previous_name, "name": change.name})
            return redirect("supervision_identity_changes")
    context = {"change": change, "form": form, "aliases": requested_aliases(change)}
    return render(request, "portal/supervision/identity_change.html", context)
