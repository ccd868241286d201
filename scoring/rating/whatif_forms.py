"""The what-if page's forms: the scoring model and where the measured figures come from, the figures typed by hand,
and each answer in the questionnaire's own widget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.answers import clean_value
from assessments.catalogue import Criterion
from assessments.forms import AnswerForm
from portal.widgets import DateInput
from scoring.engine import ScoredAnswer
from scoring.engine.hash_checks import iso_week, monday_of
from scoring.measurement.metrics import DateOutOfRange, check_metric_date
from scoring.rating.models import Rating, ScoringModelVersion

MAX_NOTICES = 10_000_000
MAX_HOURS = 100_000
MAX_QUERY = 100


class FiguresSource(models.TextChoices):
    PERIOD = "period", gettext_lazy("Measured: the hoster's notices over a period")
    MANUAL = "manual", gettext_lazy("Typed in by hand")
    NONE = "none", gettext_lazy("None: the measured criteria are inconclusive")


class AssessmentSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Find an assessment"),
        help_text=gettext_lazy("Part of the hoster's name, or the assessment's number."),
        required=False,
        max_length=MAX_QUERY,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def query(self) -> str:
        """The cleaned search text; empty when there is none or it is not acceptable (NUL characters, too long)."""
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class SettingsForm(forms.Form):
    """The scoring model, the card to compare with, and where the measured figures come from."""

    model = forms.ChoiceField(label=gettext_lazy("Scoring model"))
    basis = forms.ChoiceField(
        label=gettext_lazy("Compare with the current card"), choices=Rating.Basis.choices, required=False
    )
    figures = forms.ChoiceField(
        label=gettext_lazy("Measured figures"), choices=FiguresSource.choices, widget=forms.RadioSelect
    )
    period_start = forms.DateField(label=gettext_lazy("First day"), required=False, widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("Last day"), required=False, widget=DateInput())

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        versions: Sequence[ScoringModelVersion],
        in_force: str,
        language: str,
        period: tuple[date, date] | None,
    ) -> None:
        if period is not None and not any(name in data for name in ("period_start", "period_end")):
            data = {**_as_dict(data), "period_start": period[0].isoformat(), "period_end": period[1].isoformat()}
        super().__init__(data, auto_id="whatif-%s")
        self.period = period
        choices = []
        for version in versions:
            title = version.title_in(language)
            choices.append(
                (version.code, _("%(title)s · in force") % {"title": title} if version.code == in_force else title)
            )
        cast(forms.ChoiceField, self.fields["model"]).choices = choices
        if period is None:
            del self.fields["basis"], self.fields["period_start"], self.fields["period_end"]
            figures = cast(forms.ChoiceField, self.fields["figures"])
            figures.choices = [choice for choice in FiguresSource.choices if choice[0] != FiguresSource.PERIOD]
        else:
            for name in ("period_start", "period_end"):
                self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("figures") != FiguresSource.PERIOD or self.period is None:
            return cleaned
        for name in ("period_start", "period_end"):
            day = cleaned.get(name)
            if day is None:
                if name not in self.errors:
                    self.add_error(name, _("Give a date."))
                continue
            try:
                check_metric_date(day)
            except DateOutOfRange as exc:
                self.add_error(name, str(exc))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        _mark_invalid(self)


class FiguresForm(forms.Form):
    """The measured figures typed by hand (or shown, read-only, as measured over the period)."""

    notices = forms.IntegerField(
        label=gettext_lazy("Notices due"),
        help_text=gettext_lazy("Leave out the notices not yet due (still open, but not yet past the norm)."),
        min_value=0,
        max_value=MAX_NOTICES,
    )
    within_norm_pct = forms.DecimalField(
        label=gettext_lazy("Removed within the norm (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    p90_hours = forms.DecimalField(
        label=gettext_lazy("90th percentile removal time (hours)"),
        help_text=gettext_lazy("Leave empty when no notice was removed."),
        min_value=0,
        max_value=MAX_HOURS,
        max_digits=8,
        decimal_places=2,
        required=False,
    )
    open_over_norm = forms.IntegerField(label=gettext_lazy("Open beyond the norm"), min_value=0, max_value=MAX_NOTICES)
    hash_check_weeks = forms.IntegerField(
        min_value=0,
        required=False,
        help_text=gettext_lazy("Leave empty when no hash-check statistics cover the period."),
    )

    def __init__(self, data: Mapping[str, Any], *, hash_check_weeks: int | None, read_only: bool) -> None:
        super().__init__(data, auto_id="whatif-%s")
        self.weeks = hash_check_weeks
        if hash_check_weeks is None:
            del self.fields["hash_check_weeks"]
        else:
            weeks = self.fields["hash_check_weeks"]
            weeks.label = _("Weeks with hash checks, of the last %(weeks)s") % {"weeks": hash_check_weeks}
            weeks.validators.append(MaxValueValidator(hash_check_weeks))
            weeks.widget.attrs["max"] = hash_check_weeks
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            attrs.update({"step": "any" if isinstance(field, forms.DecimalField) else "1"})
            attrs["class"] = "form-control form-control-sm"
            if read_only:
                attrs["readonly"] = True
                attrs["class"] += " bg-body-tertiary"
                described = ["whatif-measured-help"] + ([f"whatif-{name}_helptext"] if field.help_text else [])
                attrs["aria-describedby"] = " ".join(described)

    def full_clean(self) -> None:
        super().full_clean()
        _mark_invalid(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        notices, pct, left_open = cleaned.get("notices"), cleaned.get("within_norm_pct"), cleaned.get("open_over_norm")
        if notices is None or pct is None:
            return cleaned
        within = int((Decimal(notices) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        cleaned["within_norm"] = within
        if left_open is not None and left_open > notices - within:
            self.add_error(
                "open_over_norm",
                _("At most %(count)s: only the notices not removed within the norm can be open beyond it.")
                % {"count": notices - within},
            )
        return cleaned

    def metrics(self, norm_hours: float, last_day: date) -> dict[str, Any]:
        """The figures as the engine reads a metrics row, at the model's norm; hash checks as that many weeks with
        checks among the last ones before `last_day` (the most recent first)."""
        cleaned = self.cleaned_data
        p90 = cleaned.get("p90_hours")
        row: dict[str, Any] = {
            "notices": cleaned["notices"],
            "within_norm": cleaned["within_norm"],
            "p90_hours": None if p90 is None else float(p90),
            "open_over_norm": cleaned["open_over_norm"],
            "norm_hours": norm_hours,
        }
        with_checks = cleaned.get("hash_check_weeks")
        if self.weeks is not None and with_checks is not None:
            row["hash_checks"] = hash_checks_row(with_checks, self.weeks, last_day)
        return row


def _as_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """A query's values as a plain dict (the last of repeated keys, as a form reads them)."""
    getter = getattr(data, "dict", None)
    return getter() if callable(getter) else dict(data)


