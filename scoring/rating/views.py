"""Score-card pages: the hoster's live preview, the explained card, what-if scoring and the impact of a model change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments.catalogue import Questionnaire
from assessments.services import get_assessment_for
from portal.access import AuthenticatedHttpRequest, require_supervisor
from scoring.engine import (
    CriterionResult,
    GateResult,
    MeasuredKind,
    Metrics,
    ScoreCard,
    ScoringInputError,
    ScoringModel,
    Status,
    SuggestedChange,
    improvements,
    score,
)
from scoring.rating import scorecards
from scoring.rating.models import Rating, ScoringModelVersion

STATUS_LABELS = {
    Status.SCORED: gettext_lazy("scored"),
    Status.NA: gettext_lazy("not applicable"),
    Status.INCONCLUSIVE: gettext_lazy("inconclusive"),
    Status.UNANSWERED: gettext_lazy("unanswered (0 points)"),
}


# Explaining a card ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionLine:
    code: str
    title: str
    answer: str
    result: CriterionResult
    status_label: str


@dataclass(frozen=True)
class GateLine:
    code: str
    result: GateResult
    reason: str


def _language() -> str:
    return get_language() or "en"


def _measured_answer(kind: MeasuredKind, value: Any) -> str:
    if value is None:
        return _("no data")
    if kind is MeasuredKind.WITHIN_NORM:
        return _("%(pct).2f%% removed within the norm") % {"pct": 100 * value}
    if kind is MeasuredKind.SLOWEST_DECILE:
        return _("90th percentile %(hours).2f hours") % {"hours": value}
    return _("%(count)s open beyond the norm") % {"count": value}


def explain_criteria(model: ScoringModel, card: ScoreCard) -> list[CriterionLine]:
    """Per criterion a line in the user's language: what was answered or measured, points, weight, contribution."""
    language = _language()
    questionnaire: Questionnaire = model.questionnaire
    measured = {item.code: item for item in model.measured}
    lines = []
    for result in card.criteria:
        if result.code in measured:
            item = measured[result.code]
            title = item.title.get_text(language)
            answer = _measured_answer(item.kind, result.answer)
        else:
            criterion = questionnaire.criterion(result.code)
            title = criterion.text.get_text(language)
            if result.status is Status.NA:
                answer = _("not applicable")
            elif result.answer is None:
                answer = _("not answered")
            else:
                answer = criterion.option(str(result.answer)).label.get_text(language)
        lines.append(CriterionLine(result.code, title, answer, result, str(STATUS_LABELS[result.status])))
    return lines


def explain_gates(gates: tuple[GateResult, ...]) -> list[GateLine]:
    language = _language()
    return [GateLine(gate.code, gate, gate.reason.get_text(language)) for gate in gates]


def card_context(model: ScoringModel, card: ScoreCard) -> dict[str, Any]:
    return {
        "card": card,
        "model": model,
        "model_title": model.title.get_text(_language()),
        "criteria_lines": explain_criteria(model, card),
        "gate_lines": explain_gates(card.gates),
        "contribution_total": round(sum(item.contribution for item in card.criteria), 2),
        "card_json": json.dumps(card.to_dict(), ensure_ascii=False, indent=2),
    }


def _model_from_query(request: HttpRequest) -> ScoringModelVersion:
    try:
        return scorecards.model_version(request.GET.get("model") or None)
    except scorecards.UnknownScoringModel:
        raise Http404 from None


def _basis_from_query(request: HttpRequest) -> str:
    basis = request.GET.get("basis") or Rating.Basis.SELF_ASSESSED
    if basis not in Rating.Basis.values:
        raise Http404
    return basis


def _change_line(questionnaire: Questionnaire, change: SuggestedChange, language: str) -> dict[str, Any]:
    criterion = questionnaire.criterion(change.criterion)
    return {
        "change": change,
        "title": criterion.text.get_text(language),
        "to_label": criterion.option(change.to_value).label.get_text(language),
    }


# The hoster's pages -------------------------------------------------------------------------------------------


@require_GET
def scorecard_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live self-assessed preview (an htmx partial): grade, score, failing gates, the way to the next grade."""
    assessment = get_assessment_for(request.user, pk)
    evaluation = scorecards.evaluate(assessment, _model_from_query(request))
    metrics = Metrics.from_dict(evaluation.metrics) if evaluation.metrics else None
    ahead = improvements(evaluation.model, evaluation.answers, metrics, limit=5)
    language = _language()
    context = {
        "assessment": assessment,
        "evaluation": evaluation,
        "card": evaluation.card,
        "metrics": evaluation.metrics,
        "model_title": evaluation.model.title.get_text(language),
        "failed_gates": explain_gates(evaluation.card.failed_gates),
        "blocking_gates": explain_gates(ahead.blocking_gates),
        "improvements": ahead,
        "changes": [_change_line(evaluation.model.questionnaire, change, language) for change in ahead.changes],
    }
    return render(request, "scoring/scorecard/_preview.html", context)


@require_GET
def scorecard_review_panel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The review page's measured data and self-assessed card (an htmx partial): the review knows nothing of
    scoring, so it asks for this panel by URL."""
    assessment = get_assessment_for(request.user, pk)
    try:
        evaluation = scorecards.evaluate(assessment)
    except (scorecards.UnknownScoringModel, ScoringInputError) as exc:
        return render(request, "scoring/scorecard/_review_panel.html", {"scorecard_error": str(exc)})
    context = {"metrics": evaluation.metrics, **card_context(evaluation.model, evaluation.card)}
    return render(request, "scoring/scorecard/_review_panel.html", context)


