"""Serializers of the answers API; they describe the payloads for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class EvidenceSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["file", "url"])
    name = serializers.CharField(required=False, help_text="Original file name (files).")
    type = serializers.CharField(
        required=False, help_text="Detected document type: pdf, odt, ods, docx, xlsx, csv, txt."
    )
    size = serializers.IntegerField(required=False)
    sha256 = serializers.CharField(required=False)
    url = serializers.URLField(required=False)


class AnswerSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(
        allow_blank=True,
        help_text="An option value for a choice (e.g. `yes`), a number, a percentage, text, a URL or a date "
        "(YYYY-MM-DD); empty when unanswered or N/A.",
    )
    na = serializers.BooleanField(help_text="Not applicable; only where the criterion allows it.")
    justification = serializers.CharField(allow_blank=True, help_text="Required when `na` is true.")
    comment = serializers.CharField(allow_blank=True)
    evidence = EvidenceSerializer(many=True, read_only=True)


class QuestionnaireRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    version = serializers.IntegerField()


class AnswersSerializer(serializers.Serializer[Any]):
    assessment = serializers.IntegerField()
    hoster = serializers.SlugField()
    status = serializers.CharField()
    questionnaire = QuestionnaireRefSerializer()
    answers = serializers.DictField(child=AnswerSerializer(), help_text="Every criterion of the version, by code.")


# What `assessments.api.parse_answers` accepts for one answer: the value alone (text or a number; null clears it) or
# an object with the value and the other fields; nothing else.
_VALUE_SCHEMA = {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True}
ANSWER_INPUT_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "value": _VALUE_SCHEMA,
                "na": {"type": "boolean", "default": False},
                "justification": {"type": "string"},
                "comment": {"type": "string"},
            },
            "additionalProperties": False,
        },
        {"type": "string"},
        {"type": "number"},
    ],
    "nullable": True,
}


@extend_schema_field(ANSWER_INPUT_SCHEMA)
class AnswerInputField(serializers.JSONField):
    """One answer to declare: `"identity"`, `3` or `{"value": …, "na": …, "justification": …, "comment": …}`."""


class AnswersUpdateSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=AnswerInputField(),
        help_text='By criterion code: an object, or simply the value (`{"KYC-2": "identity"}`). Criteria not '
        "listed stay as they are; an empty value clears an answer. All answers are stored, or none.",
    )


class AnswersErrorSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by criterion code.",
    )
    detail = serializers.CharField(required=False)
