"""The score API: an assessment's score card as the engine computes it, for a hoster key or a member's session."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import Assessment
from assessments.services import get_assessment_for
from portal.api import AUTH_RESPONSES, ErrorSerializer
from portal.models import ApiKey, User
from scoring.engine import ScoringInputError
from scoring.measurement.methodology import methodology_of
from scoring.rating import scorecards
from scoring.rating.models import Rating


class GateSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    cap = serializers.CharField(help_text="The highest grade possible while this gate fails.")
    reason = serializers.CharField(help_text="Why it passed or failed, in English.")
    reason_nl = serializers.CharField(help_text="The same in Dutch.")
    inconclusive = serializers.BooleanField(help_text="A measured gate without enough notices passes as inconclusive.")


class CriterionScoreSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(help_text="A questionnaire criterion or a measured criterion MEA-1..3.")
    answer = serializers.JSONField(help_text="The option value, or the measured value; null when none.")
    points = serializers.FloatField(allow_null=True, help_text="0-10; null when N/A or inconclusive.")
    weight = serializers.FloatField()
    contribution = serializers.FloatField(help_text="Points of the total; the contributions add up to `score`.")
    status = serializers.CharField(help_text="`scored`, `na`, `inconclusive` (both left out) or `unanswered`.")


class ScoreCardSerializer(serializers.Serializer[dict[str, Any]]):
    assessment = serializers.IntegerField()
    hoster = serializers.SlugField()
    basis = serializers.ChoiceField(choices=Rating.Basis.values)
    model_version = serializers.IntegerField(help_text="Version of the scoring model named in `model`.")
    metrics = serializers.JSONField(help_text="The measured data used (DESIGN 4.2 keys plus norm_hours, from, to).")
    methodology = serializers.JSONField(
        help_text="The methodology of the measured data: `version`, `norm_hours` and `cutoff` (DESIGN 4.2)."
    )
    model = serializers.CharField(help_text="Scoring-model code.")
    score = serializers.FloatField(help_text="0-100.")
    grade = serializers.CharField(help_text="The final grade: the lower of the grade by score and every failed cap.")
    grade_by_score = serializers.CharField()
    certifiable_by_score = serializers.BooleanField(help_text="Grade A or B.")
    gates = GateSerializer(many=True)
    criteria = CriterionScoreSerializer(many=True)


def _assessment_for(request: Request, pk: int) -> Assessment:
    """The web pages' access helper, narrowed to the key's hoster when a hoster key is used."""
    try:
        # IsAuthenticated (the API's default permission) lets only users through.
        assessment = get_assessment_for(cast(User, request.user), pk)
    except Http404:
        raise NotFound from None
    key = request.auth
    if isinstance(key, ApiKey) and key.scope == ApiKey.Scope.HOSTER and key.hoster_id != assessment.hoster_id:
        raise NotFound
    return assessment


class AssessmentScoreView(APIView):
    """The score card of a self-assessment."""

    @extend_schema(
        operation_id="assessment_score_read",
        summary="Score card of a self-assessment",
        description=(
            "The engine's score card of the assessment's current answers and the measured data of its period. "
            "It equals what `manage.py score --answers … --metrics … --model … --json` prints for the same input; "
            "nothing is stored. A hoster key works only for its own hoster's assessments (404 otherwise)."
        ),
        parameters=[
            OpenApiParameter("model", OpenApiTypes.STR, description="Scoring-model code; default: the model in force."),
            OpenApiParameter(
                "basis",
                OpenApiTypes.STR,
                enum=Rating.Basis.values,
                description="`self_assessed` (every current answer, default) or `verified` (only accepted answers).",
            ),
        ],
        responses={
            200: ScoreCardSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Unknown model or basis."),
            404: OpenApiResponse(ErrorSerializer, description="No such assessment, or not yours."),
            **AUTH_RESPONSES,
        },
        tags=["assessments"],
    )
    def get(self, request: Request, pk: int) -> Response:
        assessment = _assessment_for(request, pk)
        basis = request.query_params.get("basis", Rating.Basis.SELF_ASSESSED)
        if basis not in Rating.Basis.values:
            return Response(
                {"detail": f"Unknown basis {basis!r}; use {' or '.join(Rating.Basis.values)}."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        model = request.query_params.get("model") or None
        if model and "\x00" in model:
            return Response({"detail": "Unknown model: it contains a NUL character."}, status=400)
        try:
            version = scorecards.model_version(model)
            evaluation = scorecards.evaluate(assessment, version, basis)
        except (scorecards.UnknownScoringModel, ScoringInputError) as exc:
            return Response({"detail": str(exc.args[0])}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "assessment": assessment.pk,
                "hoster": assessment.hoster.slug,
                "basis": basis,
                "model_version": version.version,
                "metrics": evaluation.metrics,
                "methodology": methodology_of(evaluation.metrics, evaluation.model.norm_hours).as_dict(),
                **evaluation.card.to_dict(),
            }
        )
