"""The unattributed queue's forms: which group (from the page's links), and what to do with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.asn import asn_number
from portal.forms import BootstrapMixin
from portal.models import Hoster, normalize_prefix, parse_asn
from scoring.measurement.changes import OWNER_MAX
from scoring.measurement.queue import DIMENSIONS, Group

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

HOSTER_CHOICES_MAX = 20


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("A NUL character is not allowed here."))


class GroupForm(forms.Form):
    """A group as the queue's links name it: what it is grouped by and the values, plus the page's search."""

    by = forms.ChoiceField(choices=[(key, key) for key in DIMENSIONS], required=False)
    owner = forms.CharField(required=False, max_length=OWNER_MAX, strip=False, validators=[_no_nul])
    network = forms.CharField(required=False, max_length=64, validators=[_no_nul])
    asn = forms.CharField(required=False, max_length=16, validators=[_no_nul])
    q = forms.CharField(required=False, max_length=200, validators=[_no_nul])

    def clean_network(self) -> str:
        network: str = self.cleaned_data["network"]
        return normalize_prefix(network) if network else ""

    def clean_asn(self) -> int | None:
        text: str = self.cleaned_data["asn"]
        if not text:
            return None
        number = asn_number(text)
        if number is None:
            raise ValidationError(_("%(value)s is not an AS number (1 to 4294967295)."), params={"value": text})
        return number

    def group(self) -> Group:
        data = self.cleaned_data
        return Group(data["by"] or "all", data["owner"], data["network"], data["asn"])


class AttributeForm(BootstrapMixin, forms.Form):
    """To whom the group goes and how: a declaration added to the hoster (then every matching notice follows) or
    just the group's notices."""

    hoster = forms.IntegerField(
        label=_("Hoster"), widget=forms.HiddenInput, error_messages={"required": _("Choose the hoster.")}
    )
    method = forms.ChoiceField(label=_("How"), widget=forms.RadioSelect)
    # Named apart from the group's own `asn` and `network`, which the same request carries.
    as_number = forms.CharField(label=_("AS number"), required=False, max_length=16)
    ip_prefix = forms.CharField(label=_("IP prefix"), required=False, max_length=64)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, group: Group, owner_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group, self.owner_name = group, owner_name
        choices: list[tuple[str, StrOrPromise]] = []
        if group.owner_key:
            label = _("Add “%(owner)s” to the hoster's aliases: every notice naming this owner follows")
            choices.append(("alias", label % {"owner": owner_name}))
        choices += [
            ("asn", _("Add the AS number to the hoster's network: every notice from it follows")),
            ("prefix", _("Add the IP prefix to the hoster's network: every notice from it follows")),
            ("notices", _("Attribute just the notices of this group")),
        ]
        cast(forms.ChoiceField, self.fields["method"]).choices = choices

    def clean_hoster(self) -> Hoster:
        hoster = Hoster.objects.filter(pk=self.cleaned_data["hoster"]).first()
        if hoster is None:
            raise ValidationError(_("That hoster does not exist; choose one from the list."))
        return hoster

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        method = data.get("method")
        if method == "asn":
            try:
                data["value"] = str(parse_asn(data.get("as_number", "")))
            except ValidationError as exc:
                self.add_error("as_number", exc)
        elif method == "prefix":
            prefix = data.get("ip_prefix", "").strip()
            try:
                if "/" not in prefix:
                    raise ValidationError(_("Write the prefix in CIDR notation, such as 192.0.2.0/24."))
                data["value"] = normalize_prefix(prefix)
            except ValidationError as exc:
                self.add_error("ip_prefix", exc)
        elif method == "alias":
            data["value"] = self.owner_name
        else:
            data["value"] = ""
        return data
