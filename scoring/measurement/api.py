"""`POST /api/v1/notices/`: bulk notice import for supervisors, with the same validation as the CSV import."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import AUTH_RESPONSES, IsSupervisor, StrictJSONParser
from portal.models import User
from scoring.measurement.imports import ImportBusy, import_notices
from scoring.measurement.models import ImportBatch
from scoring.measurement.rows import validate_source

MAX_NOTICES = 10000
TRUE, FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


class NoticeRowSerializer(serializers.Serializer[Any]):
    """One notice, the same columns as the CSV file (documentation only: the importer validates)."""

    notice_id = serializers.CharField(help_text="Unique per source; a JSON string.")
    reported_at = serializers.CharField(help_text="ISO 8601 with offset, e.g. 2024-03-01T10:00:00+01:00.")
    removed_at = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="Empty while open.")
    ip = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="IPv4 or IPv6.")
    asn = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="1234 or AS1234 (also a JSON number)."
    )
    hoster = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="A hoster's slug.")
    url = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="Kept only as SHA-256 and host name."
    )


ImportResultSerializer = inline_serializer(
    "NoticeImportResult",
    {
        "batch": serializers.IntegerField(allow_null=True),
        "dry_run": serializers.BooleanField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "unattributed": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
    },
)
ImportErrorSerializer = inline_serializer(
    "NoticeImportErrors",
    {
        "rejected": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.CharField(), help_text="`item N: column: message`"),
    },
)


class NoticeImportView(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        operation_id="notices_import",
        summary="Import notices in bulk",
        description=(
            "A JSON list of notices with the columns of the CSV import. The same rules apply: one bad item "
            "rejects the whole request (nothing is stored) and every bad item is reported as "
            "`item N: column: message` (items count from 1). Re-sending a notice updates it; unchanged "
            f"notices are left alone. At most {MAX_NOTICES} items per request."
        ),
        parameters=[
            OpenApiParameter(
                "source",
                OpenApiTypes.STR,
                description="Reporter label (default `meldpunt`): at most 50 letters, digits, `-` and `_`.",
            ),
            OpenApiParameter("timezone", OpenApiTypes.STR, description="Zone for timestamps without offset."),
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Validate and count, store nothing."),
        ],
        request=NoticeRowSerializer(many=True),
        responses={
            201: ImportResultSerializer,
            200: OpenApiResponse(ImportResultSerializer, description="Dry run."),
            400: ImportErrorSerializer,
            409: OpenApiResponse(ImportErrorSerializer, description="Another import of the source is running."),
            **AUTH_RESPONSES,
        },
        tags=["notices"],
    )
    def post(self, request: Request) -> Response:
        try:
            records = request.data
        except ParseError as exc:
            return Response({"rejected": 0, "errors": [f"The body is not acceptable JSON: {exc.detail}"]}, status=400)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return Response({"rejected": 0, "errors": [f"The body may be at most {limit} bytes."]}, status=400)
        if not isinstance(records, list):
            return Response({"rejected": 0, "errors": ["The body must be a JSON list of notices."]}, status=400)
        if len(records) > MAX_NOTICES:
            return Response(
                {"rejected": 0, "errors": [f"At most {MAX_NOTICES} notices per request; split the list."]}, status=400
            )
        if any("\x00" in value for value in request.query_params.values()):
            return Response({"rejected": 0, "errors": ["Parameters may not contain NUL characters."]}, status=400)
        tz = None
        if request.query_params.get("timezone"):
            try:
                tz = ZoneInfo(request.query_params["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                return Response({"rejected": 0, "errors": ["Unknown time zone."]}, status=400)
        source = request.query_params.get("source") or "meldpunt"
        try:
            validate_source(source)
        except ValidationError as exc:
            return Response({"rejected": 0, "errors": exc.messages}, status=400)
        dry_run_text = request.query_params.get("dry_run", "false").lower()
        if dry_run_text not in TRUE | FALSE:
            return Response({"rejected": 0, "errors": ["dry_run must be true or false."]}, status=400)
        dry_run = dry_run_text in TRUE
        user = request.user
        assert isinstance(user, User)  # IsSupervisor lets only a signed-in supervisor this far
        try:
            result = import_notices(
                records=records, source=source, tz=tz, user=user, dry_run=dry_run, channel=ImportBatch.Channel.API
            )
        except ImportBusy as refusal:
            return Response({"rejected": 0, "errors": [str(refusal)]}, status=status.HTTP_409_CONFLICT)
        if not result.ok:
            return Response(
                {"rejected": result.rejected, "errors": [str(error) for error in result.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "batch": result.batch.pk if result.batch else None,
                "dry_run": result.dry_run,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "unattributed": result.unattributed,
                "rejected": 0,
            },
            status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED,
        )
