"""What-if scoring: an assessment's answers and measured figures changed by hand, scored under any published model
and set beside the assessment's current card with every difference named. Reads only; nothing is ever stored."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.forms import RadioSelect
from django.utils.translation import gettext as _

from assessments.models import Assessment
from portal.models import User
from scoring.engine import Metrics, ScoringInputError, ScoringModel, Status, score
from scoring.rating.inputs import Basis, answers_for, metrics_for
from scoring.rating.models import ScoringModelVersion
from scoring.rating.publishing import model_version
from scoring.rating.scorecards import evaluate, reader_language
from scoring.rating.whatif_compare import Comparison, Side, compare, weeks_with_checks
from scoring.rating.whatif_forms import FiguresForm, FiguresSource, SettingsForm, WhatIfAnswerForm

PICKS = 10


def find_assessments(user: User, query: str) -> QuerySet[Assessment]:
    """The assessments `user` may read whose hoster's name or slug contains `query` (or whose number it is), the
    latest first; the latest ones when there is no query."""
    found = Assessment.objects.visible_to(user).select_related("hoster")
    if query:
        match = Q(hoster__name__icontains=query) | Q(hoster__slug__icontains=query)
        if query.isascii() and query.isdigit() and len(query) < 10:
            match |= Q(pk=int(query))
        found = found.filter(match)
    return found.order_by("-created_at", "-pk")[:PICKS]


def default_basis(assessment: Assessment) -> str:
    """An approved assessment is compared with its verified card, any other with its self-assessed one."""
    return Basis.VERIFIED if assessment.status == Assessment.Status.APPROVED else Basis.SELF_ASSESSED


def prefill(assessment: Assessment | None, model_code: str) -> dict[str, str]:
    """The form's data on arrival: the assessment's answers on the basis it is compared on, figures measured over
    its period (none without an assessment)."""
    data = {"model": model_code, "figures": FiguresSource.NONE}
    if assessment is None:
        return data
    basis = default_basis(assessment)
    data.update(
        basis=basis,
        figures=FiguresSource.PERIOD,
        period_start=assessment.period_start.isoformat(),
        period_end=assessment.period_end.isoformat(),
    )
    for code, answer in answers_for(assessment, basis).items():
        if answer is not None and answer.na:
            data[f"{code}-na"] = "on"
        elif answer is not None and answer.value:
            data[f"{code}-value"] = answer.value
    return data


def period_figures(assessment: Assessment, version: ScoringModelVersion, start: date, end: date) -> dict[str, Any]:
    """The hoster's measured data over `start`..`end` at the model's norm, exactly as a rating of an assessment
    with that period would use it (an unsaved copy carries the period; nothing is written)."""
    window = copy.copy(assessment)
    window.period_start, window.period_end = start, end
    return metrics_for(window, version)


def figures_as_fields(metrics: Mapping[str, Any], weeks: int | None) -> dict[str, Any]:
    """A metrics row as the figures form's fields, to show measured figures and to start typing from them."""
    # The form's notices are the due ones, which the share is over: notices not yet due count in no criterion.
    notices = metrics["notices"] - (metrics.get("pending") or 0)
    fields: dict[str, Any] = {
        "notices": notices,
        "within_norm_pct": f"{100 * metrics['within_norm'] / notices:.2f}" if notices else "0",
        "p90_hours": "" if metrics.get("p90_hours") is None else metrics["p90_hours"],
        "open_over_norm": metrics["open_over_norm"],
    }
    if weeks is not None:
        with_checks = weeks_with_checks(metrics, weeks)
        fields["hash_check_weeks"] = "" if with_checks is None else with_checks
    return fields


# The page's state ---------------------------------------------------------------------------------------------


@dataclass
class AnswerSection:
    code: str
    title: str
    forms: list[WhatIfAnswerForm]
    changed: int = 0

    @property
    def has_errors(self) -> bool:
        return any(form.errors for form in self.forms)


@dataclass
class WhatIf:
    """The what-if form bound to a query (or to the assessment's own data on arrival), and its result."""

    assessment: Assessment | None
    settings: SettingsForm
    in_force: ScoringModelVersion
    version: ScoringModelVersion
    model: ScoringModel
    sections: list[AnswerSection]
    figures: FiguresForm | None = None
    measured: dict[str, Any] | None = None
    """The figures measured over the period, when they come from there."""
    errors: list[str] = field(default_factory=list)
    comparison: Comparison | None = None

    @property
    def has_errors(self) -> bool:
        figures_invalid = self.figures is not None and bool(self.figures.errors)
        return bool(self.errors or self.settings.errors or figures_invalid or any(s.has_errors for s in self.sections))

    @property
    def source(self) -> str:
        return str(self.settings.cleaned_data.get("figures", ""))

    @property
    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, messages) of every field in error, to list them beside the result with links."""
        forms: list[Any] = [self.settings, self.figures, *(form for s in self.sections for form in s.forms)]
        summary = []
        for form in forms:
            for name, errors in (form.errors if form is not None else {}).items():
                if name == "__all__" or name not in form.fields:
                    summary.append(("", "", " ".join(errors)))
                    continue
                bound = form[name]
                radios = isinstance(bound.field.widget, RadioSelect)  # the first button carries the group's id
                summary.append((f"{bound.auto_id}_0" if radios else bound.auto_id, str(bound.label), " ".join(errors)))
        return summary

    @property
    def in_force_title(self) -> str:
        return self.in_force.title_in(reader_language())


def engine_model_for(version: ScoringModelVersion, assessment: Assessment | None) -> ScoringModel:
    """The model bound to the assessment's questionnaire version when it scores that questionnaire; otherwise its
    own (the answers then carry over where a question has the same code)."""
    if assessment is not None and version.questionnaire.code == assessment.questionnaire.code:
        return version.parsed_for(assessment.questionnaire)
    return version.parsed


def answer_sections(model: ScoringModel, data: Mapping[str, Any]) -> list[AnswerSection]:
    """The scored criteria of the model's questionnaire, section by section, each in its own widget."""
    language = reader_language()
    codes = {criterion.code for criterion in model.scored_criteria}
    return [
        AnswerSection(
            section.code,
            section.title.get_text(language),
            [WhatIfAnswerForm(criterion, data) for criterion in section.criteria if criterion.code in codes],
        )
        for section in model.questionnaire.sections
        if any(criterion.code in codes for criterion in section.criteria)
    ]


