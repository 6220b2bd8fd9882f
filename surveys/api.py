"""`/api/v1/statistics/`: one row per year and area, as `statistic_rows` gives a
reader (published years only, suppression below staff)."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from surveys.figures import SUMMED
from surveys.statistics import statistic_rows


class StatisticSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    area_kind = serializers.CharField()
    area = serializers.CharField()
    label = serializers.CharField()
    enterprises = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    specialisation = serializers.FloatField(allow_null=True)


for _name in SUMMED:
    StatisticSerializer._declared_fields[_name] = serializers.DecimalField(
        max_digits=18, decimal_places=1, allow_null=True
    )
    for _suffix in ("share", "change"):
        StatisticSerializer._declared_fields[f"{_name}_{_suffix}"] = (
            serializers.FloatField(allow_null=True)
        )

FILTERS = {"cluster": "cluster", "city": "city", "county": "county"}


class StatisticViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=StatisticSerializer(many=True),
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("area_kind", str, enum=["province", *FILTERS]),
            OpenApiParameter("cluster", str, description="a cluster's slug"),
            OpenApiParameter("city", str, description="a city's GB/T 2260 code"),
            OpenApiParameter("county", str, description="a county's GB/T 2260 code"),
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        years = None
        if params.get("year"):
            try:
                years = [int(params["year"])]
            except ValueError:
                raise ValidationError({"year": "Give a year, e.g. 2025."}) from None
        kinds = None
        areas = None
        for param, kind in FILTERS.items():
            if params.get(param):
                kinds, areas = [kind], [params[param]]
        if params.get("area_kind"):
            if params["area_kind"] not in ("province", *FILTERS):
                raise ValidationError({"area_kind": "Unknown area kind."})
            kinds = [params["area_kind"]]
        rows = statistic_rows(request.user, years=years, kinds=kinds, areas=areas)
        rows = [r for r in rows if r.area_kind != "sector"]
        return Response(
            StatisticSerializer([r.as_dict() for r in rows], many=True).data
        )
