"""API: professional markets and their tenants (read-only)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from enterprises.permissions import visible_related
from markets.models import Market, Tenancy


class MarketSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    cluster = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Market
        fields = [
            "slug",
            "name",
            "name_en",
            "region",
            "cluster",
            "address",
            "address_en",
            "specialty",
            "specialty_en",
            "opened_year",
            "stall_count",
            "description",
            "description_en",
            "is_synthetic",
        ]


class TenancySerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Tenancy
        fields = ["id", "enterprise", "stall", "since_year"]


class MarketFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region_id")
    cluster = filters.CharFilter(field_name="cluster__slug")

    class Meta:
        model = Market
        fields = ["region", "cluster"]


class MarketViewSet(viewsets.ReadOnlyModelViewSet):
    """Professional wholesale markets. Public."""

    serializer_class = MarketSerializer
    lookup_field = "slug"
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = MarketFilter
    queryset = Market.objects.select_related("cluster").order_by("slug")

    @extend_schema(responses=TenancySerializer(many=True), filters=False)
    @action(detail=True, filter_backends=[], filterset_class=None)
    def tenants(self, request, slug=None, **kwargs):
        """The market's tenant enterprises that this client may see, paginated."""
        market = self.get_object()
        tenancies = visible_related(
            request.user, Tenancy.objects.filter(market=market)
        ).order_by("stall", "id")
        page = self.paginate_queryset(tenancies)
        return self.get_paginated_response(TenancySerializer(page, many=True).data)
