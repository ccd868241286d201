"""Forms of the core: hoster details and network, members and invitations, scheme roles and API keys."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.hoster_aliases import aliases_from_lines, check_name, clean_aliases
from portal.identity import requested_aliases
from portal.models import (
    HOSTER_NAME_MAX_LENGTH,
    Hoster,
    MemberRole,
    Membership,
    Role,
    User,
    normalize_prefix,
    parse_asn,
    validate_hoster_name,
)
from portal.services import PROFILE_FIELDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_SEPARATORS = re.compile(r"[\s,;]+")
_ALIASES_HELP = _(
    "Other names the hotline writes for this hoster, such as “NFORCE ENTERTAINMENT BV”; one per line. "
    "Case, punctuation and legal forms (B.V., Ltd, GmbH…) do not matter."
)


def _aliases_field(help_text: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=_("Aliases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=help_text,
    )


class BootstrapMixin(forms.BaseForm):
    """Bootstrap 5 classes on every widget, so templates can render fields plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class HosterProfileForm(BootstrapMixin, forms.ModelForm[Hoster]):
    """The company details an owner keeps up to date (also used to register a hoster)."""

    country = forms.CharField(
        label=_("Country"),
        initial="NL",
        help_text=_("Two-letter ISO 3166 code, such as NL."),
        widget=forms.TextInput(attrs={"maxlength": 2, "size": 2, "autocomplete": "country"}),
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Hoster
        fields = list(PROFILE_FIELDS)
        help_texts = {
            "coc_number": _("The registration number at the Chamber of Commerce (KvK), digits only."),
            "abuse_email": _("Where notices about abuse on your network should go."),
            "declared_customers": _("About how many customers you host."),
            "declared_domains": _("About how many domain names you host."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["maxlength"] = HOSTER_NAME_MAX_LENGTH
        # A registered hoster's owners ask for aliases (a supervisor approves); a new one has none yet.
        self.original = {"name": self.instance.name, "legal_name": self.instance.legal_name}
        if self.instance.pk:
            pending = self.instance.identity_changes.pending().first()
            wanted = requested_aliases(pending) if pending else None
            self.fields["aliases"] = _aliases_field(
                format_lazy("{} {}", _ALIASES_HELP, _("A change waits for the supervisor's approval."))
            )
            self.initial["aliases"] = "\n".join(self.instance.aliases if wanted is None else wanted)

    def _slug(self) -> str | None:
        return self.instance.slug if self.instance.pk else None

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        validate_hoster_name(name)
        if name != self.original["name"]:
            check_name(name, self._slug())
        return name

    def clean_legal_name(self) -> str:
        legal_name: str = self.cleaned_data["legal_name"]
        if legal_name and legal_name != self.original["legal_name"]:
            check_name(legal_name, self._slug())
        return legal_name

    def clean_aliases(self) -> list[str]:
        return clean_aliases(aliases_from_lines(self.cleaned_data["aliases"]), self._slug())

    def clean_country(self) -> str:
        country: str = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ValidationError(_("Enter a two-letter country code, such as NL or DE."))
        return country

    def clean_coc_number(self) -> str:
        coc_number: str = self.cleaned_data["coc_number"]
        return coc_number.replace(" ", "")


def _tokens(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(text) if token]


class HosterNetworkForm(BootstrapMixin, forms.Form):
    """A supervisor's record of what a hoster's notices are recognised by: its AS numbers, IP prefixes and aliases."""

    asns = forms.CharField(
        label=_("AS numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("One per line or separated by spaces, with or without AS: AS64500 64501."),
    )
    prefixes = forms.CharField(
        label=_("IP prefixes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("IPv4 or IPv6 in CIDR notation, one per line or separated by spaces: 192.0.2.0/24 2001:db8::/32."),
    )

    aliases = _aliases_field(_ALIASES_HELP)

    def __init__(self, *args: Any, hoster: Hoster | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hoster = hoster

    @classmethod
    def for_hoster(cls, hoster: Hoster) -> HosterNetworkForm:
        return cls(
            initial={
                "asns": "\n".join(f"AS{asn}" for asn in hoster.asns),
                "prefixes": "\n".join(hoster.prefixes),
                "aliases": "\n".join(hoster.aliases or []),
            },
            hoster=hoster,
        )

    def clean_aliases(self) -> list[str]:
        return clean_aliases(
            aliases_from_lines(self.cleaned_data["aliases"]), self.hoster.slug if self.hoster is not None else None
        )

    def clean_asns(self) -> list[int]:
        values, errors = set(), []
        for token in _tokens(self.cleaned_data["asns"]):
            try:
                values.add(parse_asn(token))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return sorted(values)

    def clean_prefixes(self) -> list[str]:
        values, errors = set(), []
        for token in _tokens(self.cleaned_data["prefixes"]):
            if "/" not in token:
                errors.append(
                    _("%(value)s has no prefix length; write it in CIDR notation, such as 192.0.2.0/24.")
                    % {"value": token}
                )
                continue
            try:
                values.add(normalize_prefix(token))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return sorted(values)


class InvitationForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.EDITOR)

    def __init__(self, *args: Any, hoster: Hoster, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hoster = hoster

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        if Membership.objects.filter(hoster=self.hoster, user__email__iexact=email).exists():
            raise ValidationError(_("%(email)s is already a member."), params={"email": email})
        return email


class MemberRoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=MemberRole.choices, widget=forms.Select(attrs={"class": "form-select-sm"})
    )


class VerificationForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Hoster.Verification.VERIFIED, _("Verify")), (Hoster.Verification.REJECTED, _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the hoster's owners. Required when you reject."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == Hoster.Verification.REJECTED and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for the rejection; the owners will read it."))
        return data


class RoleGrantForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address of the user"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    user: User  # the holder of the address, once the form is valid

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise ValidationError(
                _("No user has the address %(email)s. Ask them to sign up first."), params={"email": email}
            )
        if not user.is_active:
            raise ValidationError(_("The account of %(email)s is deactivated."), params={"email": email})
        self.user = user
        return email


class ApiKeyForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, such as “ticket system” — so you know which one to revoke later."),
    )


class HosterSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    verification = forms.ChoiceField(
        label=_("Verification"),
        required=False,
        choices=[("", _("All")), *Hoster.Verification.choices],
    )

    def filter(self, queryset: QuerySet[Hoster]) -> QuerySet[Hoster]:
        if not self.is_valid():
            return queryset
        q = self.cleaned_data["q"].strip()
        if q:
            queryset = queryset.filter(
                Q(name__icontains=q) | Q(slug__icontains=q) | Q(legal_name__icontains=q) | Q(coc_number__icontains=q)
            )
        if self.cleaned_data["verification"]:
            queryset = queryset.filter(verification=self.cleaned_data["verification"])
        return queryset
