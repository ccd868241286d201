"""The public API (no authentication, throttled, paginated): the registry, a hoster's profile and a certificate."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from portal.api import NOT_FOUND_RESPONSE, ErrorSerializer
from portal.models import Hoster
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus
from scoring.certification.services import registry_generation
from scoring.publication.views import REGISTRY_CACHE_SECONDS, monitored_rows, registry_queryset

STATUS_CHOICES = CertificateStatus.choices
GRADES = ["A", "B"]
SORT_ORDERS = ["name", "score", "grade", "issued"]


class CertificateSummarySerializer(serializers.Serializer[Certificate]):
    serial = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField()


class RegistryEntrySerializer(serializers.Serializer[Certificate]):
    """One certified hoster of the registry."""

    slug = serializers.CharField(source="hoster.slug")
    name = serializers.CharField(source="hoster.name")
    grade = serializers.CharField()
    score = serializers.FloatField()
    certificate = CertificateSummarySerializer(source="*")


class SectionScoreSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    title = serializers.DictField(child=serializers.CharField(), help_text="The section's title by language (nl, en).")
    score = serializers.FloatField(allow_null=True, help_text="0-100, or null when nothing in it counted.")


class PublicEventSerializer(serializers.Serializer[CertificateEvent]):
    kind = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in CertificateEvent.PUBLIC_KINDS])
    at = serializers.DateTimeField()
    reason = serializers.CharField(source="public_reason", help_text="The public reason, empty when none was needed.")


class HosterRefSerializer(serializers.Serializer[Hoster]):
    slug = serializers.CharField()
    name = serializers.CharField()


class CertificateDetailSerializer(serializers.Serializer[Certificate]):
    """A certificate as its verification page shows it."""

    serial = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    hoster = HosterRefSerializer()
    grade = serializers.CharField()
    score = serializers.FloatField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    scoring_model = serializers.CharField(source="scoring_model_label")
    questionnaire = serializers.CharField(source="questionnaire_label")
    sections = SectionScoreSerializer(source="section_scores", many=True)
    pdf_url = serializers.SerializerMethodField()
    pdf_sha256 = serializers.CharField()
    verify_url = serializers.CharField()
    events = PublicEventSerializer(source="events.all", many=True)

    def get_pdf_url(self, certificate: Certificate) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(certificate.pdf_url) if request else certificate.pdf_url


class CertificateHistorySerializer(CertificateSummarySerializer):
    grade = serializers.CharField()
    score = serializers.FloatField()
    events = PublicEventSerializer(source="events.all", many=True)


class MonitorRowSerializer(serializers.Serializer[dict[str, Any]]):
    period = serializers.CharField(source="period.code")
    title = serializers.CharField(source="period.title")
    date_from = serializers.DateField(source="period.date_from")
    date_to = serializers.DateField(source="period.date_to")
    rank = serializers.IntegerField()
    notices = serializers.IntegerField()
    share_pct = serializers.FloatField(allow_null=True)
    within_norm_pct = serializers.FloatField(allow_null=True)
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    open_over_norm = serializers.IntegerField()
    pending = serializers.IntegerField(
        allow_null=True,
        help_text="Notices not yet due at the cut-off (null: a period frozen before they were counted).",
    )
    due = serializers.IntegerField(allow_null=True, help_text="The notices the rates are over (null: as for pending).")
    norm_hours = serializers.FloatField(source="period.norm_hours")
    methodology = serializers.CharField(source="period.methodology_used.version")


class HosterProfileSerializer(serializers.Serializer[dict[str, Any]]):
    """A hoster's public profile: its current certificate, certificate history and published monitor figures."""

    slug = serializers.CharField()
    name = serializers.CharField()
    website = serializers.CharField(allow_blank=True)
    certified = serializers.BooleanField(help_text="Whether a certificate of the hoster is valid today.")
    grade = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    certificate = CertificateSummarySerializer(allow_null=True)
    sections = SectionScoreSerializer(many=True)
    certificates = CertificateHistorySerializer(many=True)
    monitor = MonitorRowSerializer(many=True)


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's pagination, but `page` must be a page number as the schema says (not empty, not `last`)."""

    def get_page_number(self, request: Request, paginator: Any) -> str:
        page_number = request.query_params.get(self.page_query_param, "1")
        if not page_number.isascii() or not page_number.isdigit():
            raise NotFound(self.invalid_page_message.format(page_number=page_number[:20], message=""))
        return page_number


