"""API of indicators and of the reference data they need (territories as GeoJSON, harmonised categories).

Private endpoints are scoped to the municipalities the user may see (404 outside them). The ``/api/public/``
endpoints need no login: they answer only for indicators a municipality has published, from the portal's one
suppressed table (withheld counts are empty, with ``withheld`` true, and so are their population and rate).
"""

from __future__ import annotations

import polars as pl
import shapely
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from shapely.geometry import mapping

from atalaya.analysis import indicators as calc
from atalaya.core.api import CheckedQueryParams
from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality, Territory
from atalaya.indicators import disclosure, services
from atalaya.indicators.models import Indicator, Publication, PublicValue
from atalaya.taxonomy.services import harmonised_table


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "name", "name_en", "description", "methodology", "numerator", "unit", "periodicity", "better"]


class ValueSerializer(serializers.Serializer):
    territory_code = serializers.CharField(allow_null=True)
    period_start = serializers.DateField()
    count = serializers.IntegerField(allow_null=True)
    population = serializers.FloatField(allow_null=True)
    rate = serializers.FloatField(allow_null=True)
    rate_lower = serializers.FloatField(allow_null=True)
    rate_upper = serializers.FloatField(allow_null=True)


def _municipality(request, code: str | None, queryset=None) -> Municipality:
    queryset = queryset if queryset is not None else Municipality.objects.visible_to(request.user)
    municipality = queryset.filter(code=code).first() if code else None
    if municipality is None:
        raise NotFound(_("Municipio inexistente o sin acceso."))
    return municipality


