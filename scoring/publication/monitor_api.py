"""The public API of published monitor periods: the list, and one period with its figures as open data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api import NOT_FOUND_RESPONSE, ErrorSerializer
from scoring.publication.api import PublicAPIView, StrictPageNumberPagination
from scoring.publication.models import MonitorPeriod
from scoring.publication.open_data import period_rows
from scoring.publication.views import LICENCE


class LicenceSerializer(serializers.Serializer[dict[str, str]]):
    name = serializers.CharField()
    url = serializers.CharField()


class MethodologySerializer(serializers.Serializer[MonitorPeriod]):
    version = serializers.CharField(source="methodology_used.version")
    norm_hours = serializers.FloatField(source="methodology_used.norm_hours")
    recorded = serializers.SerializerMethodField(
        help_text="False for a period published before methodologies were recorded (read as the legacy one)."
    )

    def get_recorded(self, period: MonitorPeriod) -> bool:
        return period.methodology is not None


class MonitorPeriodSerializer(serializers.Serializer[MonitorPeriod]):
    """A published monitor period and where its report and open data are."""

    code = serializers.CharField()
    title = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    published_at = serializers.DateTimeField()
    norm_hours = serializers.FloatField()
    scoring_model = serializers.CharField(allow_blank=True, help_text="Empty for a period that did not record it.")
    methodology = MethodologySerializer(source="*")
    reviewed_by_hosters = serializers.BooleanField(
        help_text="Whether the hosters could review their draft figures before publication."
    )
    licence = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()
    json_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(LicenceSerializer)
    def get_licence(self, period: MonitorPeriod) -> dict[str, str]:
        return LICENCE

    def get_url(self, period: MonitorPeriod) -> str:
        return settings.SITE_URL + reverse("monitor_period", args=[period.code])

    def get_csv_url(self, period: MonitorPeriod) -> str:
        return settings.SITE_URL + reverse("monitor_period_csv", args=[period.code])

    def get_json_url(self, period: MonitorPeriod) -> str:
        return settings.SITE_URL + reverse("monitor_period_json", args=[period.code])

    def get_pdf_url(self, period: MonitorPeriod) -> str:
        return settings.SITE_URL + reverse("monitor_period_pdf", args=[period.code])


class MonitorPeriodRowSerializer(serializers.Serializer[dict[str, Any]]):
    """One hoster's frozen figures (DESIGN §4.2); a figure the period did not record is null."""

    rank = serializers.IntegerField()
    hoster = serializers.CharField()
    name = serializers.CharField()
    notices = serializers.IntegerField()
    share_pct = serializers.FloatField(allow_null=True)
    within_norm = serializers.IntegerField()
    within_norm_pct = serializers.FloatField(allow_null=True)
    within_24h = serializers.IntegerField()
    between_24_48h = serializers.IntegerField()
    over_48h_or_open = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    open = serializers.IntegerField()
    open_over_norm = serializers.IntegerField()
    pending = serializers.IntegerField(allow_null=True)
    due = serializers.IntegerField(allow_null=True)
    reviewed = serializers.BooleanField(allow_null=True, help_text="Null when the period had no review.")
    corrections = serializers.IntegerField(allow_null=True, help_text="Upheld disputes; null without a review.")


class MonitorPeriodDetailSerializer(MonitorPeriodSerializer):
    totals = serializers.DictField()
    hosters = serializers.SerializerMethodField()

    @extend_schema_field(MonitorPeriodRowSerializer(many=True))
    def get_hosters(self, period: MonitorPeriod) -> list[dict[str, Any]]:
        return period_rows(period)


@extend_schema(
    summary="Published monitor periods",
    responses={
        200: MonitorPeriodSerializer,
        404: OpenApiResponse(ErrorSerializer, description="A page number past the last page."),
    },
)
class MonitorPeriodList(PublicAPIView, generics.ListAPIView[MonitorPeriod]):
    """Every published monitor period, the latest first, with the addresses of its CSV, JSON and PDF."""

    serializer_class = MonitorPeriodSerializer
    pagination_class = StrictPageNumberPagination

    def get_queryset(self) -> QuerySet[MonitorPeriod]:
        # The ranking is read too: it says whether the period was reviewed.
        return MonitorPeriod.objects.defer("pdf").order_by("-date_from", "-pk")


@extend_schema(
    summary="A published monitor period and its figures",
    responses={200: MonitorPeriodDetailSerializer, 404: NOT_FOUND_RESPONSE},
)
class MonitorPeriodDetail(PublicAPIView):
    serializer_class = MonitorPeriodDetailSerializer

    def get(self, request: Request, code: str) -> Response:
        period = MonitorPeriod.objects.defer("pdf").filter(code=code).first()
        if period is None:
            raise Http404
        return Response(self.get_serializer(period).data)
