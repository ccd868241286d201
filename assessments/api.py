"""The answers API: read and declare a self-assessment's answers with a hoster key or a member's session."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.access import get_assessment_for
from assessments.answers import AnswerInput, AnswersInvalid, AssessmentLocked, save_answers, validate_answers
from assessments.models import Answer, Assessment
from assessments.serializers import AnswersErrorSerializer, AnswersSerializer, AnswersUpdateSerializer
from portal.api import AUTH_RESPONSES, NOT_FOUND_RESPONSE, StrictJSONParser, user_of
from portal.models import ApiKey

_FIELDS = ("value", "na", "justification", "comment")


def _assessment_for(request: Request, pk: int, *, write: bool) -> Assessment:
    """The access helper of the web pages, narrowed to the key's hoster when a hoster key is used."""
    try:
        assessment = get_assessment_for(request.user, pk, write=write)
    except Http404:
        raise NotFound from None
    key = request.auth
    if isinstance(key, ApiKey):
        if key.scope == ApiKey.Scope.HOSTER and key.hoster_id != assessment.hoster_id:
            raise NotFound
        if key.scope == ApiKey.Scope.SUPERVISOR and write:
            raise PermissionDenied("A supervisor key may read answers, not change them.")
    return assessment


def answers_payload(assessment: Assessment) -> dict[str, Any]:
    answers = {answer.criterion_code: answer for answer in assessment.answers.prefetch_related("evidence")}
    payload: dict[str, Any] = {}
    for criterion in assessment.questionnaire.parsed.criteria:
        answer = answers.get(criterion.code) or Answer(criterion_code=criterion.code)
        payload[criterion.code] = {
            "value": answer.value,
            "na": answer.na,
            "justification": answer.justification,
            "comment": answer.comment,
            "evidence": [item.as_snapshot() for item in answer.evidence.all()] if answer.pk else [],
        }
    return {
        "assessment": assessment.pk,
        "hoster": assessment.hoster.slug,
        "status": assessment.status,
        "questionnaire": {"code": assessment.questionnaire.code, "version": assessment.questionnaire.version},
        "answers": payload,
    }


def parse_answers(body: Any) -> tuple[dict[str, AnswerInput], dict[str, list[str]]]:
    """`{"answers": {code: value | {value, na, justification, comment}}}` or plain `{code: value}`."""
    if not isinstance(body, dict):
        raise ValidationError({"detail": "The body must be a JSON object."})
    entries = body["answers"] if isinstance(body.get("answers"), dict) else body
    parsed: dict[str, AnswerInput] = {}
    errors: dict[str, list[str]] = {}
    for code, entry in entries.items():
        if not isinstance(entry, dict):
            entry = {"value": entry}
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            errors[code] = [f"Unknown field(s): {', '.join(unknown)}; expected {', '.join(_FIELDS)}."]
            continue
        value = entry.get("value")
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[code] = [f'value must be text or a number, e.g. "yes"; got {type(value).__name__} {value!r}.']
            continue
        problems = [
            f"{name} must be {'true or false' if name == 'na' else 'text'}."
            for name, kind in (("na", bool), ("justification", str), ("comment", str))
            if name in entry and not isinstance(entry[name], kind)
        ]
        if problems:
            errors[code] = problems
            continue
        parsed[code] = AnswerInput(
            value=str(value),
            na=entry.get("na", False),
            justification=entry.get("justification", ""),
            comment=entry.get("comment", ""),
        )
    return parsed, errors


class AnswersView(APIView):
    """A self-assessment's answers, criterion by criterion."""

    parser_classes = [StrictJSONParser]

    @extend_schema(
        operation_id="assessment_answers_read",
        summary="Read the answers of a self-assessment",
        responses={200: AnswersSerializer, 404: NOT_FOUND_RESPONSE, **AUTH_RESPONSES},
        tags=["assessments"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(answers_payload(_assessment_for(request, pk, write=False)))

    @extend_schema(
        operation_id="assessment_answers_update",
        summary="Declare answers of a self-assessment",
        description=(
            "Stores the listed answers with the same validation as the web form; all of them, or none when any "
            "is invalid (400 with messages per criterion code). Allowed while the assessment is a draft or "
            "changes were requested (409 otherwise). A hoster key works only for its own hoster's assessments."
        ),
        request=AnswersUpdateSerializer,
        responses={
            200: AnswersSerializer,
            400: AnswersErrorSerializer,
            404: AnswersErrorSerializer,
            409: AnswersErrorSerializer,
            **AUTH_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "Answers",
                value={"answers": {"KYC-2": "identity", "HCS-2": {"na": True, "justification": "No upload services."}}},
                request_only=True,
            )
        ],
        tags=["assessments"],
    )
    def put(self, request: Request, pk: int) -> Response:
        assessment = _assessment_for(request, pk, write=True)
        answers, errors = parse_answers(request.data)
        if not assessment.is_editable:
            return Response(
                {"detail": f"The assessment is {assessment.get_status_display().lower()}; answers cannot change."},
                status=status.HTTP_409_CONFLICT,
            )
        if not answers and not errors:
            return Response({"answers": {}, "detail": "No answers given."}, status=status.HTTP_400_BAD_REQUEST)
        _cleaned, invalid = validate_answers(assessment, answers)
        errors.update(invalid)
        if errors:
            return Response({"answers": dict(sorted(errors.items()))}, status=status.HTTP_400_BAD_REQUEST)
        via = f"api:{request.auth.prefix}" if isinstance(request.auth, ApiKey) else "api:session"
        try:
            save_answers(user_of(request), assessment, answers, via=via)
        except AnswersInvalid as invalid_answers:
            return Response({"answers": invalid_answers.errors}, status=status.HTTP_400_BAD_REQUEST)
        except AssessmentLocked as locked:
            return Response({"detail": str(locked)}, status=status.HTTP_409_CONFLICT)
        assessment.refresh_from_db()
        return Response(answers_payload(assessment))
