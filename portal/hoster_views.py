"""Pages for hosters, their members, invitations and API keys, and the supervisors' hoster and role management."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import services
from portal.access import AuthenticatedHttpRequest, get_hoster_for, get_membership_for, require_supervisor
from portal.api import create_api_key, revoke_api_key
from portal.dashboard import hoster_panels_for
from portal.forms import (
    ApiKeyForm,
    HosterNetworkForm,
    HosterProfileForm,
    HosterSearchForm,
    InvitationForm,
    MemberRoleForm,
    RoleGrantForm,
    VerificationForm,
)
from portal.identity import save_hoster_profile, update_hoster_declarations
from portal.middleware import SESSION_HOSTER_KEY
from portal.models import ApiKey, Hoster, HosterIdentityChange, Invitation, MemberRole, Membership, Role, User
from portal.refusals import show_refusal
from portal.services import PortalRefused

PAGE_SIZE = 25


def _show_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: at the field it names, else above the form (announced as an alert)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _confirm(request: HttpRequest, *, title: str, question: str, action: str, cancel_url: str) -> HttpResponse:
    """The confirmation step before a destructive action: a GET shows it, the form POSTs back to the same URL."""
    return render(
        request,
        "portal/hosters/confirm.html",
        {"title": title, "question": question, "action_label": action, "cancel_url": cancel_url},
    )


# Hosters


@require_http_methods(["GET", "POST"])
def hoster_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = HosterProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hoster = services.register_hoster(request.user, form.cleaned_data)
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            request.session[SESSION_HOSTER_KEY] = hoster.slug
            messages.success(
                request, _("%(hoster)s is registered. A supervisor will verify it.") % {"hoster": hoster.name}
            )
            return redirect("hoster_detail", hoster.slug)
    return render(request, "portal/hosters/register.html", {"form": form})


def hoster_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    context: dict[str, Any] = {
        "hoster": hoster,
        "membership": membership,
        "pending_identity": hoster.identity_changes.pending().first(),
        "panels": hoster_panels_for(request, hoster),
    }
    if request.user.is_supervisor:
        context["network_form"] = HosterNetworkForm.for_hoster(hoster)
    return render(request, "portal/hosters/detail.html", context)


def _waiting_message(change: HosterIdentityChange) -> str:
    """What the owner is told after asking for a new identity or other aliases."""
    if (change.name, change.website) == (change.previous_name, change.previous_website):
        return _("The new aliases are awaiting the supervisor's approval; until then notices match as before.")
    return _(
        "The new name and website are awaiting the supervisor's approval; until then the public sees %(name)s."
    ) % {"name": change.previous_name}


@require_http_methods(["GET", "POST"])
def hoster_settings(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership_for(request.user, slug, owner=True)
    # The form validates on a copy, so a rejected change never touches the hoster used by the page.
    form = HosterProfileForm(request.POST or None, instance=Hoster.objects.get(pk=membership.hoster_id))
    if request.method == "POST" and form.is_valid():
        try:
            changed, identity_change = save_hoster_profile(request.user, membership.hoster, form.cleaned_data)
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            if identity_change is not None:
                messages.info(request, _waiting_message(identity_change))
            if changed or identity_change is None:
                messages.success(request, _("The details are saved.") if changed else _("Nothing was changed."))
            return redirect("hoster_detail", slug)
    context = {
        "hoster": membership.hoster,
        "membership": membership,
        "form": form,
        "pending_identity": membership.hoster.identity_changes.pending().first(),
    }
    return render(request, "portal/hosters/settings.html", context)


@require_http_methods(["GET", "POST"])
def hoster_network(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require_supervisor(request.user, hide=True)
    hoster = get_hoster_for(request.user, slug)
    form = (
        HosterNetworkForm(request.POST, hoster=hoster)
        if request.method == "POST"
        else HosterNetworkForm.for_hoster(hoster)
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            changed = update_hoster_declarations(request.user, hoster, data["asns"], data["prefixes"], data["aliases"])
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(
                request, _("The network is saved; notices are re-attributed.") if changed else _("Nothing was changed.")
            )
            return redirect("hoster_detail", slug)
    return render(request, "portal/hosters/network.html", {"hoster": hoster, "form": form})


@require_POST
def hoster_switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = get_membership_for(request.user, request.POST.get("hoster", ""))
    request.session[SESSION_HOSTER_KEY] = membership.hoster.slug
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("hoster_detail", membership.hoster.slug)


# Members and invitations


@require_http_methods(["GET", "POST"])
def hoster_members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    is_owner = membership is not None and membership.is_owner
    invite_form = InvitationForm(hoster=hoster) if is_owner else None
    if request.method == "POST":
        get_membership_for(request.user, slug, owner=True)
        invite_form = InvitationForm(request.POST, hoster=hoster)
        if invite_form.is_valid():
            try:
                invitation = services.invite_member(
                    request.user,
                    hoster,
                    invite_form.cleaned_data["email"],
                    invite_form.cleaned_data["role"],
                    request.LANGUAGE_CODE,
                )
            except PortalRefused as refusal:
                show_refusal(request, refusal, invite_form)
            else:
                messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email})
                return redirect("hoster_members", slug)
    role_order = list(MemberRole.values)
    members = sorted(hoster.memberships.select_related("user"), key=lambda m: (role_order.index(m.role), m.user.email))
    context = {
        "hoster": hoster,
        "membership": membership,
        "is_owner": is_owner,
        "members": [(m, MemberRoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")) for m in members],
        "invite_form": invite_form,
        "invitations": hoster.invitations.select_related("invited_by")[:50] if is_owner else [],
    }
    return render(request, "portal/hosters/members.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def member_role(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    owner = get_membership_for(request.user, slug, owner=True)
    target = get_object_or_404(Membership, pk=pk, hoster=owner.hoster)
    form = MemberRoleForm(request.POST, prefix=f"m{target.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose owner, editor or viewer."))
    else:
        try:
            services.change_member_role(request.user, target, form.cleaned_data["role"])
        except PortalRefused as refusal:
            show_refusal(request, refusal)
        else:
            messages.success(request, _("The role of %(email)s is saved.") % {"email": target.user.email})
    return redirect("hoster_members", slug)


@require_http_methods(["GET", "POST"])
def member_remove(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    owner = get_membership_for(request.user, slug, owner=True)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=pk, hoster=owner.hoster)
    members_url = reverse("hoster_members", args=[slug])
    if request.method == "GET":
        return _confirm(
            request,
            title=_("Remove member"),
            question=_("Remove %(email)s from %(hoster)s? They lose access to the hoster at once.")
            % {"email": target.user.email, "hoster": owner.hoster.name},
            action=_("Remove member"),
            cancel_url=members_url,
        )
    try:
        services.remove_member(request.user, target)
    except PortalRefused as refusal:
        show_refusal(request, refusal)
        return redirect(members_url)
    messages.success(request, _("%(email)s is no longer a member.") % {"email": target.user.email})
    if target.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect(members_url)


@require_http_methods(["GET", "POST"])
def invitation_revoke(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    owner = get_membership_for(request.user, slug, owner=True)
    invitation = get_object_or_404(Invitation, pk=pk, hoster=owner.hoster)
    members_url = reverse("hoster_members", args=[slug])
    if request.method == "GET":
        return _confirm(
            request,
            title=_("Revoke invitation"),
            question=_("Revoke the invitation to %(email)s? The link in their e-mail stops working.")
            % {"email": invitation.email},
            action=_("Revoke invitation"),
            cancel_url=members_url,
        )
    services.revoke_invitation(request.user, invitation)
    messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    return redirect(members_url)


def _invitation_problem(user: User, invitation: Invitation) -> tuple[str, int] | None:
    if not invitation.is_open:
        return _("This invitation is no longer valid. Ask an owner of the hoster for a new one."), 410
    if Membership.objects.filter(user=user, hoster=invitation.hoster).exists():
        return _("You are already a member of %(hoster)s.") % {"hoster": invitation.hoster.name}, 409
    if not services.can_accept(user, invitation):
        return (
            _(
                "This invitation was sent to another e-mail address. Sign in with that address, "
                "or add and verify it under E-mail addresses, then open the link again."
            ),
            403,
        )
    return None


@require_http_methods(["GET", "POST"])
def invitation_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("hoster", "invited_by"), token=token)
    problem = _invitation_problem(request.user, invitation)
    if problem is None and request.method == "POST":
        try:
            membership = services.accept_invitation(request.user, invitation)
        except PortalRefused as refusal:
            problem = (str(refusal), 409)
        else:
            request.session[SESSION_HOSTER_KEY] = membership.hoster.slug
            messages.success(request, _("Welcome to %(hoster)s.") % {"hoster": membership.hoster.name})
            return redirect("hoster_detail", membership.hoster.slug)
    return render(
        request,
        "portal/hosters/invitation.html",
        {"invitation": invitation, "problem": problem[0] if problem else None},
        status=problem[1] if problem else 200,
    )


# API keys


def _api_keys_page(
    request: HttpRequest,
    template: str,
    keys: QuerySet[ApiKey],
    form: ApiKeyForm,
    token: str | None,
    **extra: Any,
) -> HttpResponse:
    response = render(request, template, {"keys": _page(request, keys), "form": form, "token": token, **extra})
    if token:
        add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def hoster_api_keys(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership_for(request.user, slug, owner=True)
    hoster = membership.hoster
    form = ApiKeyForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _key, token = create_api_key(request.user, form.cleaned_data["name"], ApiKey.Scope.HOSTER, hoster)
        form = ApiKeyForm()
    keys = hoster.api_keys.select_related("created_by")
    return _api_keys_page(
        request, "portal/hosters/api_keys.html", keys, form, token, hoster=hoster, membership=membership
    )


@require_http_methods(["GET", "POST"])
def api_key_revoke(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    hoster = get_membership_for(request.user, slug, owner=True).hoster
    key = get_object_or_404(ApiKey, pk=pk, hoster=hoster, scope=ApiKey.Scope.HOSTER)
    return _revoke_key(request, key, reverse("hoster_api_keys", args=[slug]))


def _revoke_key(request: AuthenticatedHttpRequest, key: ApiKey, back_url: str) -> HttpResponse:
    if request.method == "GET":
        return _confirm(
            request,
            title=_("Revoke API key"),
            question=_("Revoke the key “%(name)s” (%(prefix)s…)? Clients using it are refused from now on.")
            % {"name": key.name, "prefix": key.prefix},
            action=_("Revoke key"),
            cancel_url=back_url,
        )
    revoke_api_key(request.user, key)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
    return redirect(back_url)


# Supervision


@require_http_methods(["GET", "POST"])
def supervision_api_keys(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_supervisor(request.user)
    form = ApiKeyForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _key, token = create_api_key(request.user, form.cleaned_data["name"], ApiKey.Scope.SUPERVISOR)
        form = ApiKeyForm()
    keys = ApiKey.objects.filter(scope=ApiKey.Scope.SUPERVISOR).select_related("created_by")
    return _api_keys_page(request, "portal/supervision/api_keys.html", keys, form, token)


@require_http_methods(["GET", "POST"])
def supervision_api_key_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_supervisor(request.user)
    key = get_object_or_404(ApiKey, pk=pk, scope=ApiKey.Scope.SUPERVISOR)
    return _revoke_key(request, key, reverse("supervision_api_keys"))


def supervision_hosters(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_supervisor(request.user)
    search = HosterSearchForm(request.GET or None)
    hosters = search.filter(Hoster.objects.annotate(member_count=Count("memberships")).order_by("name"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/supervision/hosters.html",
        {"search": search, "hosters": _page(request, hosters), "query": query.urlencode()},
    )


@require_http_methods(["GET", "POST"])
def supervision_hoster_verify(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require_supervisor(request.user)
    hoster = get_object_or_404(Hoster, slug=slug)
    form = VerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_verification(
                request.user, hoster, form.cleaned_data["decision"], form.cleaned_data["reason"]
            )
        except PortalRefused as refusal:
            show_refusal(request, refusal)
        else:
            messages.success(
                request,
                _("%(hoster)s is now %(state)s; its owners are told by e-mail.")
                % {"hoster": hoster.name, "state": hoster.get_verification_display().lower()},
            )
            return redirect("supervision_hosters")
    return render(request, "portal/supervision/verify.html", {"hoster": hoster, "form": form})


@require_http_methods(["GET", "POST"])
def supervision_roles(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_supervisor(request.user)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        role = Role(form.cleaned_data["role"])
        if services.grant_role(request.user, form.user, role):
            messages.success(
                request, _("%(email)s is now %(role)s.") % {"email": form.user.email, "role": role.label.lower()}
            )
        else:
            messages.info(
                request, _("%(email)s already is %(role)s.") % {"email": form.user.email, "role": role.label.lower()}
            )
        return redirect("supervision_roles")
    holders = User.objects.filter(groups__name__in=Role.values).distinct().order_by("email").prefetch_related("groups")
    return render(request, "portal/supervision/roles.html", {"form": form, "holders": _page(request, holders)})


@require_http_methods(["GET", "POST"])
def supervision_role_revoke(request: AuthenticatedHttpRequest, user_id: int, role: str) -> HttpResponse:
    require_supervisor(request.user)
    if role not in Role.values:
        raise Http404
    target = get_object_or_404(User, pk=user_id, groups__name=role)
    scheme_role = Role(role)
    if request.method == "GET":
        return _confirm(
            request,
            title=_("Revoke role"),
            question=_("Take the %(role)s role from %(email)s?")
            % {"role": scheme_role.label.lower(), "email": target.email},
            action=_("Revoke role"),
            cancel_url=reverse("supervision_roles"),
        )
    try:
        services.revoke_role(request.user, target, scheme_role)
    except PortalRefused as refusal:
        show_refusal(request, refusal)
    else:
        messages.success(
            request,
            _("%(email)s is no longer %(role)s.") % {"email": target.email, "role": scheme_role.label.lower()},
        )
    return redirect("supervision_roles")
