"""`POST /api/v1/notices/`: bulk notice import for supervisors (a JSON list, or a SCARt export as the body), with the
same validation as the file import."""

from __future__ import annotations

import io
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
from scoring.measurement.scart import FileFormat

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
            f"notices are left alone. At most {MAX_NOTICES} items per request.\n\n"
            "With `file_format=scart-ntd` or `file_format=scart-closed` the body is instead one of SCARt's exports "
            "exactly as SCARt writes it (`Content-Type: text/csv`), checked and merged as the command and the "
            "upload do: errors as `line N: column: message`; `reminders` counts the repeat NTDs newly counted, "
            "`unmatched` the closed lines whose URL has no notice (the first of them in `warnings`)."
        ),
        parameters=[
            OpenApiParameter(
                "source",
                OpenApiTypes.STR,
                description="Reporter label (default `meldpunt`): at most 50 letters, digits, `-` and `_`.",
            ),
            OpenApiParameter("timezone", OpenApiTypes.STR, description="Zone for timestamps without offset."),
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Validate and count, store nothing."),
            OpenApiParameter(
                "file_format",
                OpenApiTypes.STR,
                enum=[choice.value for choice in FileFormat],
                description="`csv` (default: the JSON list above), `scart-ntd` or `scart-closed` (a SCARt export).",
            ),
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
        options = _options(request)
        if isinstance(options, Response):
            return options
        file_format = options.pop("file_format")
        if file_format != FileFormat.PORTAL:
            return _import_export(request, file_format, options)
        try:
            records = request.data
        except ParseError as exc:
            return _refused(f"The body is not acceptable JSON: {exc.detail}")
        except RequestDataTooBig:
            return _refused(f"The body may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        if not isinstance(records, list):
            return _refused("The body must be a JSON list of notices.")
        if len(records) > MAX_NOTICES:
            return _refused(f"At most {MAX_NOTICES} notices per request; split the list.")
        return _imported(request, options, records=records)


def _refused(message: str) -> Response:
    return Response({"rejected": 0, "errors": [message]}, status=status.HTTP_400_BAD_REQUEST)


def _options(request: Request) -> dict[str, Any] | Response:
    """The import's options from the query string, or the response refusing them."""
    params = request.query_params
    if any("\x00" in value for value in params.values()):
        return _refused("Parameters may not contain NUL characters.")
    tz = None
    if params.get("timezone"):
        try:
            tz = ZoneInfo(params["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            return _refused("Unknown time zone.")
    source = params.get("source") or "meldpunt"
    try:
        validate_source(source)
    except ValidationError as exc:
        return Response({"rejected": 0, "errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    dry_run_text = params.get("dry_run", "false").lower()
    if dry_run_text not in TRUE | FALSE:
        return _refused("dry_run must be true or false.")
    file_format = params.get("file_format", FileFormat.PORTAL.value)
    if file_format not in FileFormat.values:
        return _refused(f"file_format must be one of {', '.join(FileFormat.values)}.")
    return {"source": source, "tz": tz, "dry_run": dry_run_text in TRUE, "file_format": file_format}


def _import_export(request: Request, file_format: str, options: dict[str, Any]) -> Response:
    """A SCARt export sent as the body, imported as the command and the upload import it."""
    try:
        body = request._request.body
    except RequestDataTooBig:
        return _refused(f"The body may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    return _imported(request, options, stream=io.BytesIO(body), file_format=file_format)


def _imported(request: Request, options: dict[str, Any], **what: Any) -> Response:
    """The import's outcome as the response: its counts (201, or 200 for a dry run), or its errors."""
    user = request.user
    assert isinstance(user, User)  # IsSupervisor lets only a signed-in supervisor this far
    try:
        result = import_notices(user=user, channel=ImportBatch.Channel.API, **options, **what)
    except ImportBusy as refusal:
        return Response({"rejected": 0, "errors": [str(refusal)]}, status=status.HTTP_409_CONFLICT)
    if not result.ok:
        return Response(
            {"rejected": result.rejected, "errors": [str(error) for error in result.errors]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    body: dict[str, Any] = {
        "batch": result.batch.pk if result.batch else None,
        "dry_run": result.dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "unattributed": result.unattributed,
        "rejected": 0,
    }
    if result.file_format != FileFormat.PORTAL:
        body |= {"reminders": result.reminders, "unmatched": result.unmatched}
        body["warnings"] = [str(warning) for warning in result.warnings]
    return Response(body, status=status.HTTP_200_OK if result.dry_run else status.HTTP_201_CREATED)
