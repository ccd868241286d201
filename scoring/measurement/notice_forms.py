"""Forms of a hoster's notice pages: the list's filters, a removal-time dispute and the supervisor's decision on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, When
from django.utils.translation import gettext_lazy as _

from portal.refusals import Refusal
from portal.widgets import DateInput, DateTimeLocalInput
from scoring.measurement.metrics import as_datetime, check_metric_date
from scoring.measurement.models import Dispute, NoticeQuerySet

SMALL = "form-control form-control-sm"
REASON_MAX = 4000
OPEN_Q = Q(removed_at__isnull=True, corrected_removed_at__isnull=True)


def with_overdue(notices: NoticeQuerySet, overdue_before: datetime) -> NoticeQuerySet:
    """Each notice with `is_overdue`: open (by the time the metrics count) and reported before `overdue_before`,
    that is, now minus the norm in force."""
    overdue = Case(
        When(OPEN_Q & Q(reported_at__lt=overdue_before), then=True), default=False, output_field=BooleanField()
    )
    return notices.annotate(is_overdue=overdue)


class NoticeFilterForm(forms.Form):
    """What a hoster's notice list shows: a search, open or overdue notices, disputed ones, a reporting period."""

    OPEN, OVERDUE = "open", "overdue"
    ANY_DISPUTE, OPEN_DISPUTE = "any", "open"

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": SMALL, "type": "search", "placeholder": _("Notice ID or host name")}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), (OPEN, _("Open")), (OVERDUE, _("Overdue (open past the norm)"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    disputed = forms.ChoiceField(
        label=_("Disputes"),
        required=False,
        choices=[("", _("All")), (ANY_DISPUTE, _("Disputed")), (OPEN_DISPUTE, _("Open dispute"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    date_from = forms.DateField(
        label=_("Reported from (included)"), required=False, widget=DateInput(attrs={"class": SMALL})
    )
    date_to = forms.DateField(
        label=_("Reported to (excluded)"), required=False, widget=DateInput(attrs={"class": SMALL})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The search says itself what is wrong with a NUL (`clean_q`), in the words the other searches use.
        search = self.fields["q"]
        search.validators = [v for v in search.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"].strip()
        if "\x00" in query:
            raise forms.ValidationError(_("A search may not contain a NUL character."))
        return query

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("date_from", "date_to"):
            try:
                check_metric_date(cleaned.get(name))
            except Refusal as refusal:
                self.add_error(name, str(refusal))
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from >= date_to:
            self.add_error("date_to", _("The end lies after the start."))
        return cleaned

    def apply(self, notices: NoticeQuerySet, overdue_before: datetime) -> NoticeQuerySet:
        """The notices this valid form selects, each with `is_overdue` (`with_overdue`)."""
        data = self.cleaned_data
        notices = with_overdue(notices, overdue_before)
        if data["q"]:
            notices = notices.filter(Q(notice_id__icontains=data["q"]) | Q(url_host__icontains=data["q"]))
        if data["state"] == self.OPEN:
            notices = notices.filter(OPEN_Q)
        elif data["state"] == self.OVERDUE:
            notices = notices.filter(OPEN_Q, reported_at__lt=overdue_before)
        if data["disputed"]:
            disputes = Dispute.objects.filter(notice=OuterRef("pk"))
            if data["disputed"] == self.OPEN_DISPUTE:
                disputes = disputes.open()
            notices = notices.filter(Exists(disputes))
        if data["date_from"]:
            notices = notices.filter(reported_at__gte=as_datetime(data["date_from"]))
        if data["date_to"]:
            notices = notices.filter(reported_at__lt=as_datetime(data["date_to"]))
        return notices


class RemovalDisputeForm(forms.Form):
    """A hoster's claim that a notice's material was removed at another time, with a document or a web address."""

    claimed_removed_at = forms.DateTimeField(
        label=_("Removed at"),
        help_text=_("Date and time in the portal's time zone (Europe/Amsterdam)."),
        widget=DateTimeLocalInput(attrs={"class": "form-control"}),
    )
    reason = forms.CharField(
        label=_("How do you know?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("For example: our abuse ticket shows the customer's account was suspended at that moment."),
    )
    evidence_file = forms.FileField(
        label=_("Evidence document"),
        required=False,
        help_text=_("A document (PDF, ODT, ODS, DOCX, XLSX, CSV or TXT); never an image or a video."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
    evidence_url = forms.CharField(
        label=_("Or a web address (https://)"),
        required=False,
        max_length=2000,
        help_text=_("A page showing the removal, such as a ticket. Never the reported URL itself."),
        widget=forms.URLInput(attrs={"class": "form-control"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file, has_url = bool(cleaned.get("evidence_file")), bool((cleaned.get("evidence_url") or "").strip())
        if not self.errors and has_file == has_url:
            raise forms.ValidationError(_("Attach either a document or a web address as evidence."))
        return cleaned


class DecideRemovalDisputeForm(forms.Form):
    """The supervisor's decision on a removal-time dispute, confirmed in a second step."""

    ACCEPT, REJECT = "accept", "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=[
            (ACCEPT, _("Accept: count the corrected removal time")),
            (REJECT, _("Reject: the measured removal time stands")),
        ],
    )
    corrected_removed_at = forms.DateTimeField(
        label=_("Corrected removal time"),
        required=False,
        help_text=_("The claimed time unless you change it; Europe/Amsterdam."),
        widget=DateTimeLocalInput(attrs={"class": "form-control"}),
    )
    reason = forms.CharField(
        label=_("Reason for the decision"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("Required when rejecting; the hoster reads it."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["corrected_removed_at"].initial = dispute.claimed_removed_at

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision == self.REJECT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for rejecting the dispute."))
        if (
            decision == self.ACCEPT
            and not cleaned.get("corrected_removed_at")
            and not self.has_error("corrected_removed_at")
        ):
            self.add_error("corrected_removed_at", _("Give the corrected removal time."))
        return cleaned

    @property
    def accepts(self) -> bool:
        return bool(self.cleaned_data.get("decision") == self.ACCEPT)


def overdue_since(now: datetime, norm_hours: float) -> datetime:
    """The reporting moment before which an open notice is past the norm at `now`."""
    return now - timedelta(hours=norm_hours)
