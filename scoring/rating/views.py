"""Score-card pages: the hoster's live preview, the explained card, what-if scoring and the impact of a model change."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.models import Assessment
from assessments.services import get_assessment_for
from portal.access import AuthenticatedHttpRequest, require_supervisor
from scoring.engine import Metrics, ScoringInputError, ScoringModel, SuggestedChange, improvements
from scoring.measurement.methodology import current, differences
from scoring.rating import scorecards, whatif
from scoring.rating.models import Rating, ScoringModelVersion
from scoring.rating.scorecards import card_context, explain_gates, gate_titles, measured_period, reader_language
from scoring.rating.whatif_forms import AssessmentSearchForm


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


def _change_line(model: ScoringModel, change: SuggestedChange, language: str) -> dict[str, Any]:
    criterion = model.questionnaire.criterion(change.criterion)
    return {
        "change": change,
        "title": criterion.text.get_text(language),
        "to_label": criterion.option(change.to_value).label.get_text(language),
        "lifts_gates": gate_titles(model, change.lifts_gates),
    }


# The hoster's pages -------------------------------------------------------------------------------------------


@require_GET
def scorecard_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live self-assessed preview (an htmx partial): grade, score, failing gates, the way to the next grade."""
    assessment = get_assessment_for(request.user, pk)
    evaluation = scorecards.evaluate(assessment, _model_from_query(request))
    metrics = Metrics.from_dict(evaluation.metrics) if evaluation.metrics else None
    ahead = improvements(evaluation.model, evaluation.answers, metrics, limit=5)
    language = reader_language()
    context = {
        "assessment": assessment,
        "evaluation": evaluation,
        "card": evaluation.card,
        "metrics": evaluation.metrics,
        "metrics_period": measured_period(evaluation.metrics),
        "model_title": evaluation.model.title.get_text(language),
        "failed_gates": explain_gates(evaluation.model, evaluation.card.failed_gates),
        "blocking_gates": explain_gates(evaluation.model, ahead.blocking_gates),
        "improvements": ahead,
        "changes": [_change_line(evaluation.model, change, language) for change in ahead.changes],
    }
    return render(request, "scoring/scorecard/_preview.html", context)


@require_GET
def scorecard_review_panel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The review page's measured data and self-assessed card (an htmx partial): the review knows nothing of
    scoring, so it asks for this panel by URL."""
    assessment = get_assessment_for(request.user, pk)
    try:
        evaluation = scorecards.evaluate(assessment)
    except (scorecards.UnknownScoringModel, ScoringInputError):
        error = _("The score card cannot be computed for this assessment with the scoring model in force.")
        return render(request, "scoring/scorecard/_review_panel.html", {"scorecard_error": error})
    context = {
        "metrics": evaluation.metrics,
        "metrics_period": measured_period(evaluation.metrics),
        **card_context(evaluation.model, evaluation.card),
    }
    return render(request, "scoring/scorecard/_review_panel.html", context)


@require_GET
def scorecard_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The full score card that explains itself, under the model in force or `?model=CODE`."""
    assessment = get_assessment_for(request.user, pk)
    basis = _basis_from_query(request)
    evaluation = scorecards.evaluate(assessment, _model_from_query(request), basis)
    language = reader_language()
    period = measured_period(evaluation.metrics)
    shown = period.methodology if period and period.methodology else current(evaluation.model.norm_hours)
    context = card_context(evaluation.model, evaluation.card)
    context.update(
        assessment=assessment,
        evaluation=evaluation,
        basis=basis,
        basis_label=Rating.Basis(basis).label,
        bases=Rating.Basis.choices,
        model_choices=[(v.code, v.title_in(language)) for v in ScoringModelVersion.objects.latest_versions()],
        metrics=evaluation.metrics,
        metrics_period=period,
        ratings=[
            (rating, rating.model_version.title_in(language), differences(rating.methodology_used, shown))
            for rating in assessment.ratings.select_related("model_version__questionnaire")[:10]
        ],
    )
    return render(request, "scoring/scorecard/detail.html", context)


# Supervisors ------------------------------------------------------------------------------------------------------


def _whatif_assessment(request: AuthenticatedHttpRequest) -> Assessment | None:
    raw = request.GET.get("assessment", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise Http404
    return get_assessment_for(request.user, int(raw))


@require_GET
def scorecard_whatif(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What-if scoring (supervisors only): an assessment's answers and figures, or a blank form, changed in the
    questionnaire's widgets and scored under any published model beside the current card. Never writes."""
    require_supervisor(request.user)
    assessment = _whatif_assessment(request)
    page = whatif.build(request.GET, assessment)
    search = AssessmentSearchForm(request.GET)
    query = search.query()
    context = {
        "page": page,
        "assessment": assessment,
        "comparison": page.comparison,
        "search": search,
        "picks": whatif.find_assessments(request.user, query),
        "query": query,
    }
    status = 400 if page.has_errors and not request.htmx else 200
    return render(request, "scoring/scorecard/whatif.html", context, status=status)


@require_GET
def scorecard_whatif_picks(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The assessments matching a search, for the what-if page's picker (an htmx partial)."""
    require_supervisor(request.user)
    query = AssessmentSearchForm(request.GET).query()
    context = {"picks": whatif.find_assessments(request.user, query), "query": query}
    return render(request, "scoring/scorecard/_whatif_picks.html", context)


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
    language = reader_language()
    titles = {version.code: version.title_in(language) for version in versions}
    return render(
        request,
        "scoring/scorecard/impact.html",
        {
            "impact": impact,
            "summary": impact.summary(),
            "losing": [row.hoster_name for row in impact.losing_certifiability],
            "gaining": [row.hoster_name for row in impact.gaining_certifiability],
            "model_choices": list(titles.items()),
            "title_a": titles[code_a],
            "title_b": titles[code_b],
            "code_a": code_a,
            "code_b": code_b,
            "rows": sorted(impact.rows, key=lambda row: (row.direction == "same", row.hoster)),
        },
    )