class PublicAPIView(generics.GenericAPIView[Any]):
    """Anyone may read; no credentials are looked at, and the anonymous rate limit applies."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]


def _public_events_prefetch() -> Prefetch[Any, Any, Any]:
    """The public events of each certificate, which `events.all` then gives its serializers."""
    return Prefetch(
        "events", queryset=CertificateEvent.objects.public().only("certificate_id", "kind", "at", "reason", "reason_nl")
    )


@extend_schema(
    summary="Certified hosters",
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Part of the hoster's name."),
        OpenApiParameter("grade", OpenApiTypes.STR, pattern="^[ABab]$", description="`A` or `B` (either case)."),
        OpenApiParameter("sort", OpenApiTypes.STR, enum=SORT_ORDERS),
    ],
    responses={
        200: RegistryEntrySerializer,
        400: OpenApiResponse(ErrorSerializer, description="A grade or sort order not listed, or a NUL character in q."),
        404: OpenApiResponse(ErrorSerializer, description="A page number past the last page."),
    },
)
class RegistryList(PublicAPIView, generics.ListAPIView[Certificate]):
    """Every hoster with a valid certificate today."""

    serializer_class = RegistryEntrySerializer
    pagination_class = StrictPageNumberPagination

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        for name, allowed in (("grade", GRADES), ("sort", SORT_ORDERS)):
            if name in params and (params[name].upper() if name == "grade" else params[name]) not in allowed:
                return Response(
                    {"detail": f"Unknown {name} {params[name][:50]!r}; use one of {', '.join(allowed)}."},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        if "\x00" in params.get("q", ""):
            return Response({"detail": "q may not contain NUL characters."}, status=status.HTTP_400_BAD_REQUEST)
        # Pages are cached until a certificate changes, like the registry page (the URL hashed: keys stay short).
        url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        key = f"registry:api:{registry_generation()}:{url}"
        data = cache.get(key)
        if data is None:
            data = super().list(request, *args, **kwargs).data
            cache.set(key, data, REGISTRY_CACHE_SECONDS)
        return Response(data)

    def get_queryset(self) -> QuerySet[Certificate]:
        params = self.request.query_params
        grade = params.get("grade", "").upper()
        return registry_queryset({"q": params.get("q", "")[:100], "grade": grade, "sort": params.get("sort")})


@extend_schema(
    summary="A hoster's public profile",
    responses={200: HosterProfileSerializer, 404: NOT_FOUND_RESPONSE},
)
class HosterProfile(PublicAPIView):
    serializer_class = HosterProfileSerializer

    def get(self, request: Request, slug: str) -> Response:
        hoster = Hoster.objects.only("pk", "slug", "name", "website").filter(slug=slug).first()
        if hoster is None:
            raise Http404
        certificates = list(
            hoster.certificates.without_documents()
            .prefetch_related(_public_events_prefetch())
            .order_by("-issued_at", "-pk")
        )
        rows = monitored_rows(hoster)
        if not certificates and not rows:
            raise Http404
        shown = Certificate.objects.without_documents().current_for(hoster)
        current = shown if shown is not None and shown.is_current else None  # a suspended one does not certify
        data = {
            "slug": hoster.slug,
            "name": hoster.name,
            "website": hoster.website,
            "certified": current is not None,
            "grade": current.grade if current else None,
            "score": float(current.score) if current else None,
            "certificate": current,
            "sections": current.section_scores if current else [],
            "certificates": certificates,
            "monitor": rows,
        }
        return Response(self.get_serializer(data).data)


@extend_schema(
    summary="A certificate and its status",
    responses={200: CertificateDetailSerializer, 404: NOT_FOUND_RESPONSE},
)
class CertificateDetail(PublicAPIView):
    serializer_class = CertificateDetailSerializer

    def get(self, request: Request, serial: str) -> Response:
        certificate = (
            Certificate.objects.defer("pdf", "scorecard", "metrics")
            .select_related("hoster")
            .prefetch_related(_public_events_prefetch())
            .filter(serial=serial)
            .first()
        )
        if certificate is None:
            raise Http404
        return Response(self.get_serializer(certificate).data)