def build(query: Mapping[str, Any], assessment: Assessment | None) -> WhatIf:
    """The page for `query`: bound to it once the form was sent (`whatif` in it), else prefilled."""
    in_force = model_version()
    versions = ScoringModelVersion.objects.latest_versions()
    requested = _known(query.get("model"), versions) or in_force.code
    data = query if "whatif" in query else prefill(assessment, requested)
    period = (assessment.period_start, assessment.period_end) if assessment else None
    settings = SettingsForm(data, versions=versions, in_force=in_force.code, language=reader_language(), period=period)
    settings_valid = settings.is_valid()
    chosen = _known(settings.cleaned_data.get("model"), versions)
    version = next((v for v in versions if v.code == chosen), in_force)
    model = engine_model_for(version, assessment)
    page = WhatIf(assessment, settings, in_force, version, model, answer_sections(model, data))
    if settings_valid:
        _add_figures(page, data)
    if settings_valid and not page.has_errors:
        page.comparison = _compare(page)
    _mark_current(page)
    return page


def _known(code: object, versions: Sequence[ScoringModelVersion]) -> str | None:
    return code if isinstance(code, str) and any(version.code == code for version in versions) else None


def _add_figures(page: WhatIf, data: Mapping[str, Any]) -> None:
    """The figures form: read-only with the figures measured over the period, or as typed (at first the
    assessment's measured figures, or nothing)."""
    source, weeks = page.settings.cleaned_data["figures"], page.model.hash_check_weeks
    if source == FiguresSource.PERIOD and page.assessment is not None:
        cleaned = page.settings.cleaned_data
        page.measured = period_figures(page.assessment, page.version, cleaned["period_start"], cleaned["period_end"])
        page.figures = FiguresForm(figures_as_fields(page.measured, weeks), hash_check_weeks=weeks, read_only=True)
    elif source == FiguresSource.MANUAL:
        if not any(name in data for name in FiguresForm.base_fields):
            data = _starting_figures(page, weeks)
        page.figures = FiguresForm(data, hash_check_weeks=weeks, read_only=False)


def _starting_figures(page: WhatIf, weeks: int | None) -> dict[str, Any]:
    if page.assessment is None:
        return {"notices": 0, "within_norm_pct": 0, "open_over_norm": 0}
    assessment = page.assessment
    return figures_as_fields(
        period_figures(assessment, page.version, assessment.period_start, assessment.period_end), weeks
    )


def _last_day(page: WhatIf) -> date:
    cleaned = page.settings.cleaned_data
    end: date | None = cleaned.get("period_end")
    if end is not None:
        return end
    return page.assessment.period_end if page.assessment else date.today()


def _whatif_metrics(page: WhatIf) -> dict[str, Any] | None:
    if page.measured is not None:
        return page.measured
    if page.figures is None:
        return None
    return page.figures.metrics(page.model.norm_hours, _last_day(page))


def _compare(page: WhatIf) -> Comparison | None:
    answers = {form.criterion.code: form.scored_answer() for section in page.sections for form in section.forms}
    metrics = _whatif_metrics(page)
    try:
        card = score(page.model, answers, Metrics.from_dict(metrics) if metrics else None)
    except ScoringInputError as exc:
        page.errors.append(str(exc))
        return None
    return compare(_current(page), Side(page.version, page.model, card, metrics))


def _current(page: WhatIf) -> Side | None:
    if page.assessment is None:
        return None
    basis = page.settings.cleaned_data.get("basis") or default_basis(page.assessment)
    try:
        evaluation = evaluate(page.assessment, page.in_force, basis)
    except ScoringInputError as exc:
        page.errors.append(_("The current card cannot be computed: %(reason)s") % {"reason": exc})
        return None
    return Side(evaluation.model_version, evaluation.model, evaluation.card, evaluation.metrics)


def _mark_current(page: WhatIf) -> None:
    """Each answer form learns the current card's answer, and each section how many answers differ from it."""
    current = page.comparison.current if page.comparison else None
    if current is None:
        return
    answers = {result.code: result for result in current.card.criteria}
    changed = {row.code for row in page.comparison.changed_criteria if row.answer_changed} if page.comparison else set()
    for section in page.sections:
        for form in section.forms:
            result = answers.get(form.criterion.code)
            if result is not None:
                form.current_value = "na" if result.status is Status.NA else str(result.answer or "")
        section.changed = sum(1 for form in section.forms if form.criterion.code in changed)
