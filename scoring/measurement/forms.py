"""Forms of the measured-data pages: notice upload, metric periods and disputes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from portal.models import Hoster
from portal.refusals import Refusal
from portal.widgets import DateInput, DateTimeLocalInput
from scoring.measurement.metrics import NORM_HOURS_MAX, check_metric_date
from scoring.measurement.rows import SOURCE_MAX, validate_source
from scoring.measurement.scart import DEFAULT_ZONE, FileFormat, detect_format
from scoring.measurement.uploads import upload_max_bytes

SMALL = "form-control form-control-sm"
# The zones a notice file's times are most often in come first; the others follow, found by typing.
FIRST_ZONES = ("Europe/Amsterdam", "UTC")
_ZONES = sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/")))
ZONES = (*FIRST_ZONES, *(zone for zone in _ZONES if zone not in FIRST_ZONES))


class ZoneInput(forms.TextInput):
    """A text field that suggests time zones as one types (an HTML datalist: no script, usable by keyboard)."""

    def __init__(self, zones: tuple[str, ...], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.zones = zones

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or name}-zones"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((zone,) for zone in self.zones))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class NoticeUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Notice file (CSV)"),
        help_text=_(
            "The portal's CSV (header notice_id,reported_at,removed_at,ip,asn and optionally hoster,url) or one of "
            "SCARt's exports (NTD or closed URLs), UTF-8."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv", "class": "form-control", "data-detect-format": ""}),
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("As the file's header shows")), *FileFormat.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("The portal reads the file's header and says which format it found."),
    )
    source = forms.CharField(
        label=_("Source"),
        initial="meldpunt",
        max_length=SOURCE_MAX,
        validators=[validate_source],
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Who reported these notices; notice IDs are unique per source."),
    )
    timezone = forms.CharField(
        label=_("Time zone of timestamps without offset"),
        required=False,
        max_length=64,
        widget=ZoneInput(ZONES, attrs={"class": "form-control", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Type to search, for instance Europe/Amsterdam or UTC. Leave it empty when every timestamp carries "
            "its offset; SCARt's exports are read in Europe/Amsterdam unless you choose another zone."
        ),
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        """`too_large`: the upload handler dropped the file at the limit (`uploads.NoticeUploadHandler`)."""
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.found_format: FileFormat | None = None
        if too_large:
            self.fields["file"].required = False  # it was sent, but is not kept: `clean` says why

    def clean_file(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data["file"]
        if upload is not None and not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload

    def clean_timezone(self) -> str:
        zone: str = self.cleaned_data["timezone"].strip()
        if zone and zone not in ZONES:
            raise forms.ValidationError(
                _("“%(zone)s” is not a time zone the portal knows; choose one from the list."),
                params={"zone": zone[:64]},
            )
        return zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.too_large:
            message = _("The file is larger than %(max)s; split it into smaller files.")
            self.add_error("file", message % {"max": filesizeformat(upload_max_bytes())})
        upload = cleaned.get("file")
        if upload is not None:
            self.found_format = _header_format(upload)
            chosen = cleaned.get("file_format") or self.found_format
            if chosen != self.found_format:
                message = _("The file's header is that of a %(found)s, not of a %(chosen)s.")
                labels = {"found": self.found_format.label, "chosen": FileFormat(chosen).label}
                self.add_error("file_format", message % labels)
            cleaned["file_format"] = chosen
            if chosen != FileFormat.PORTAL and not cleaned.get("timezone"):
                cleaned["timezone"] = DEFAULT_ZONE  # what SCARt's naive times are read in, shown on the batch
        return cleaned


def _header_format(upload: UploadedFile[bytes]) -> FileFormat:
    """The format the uploaded file's first line shows (`scart.detect_format`)."""
    upload.seek(0)
    first_line = upload.readline(64 * 1024)
    upload.seek(0)
    return detect_format(first_line)


def default_metrics_period() -> tuple[date, date]:
    """The figures' default period: the last twelve whole weeks up to and including today."""
    end = timezone.localdate() + timedelta(days=1)
    return end - timedelta(weeks=12), end


class PeriodForm(forms.Form):
    """A measurement period `[from, to)` in local dates, the cut-off and the norm (by default `norm_hours`, the
    caller's: the norm of the scoring model in force)."""

    date_from = forms.DateField(label=_("From (included)"), widget=DateInput(attrs={"class": SMALL}))
    date_to = forms.DateField(label=_("To (excluded)"), widget=DateInput(attrs={"class": SMALL}))
    as_of = forms.DateTimeField(
        label=_("Cut-off"),
        required=False,
        help_text=_("Removals after this moment count as open; empty means the end of the period."),
        widget=DateTimeLocalInput(attrs={"class": SMALL}),
    )
    norm_hours = forms.DecimalField(
        label=_("Norm (hours)"),
        min_value=1,
        max_value=NORM_HOURS_MAX,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"class": SMALL, "step": "any"}),
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, norm_hours: float, **kwargs: Any) -> None:
        self.default_norm = norm_hours
        date_from, date_to = default_metrics_period()
        defaults = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "norm_hours": f"{norm_hours:g}"}
        merged = {**defaults, **{k: v for k, v in (data or {}).items() if v}}
        super().__init__(merged, **kwargs)
        self.fields["norm_hours"].initial = norm_hours

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("date_from", "date_to", "as_of"):
            try:
                check_metric_date(cleaned.get(name))
            except Refusal as refusal:
                self.add_error(name, str(refusal))  # also drops it from cleaned_data
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from >= date_to:
            self.add_error("date_to", _("The end lies after the start."))
        elif date_from and date_to and (date_to - date_from).days > 3 * 366:
            self.add_error("date_to", _("Choose a period of at most three years."))
        return cleaned

    @property
    def period(self) -> tuple[date, date, datetime | None, float]:
        """The valid period, or the default one when the input was not valid."""
        if self.is_valid():
            data = self.cleaned_data
            return (
                data["date_from"],
                data["date_to"],
                data.get("as_of"),
                float(data.get("norm_hours") or self.default_norm),
            )
        date_from, date_to = default_metrics_period()
        return date_from, date_to, None, float(self.default_norm)


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this notice not yours?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("For example: the IP address was transferred to another company on a given date."),
    )


class ResolveDisputeForm(forms.Form):
    REATTRIBUTE, EXCLUDE, REJECT = "reattribute", "exclude", "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (REATTRIBUTE, _("Uphold: attribute the notice to another hoster")),
            (EXCLUDE, _("Uphold: exclude the notice from the metrics")),
            (REJECT, _("Reject: the attribution stands")),
        ],
    )
    new_hoster = forms.ModelChoiceField(
        label=_("New hoster"),
        queryset=Hoster.objects.all(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args: Any, current_hoster: Hoster | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current_hoster is not None:
            new_hoster = self.fields["new_hoster"]
            assert isinstance(new_hoster, forms.ModelChoiceField)
            new_hoster.queryset = Hoster.objects.exclude(pk=current_hoster.pk)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == self.REATTRIBUTE and not cleaned.get("new_hoster"):
            self.add_error("new_hoster", _("Choose the hoster the notice belongs to."))
        return cleaned