class IndicatorList(CheckedQueryParams, APIView):
    """Indicator definitions (public: a definition reveals nothing about any municipality)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=IndicatorSerializer(many=True))
    def get(self, request):
        user = request.user
        indicators = Indicator.objects.visible_to(user) if user.is_authenticated else Indicator.objects.shared()
        return Response(IndicatorSerializer(indicators, many=True).data)


PARAMS = [
    OpenApiParameter("municipality", OpenApiTypes.STR, required=True, description="código oficial"),
    OpenApiParameter("source", OpenApiTypes.STR, description="fuente; por omisión la primera disponible"),
    OpenApiParameter("level", OpenApiTypes.STR, description="nivel territorial; vacío: municipio"),
    OpenApiParameter("period", OpenApiTypes.STR, enum=["month", "quarter", "year"]),
]


def indicator_values(municipality: Municipality, indicator: Indicator, params) -> pl.DataFrame:
    """Counts of an indicator per period with population and rate (per 100,000, for the period)."""
    sources = services.available_sources(municipality)
    source = params.get("source") or (sources[0].source if sources else None)
    if source not in {s.source for s in sources}:
        raise ValidationError(
            {"source": _("Fuentes disponibles: %(sources)s.") % {"sources": ", ".join(s.source for s in sources)}}
        )
    level = params.get("level") or None
    if level and level not in set(Territory.objects.filter(municipality=municipality).values_list("level", flat=True)):
        raise ValidationError({"level": _("Nivel territorial desconocido en este municipio.")})
    period = params.get("period", "month")
    if period not in ("month", "quarter", "year"):
        raise ValidationError({"period": _("month, quarter o year.")})
    reader = services.StoredValuesReader(municipality, source)
    monthly = reader.monthly(indicator, level)
    totals = calc.to_period(monthly, period, by=["territory_code"])
    years = sorted({d.year for d in totals.get_column("period_start")}) or [0]
    pops = reader.populations(years, level)
    totals = totals.with_columns(pl.col("period_start").dt.year().alias("year")).join(
        pops, on=["territory_code", "year"], how="left", nulls_equal=True
    )
    return calc.with_rates(totals).drop("year")


VALUE_PARAMS = frozenset({"municipality", "source", "level", "period"})


class PublicValueSerializer(ValueSerializer):
    period = serializers.CharField()
    months = serializers.IntegerField(help_text="meses que cubre el periodo (un año en curso cubre menos de 12)")
    withheld = serializers.BooleanField(help_text="cifra reservada: pocos casos, o permitiría deducir otra así")


PUBLIC_PARAMS = [
    *PARAMS[:3],
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=["month", "quarter", "year", "12m"],
        description="por territorio solo year y 12m (últimos 12 meses y los 12 anteriores)",
    ),
]


class IndicatorValues(CheckedQueryParams, APIView):
    query_params = VALUE_PARAMS

    @extend_schema(parameters=PARAMS, responses=ValueSerializer(many=True))
    def get(self, request, code: str):
        municipality = _municipality(request, request.query_params.get("municipality"))
        indicator = Indicator.objects.for_municipality(municipality).filter(code=code).first()
        if indicator is None:
            raise NotFound(_("Indicador inexistente."))
        frame = indicator_values(municipality, indicator, request.query_params)
        return Response(ValueSerializer(frame.to_dicts(), many=True).data)


class PublicIndicatorValues(PublicOutputMixin, CheckedQueryParams, APIView):
    """Published indicators only, from the portal's suppressed table."""

    public_models = (Municipality, Indicator, PublicValue)
    query_params = VALUE_PARAMS
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=PUBLIC_PARAMS, responses=PublicValueSerializer(many=True))
    def get(self, request, code: str):
        municipality = _municipality(request, request.query_params.get("municipality"), Municipality.objects.all())
        publication = (
            Publication.objects.filter(municipality=municipality, indicator__code=code, is_public=True)
            .select_related("indicator")
            .first()
        )
        if publication is None:
            raise NotFound(_("Este indicador no está publicado para este municipio."))
        sources = services.available_sources(municipality)
        source = request.query_params.get("source") or (sources[0].source if sources else None)
        if source not in {s.source for s in sources}:
            raise ValidationError(
                {"source": _("Fuentes disponibles: %(sources)s.") % {"sources": ", ".join(s.source for s in sources)}}
            )
        level = request.query_params.get("level") or None
        period = request.query_params.get("period", "month" if level is None else "year")
        allowed = disclosure.MUNICIPALITY_PERIODS if level is None else disclosure.TERRITORY_PERIODS
        if period not in allowed:
            raise ValidationError({"period": _("Periodos publicados aquí: %(p)s.") % {"p": ", ".join(allowed)}})
        values = disclosure.public_values(municipality, source, publication.indicator)
        if level and level not in set(values.get_column("level").drop_nulls()):
            raise ValidationError({"level": _("Nivel territorial desconocido o no publicado en este municipio.")})
        chosen = values.filter(
            (pl.col("level").is_null() if level is None else pl.col("level") == level) & (pl.col("period") == period)
        ).sort("territory_code", "period_start", nulls_last=True)
        frame = disclosure.with_public_rates(chosen, municipality, source, level)
        return Response(PublicValueSerializer(frame.to_dicts(), many=True).data)


class TerritoryGeoJSON(CheckedQueryParams, APIView):
    """Territories of a municipality as a GeoJSON FeatureCollection (WGS84)."""

    query_params = frozenset({"municipality", "level"})

    @extend_schema(parameters=[PARAMS[0], PARAMS[2]], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        municipality = _municipality(request, request.query_params.get("municipality"))
        territories = Territory.objects.filter(municipality=municipality).select_related("parent")
        if request.query_params.get("level"):
            territories = territories.filter(level__iexact=request.query_params["level"])
        features = [
            {
                "type": "Feature",
                "properties": {
                    "code": t.code,
                    "name": t.name,
                    "level": t.level,
                    "parent": t.parent.code if t.parent else None,
                },
                "geometry": mapping(shapely.from_wkb(bytes(t.geometry))) if t.geometry else None,
            }
            for t in territories
        ]
        return Response({"type": "FeatureCollection", "features": features})


class CategoryList(CheckedQueryParams, APIView):
    """Source categories with their harmonised mapping (ICCS, family, harm weight)."""

    query_params = frozenset({"source"})

    @extend_schema(parameters=[OpenApiParameter("source", OpenApiTypes.STR)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        table = harmonised_table()
        if request.query_params.get("source"):
            table = table.filter(pl.col("catalogue_source") == request.query_params["source"])
        return Response(table.drop("catalogue_id", "family_order").to_dicts())
