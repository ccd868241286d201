"""Forms of the assessment pages; answer validation itself lives in `answers`, shared with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.answers import AnswerInput, clean_answer
from assessments.catalogue import Criterion
from assessments.models import Answer
from portal.widgets import DateInput


class StartAssessmentForm(forms.Form):
    period_start = forms.DateField(label=_("First day of the measurement period"), widget=DateInput())
    period_end = forms.DateField(label=_("Last day of the measurement period"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned


class AnswerForm(forms.Form):
    """One criterion's answer; field ids carry the criterion code so a page can hold every form of a section."""

    value = forms.CharField(required=False)
    na = forms.BooleanField(required=False, label=_("Not applicable (N/A)"))
    justification = forms.CharField(
        required=False,
        label=_("Justification for N/A"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you answer N/A."),
    )
    comment = forms.CharField(required=False, label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, criterion: Criterion, *args: Any, disabled: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{criterion.code}_%s")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.cleaned_answer: AnswerInput | None = None
        language = get_language() or "en"
        value = self.fields["value"]
        value.label = criterion.text.get_text(language)
        if criterion.type == "choice":
            value.widget = forms.RadioSelect(
                choices=[(option.value, option.label.get_text(language)) for option in criterion.options]
            )
        elif criterion.type in {"number", "percent"}:
            value.widget = forms.TextInput(attrs={"inputmode": "decimal"})
            if criterion.type == "percent":
                value.help_text = _("A percentage from 0 to 100.")
        elif criterion.type == "date":
            value.widget = DateInput()
        elif criterion.type == "url":
            value.widget = forms.URLInput(attrs={"placeholder": "https://"})
        else:
            value.widget = forms.Textarea(attrs={"rows": 3})
        if not criterion.na_allowed:
            del self.fields["na"]
            del self.fields["justification"]
        for field in self.fields.values():
            field.disabled = disabled

    @classmethod
    def for_answer(cls, criterion: Criterion, answer: Answer | None, *, disabled: bool = False) -> AnswerForm:
        initial = {}
        if answer is not None:
            initial = {
                "value": answer.value,
                "na": answer.na,
                "justification": answer.justification,
                "comment": answer.comment,
            }
        return cls(criterion, initial=initial, disabled=disabled)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        answer, errors = clean_answer(
            self.criterion,
            AnswerInput(
                value=cleaned.get("value") or "",
                na=bool(cleaned.get("na")),
                justification=cleaned.get("justification") or "",
                comment=cleaned.get("comment") or "",
            ),
        )
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        self.cleaned_answer = answer
        return cleaned


class EvidenceForm(forms.Form):
    """A document or a web address backing one answer."""

    file = forms.FileField(required=False, label=_("Document"))
    url = forms.URLField(required=False, label=_("Web address (URL)"), assume_scheme="https")

    def __init__(self, criterion: Criterion, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{criterion.code}_evidence_%s")
        super().__init__(*args, **kwargs)
        self.criterion = criterion

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("file") and not cleaned.get("url") and not self.errors:
            raise forms.ValidationError(_("Choose a document or give a web address."))
        if cleaned.get("file") and cleaned.get("url"):
            raise forms.ValidationError(_("Give either a document or a web address, not both."))
        return cleaned