@require_GET
def scorecard_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The full score card that explains itself, under the model in force or `?model=CODE`."""
    assessment = get_assessment_for(request.user, pk)
    basis = _basis_from_query(request)
    evaluation = scorecards.evaluate(assessment, _model_from_query(request), basis)
    context = card_context(evaluation.model, evaluation.card)
    context.update(
        assessment=assessment,
        evaluation=evaluation,
        basis=basis,
        basis_label=Rating.Basis(basis).label,
        bases=Rating.Basis.choices,
        model_versions=ScoringModelVersion.objects.latest_versions(),
        metrics=evaluation.metrics,
        answers_json=json.dumps(evaluation.answers_json, ensure_ascii=False),
        metrics_json=json.dumps(evaluation.metrics, ensure_ascii=False),
        ratings=assessment.ratings.select_related("model_version")[:10],
    )
    return render(request, "scoring/scorecard/detail.html", context)


# Supervisors and auditors -------------------------------------------------------------------------------------


def _require_reviewer(request: AuthenticatedHttpRequest) -> None:
    # Auditors score what-ifs too, so this is wider than require_supervisor; outsiders get the same 403.
    if not (request.user.is_supervisor or request.user.is_auditor):
        raise PermissionDenied


def _model_choices() -> list[tuple[str, str]]:
    language = _language()
    return [(version.code, version.title_in(language)) for version in ScoringModelVersion.objects.latest_versions()]


class WhatIfForm(forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("Scoring model"))
    answers = forms.CharField(
        label=gettext_lazy("Answers (JSON)"),
        help_text=gettext_lazy('An object {criterion code: option value}, e.g. {"CON-1": "yes", "KYC-2": "identity"}.'),
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"}),
    )
    metrics = forms.CharField(
        label=gettext_lazy("Measured data (JSON, optional)"),
        help_text=gettext_lazy(
            "One hoster row as the hoster_metrics command prints it; left empty, the measured criteria are"
            " inconclusive."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["model"]).choices = _model_choices()

    def _json(self, name: str) -> Any:
        raw = self.cleaned_data.get(name, "").strip()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: line %(line)s, column %(column)s: %(message)s")
                % {"line": exc.lineno, "column": exc.colno, "message": exc.msg}
            ) from exc

    def clean_answers(self) -> Any:
        try:
            return scorecards.parse_answers_json(self._json("answers"))
        except ScoringInputError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_metrics(self) -> Any:
        data = self._json("metrics")
        try:
            return scorecards.parse_metrics_json(data) if data is not None else None
        except ScoringInputError as exc:
            raise forms.ValidationError(str(exc)) from exc


@require_http_methods(["GET", "POST"])
def scorecard_whatif(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Score pasted answers and metrics, or an assessment's own, with any published model (as `score` does)."""
    _require_reviewer(request)
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = WhatIfForm(request.POST)
        if form.is_valid():
            version = scorecards.model_version(form.cleaned_data["model"])
            try:
                card = score(version.parsed, form.cleaned_data["answers"], form.cleaned_data["metrics"])
            except ScoringInputError as exc:
                form.add_error(None, str(exc))
            else:
                context.update(card_context(version.parsed, card))
    else:
        initial: dict[str, Any] = {"model": request.GET.get("model") or scorecards.model_version().code}
        if request.GET.get("assessment"):
            initial.update(_prefill(request, initial["model"]))
        form = WhatIfForm(initial=initial)
    context["form"] = form
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "scoring/scorecard/whatif.html", context, status=status)


def _prefill(request: AuthenticatedHttpRequest, code: str) -> dict[str, Any]:
    try:
        pk = int(request.GET["assessment"])
    except ValueError:
        raise Http404 from None
    assessment = get_assessment_for(request.user, pk)
    try:
        version = scorecards.model_version(code)
    except scorecards.UnknownScoringModel:
        raise Http404 from None
    answers = scorecards.answers_for(assessment)
    metrics = scorecards.metrics_for(assessment, version)
    return {
        "answers": json.dumps(scorecards.answers_as_json(answers), ensure_ascii=False, indent=1),
        "metrics": json.dumps(metrics, ensure_ascii=False, indent=1),
    }


@require_GET
def scorecard_impact(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every current assessment under model A and model B (supervisors only)."""
    require_supervisor(request.user)
    versions = ScoringModelVersion.objects.latest_versions()
    codes = [version.code for version in versions]
    in_force = scorecards.model_version().code
    code_a = request.GET.get("a") or in_force
    code_b = request.GET.get("b") or next((code for code in codes if code != code_a), code_a)
    if code_a not in codes or code_b not in codes:
        raise Http404
    impact = scorecards.compare_models(scorecards.model_version(code_a), scorecards.model_version(code_b))
    return render(
        request,
        "scoring/scorecard/impact.html",
        {
            "impact": impact,
            "summary": impact.summary(),
            "versions": versions,
            "code_a": code_a,
            "code_b": code_b,
            "rows": sorted(impact.rows, key=lambda row: (row.direction == "same", row.hoster)),
        },
    )