def _mark_invalid(form: forms.Form) -> None:
    """Bootstrap's red border on the fields with errors (aria-invalid Django adds itself)."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def last_whole_week(day: date) -> date:
    """The Monday of the last whole ISO week that ends on or before `day`."""
    monday = monday_of(day)
    return monday if day - monday == timedelta(days=6) else monday - timedelta(weeks=1)


def hash_checks_row(with_checks: int, weeks: int, last_day: date) -> dict[str, Any]:
    """Statistics covering the `weeks` weeks up to `last_day`'s last whole week, the latest `with_checks` of them
    with checks: what a model that counts weeks with checks reads the same as the real weeks."""
    last = last_whole_week(last_day)
    return {
        "last_week": iso_week(last),
        "weeks": [
            {"week": iso_week(last - timedelta(weeks=back)), "checks": 1 if back < with_checks else 0, "hits": 0}
            for back in range(weeks)
        ],
    }


class WhatIfAnswerForm(AnswerForm):
    """One criterion's answer in the questionnaire's widget, plus "not answered"; N/A needs no justification here,
    for nothing is saved."""

    current_value: str | None = None
    """The answer on the current card ("na" for N/A, "" for none), which the page marks; None without one."""

    def __init__(self, criterion: Criterion, data: Mapping[str, Any]) -> None:
        super().__init__(criterion, data, prefix=criterion.code, auto_id="whatif-%s")
        for name in ("justification", "comment"):
            self.fields.pop(name, None)
        widget = cast(forms.RadioSelect, self.fields["value"].widget)
        widget.choices = [*widget.choices, ("", _("Not answered"))]

    def clean(self) -> dict[str, Any]:
        forms.Form.clean(self)
        cleaned = self.cleaned_data
        if cleaned.get("na"):
            return cleaned
        try:
            cleaned["value"] = clean_value(self.criterion, cleaned.get("value") or "")
        except ValidationError as exc:
            self.add_error("value", exc)
        return cleaned

    def scored_answer(self) -> ScoredAnswer | None:
        """The answer as the engine scores it: N/A, an option, or None for not answered."""
        if self.cleaned_data.get("na"):
            return ScoredAnswer(value=None, na=True)
        value = self.cleaned_data.get("value")
        return ScoredAnswer(value=value) if value else None
