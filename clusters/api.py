"""API: clusters and designations (read-only)."""

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from clusters.models import Cluster, Designation
from core.api import ID_PATTERN, IntegerFilter
from enterprises.permissions import visible_related


class DesignationSerializer(serializers.ModelSerializer):
    cluster = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Designation
        fields = [
            "id",
            "kind",
            "title",
            "title_en",
            "awarding_body",
            "awarding_body_en",
            "awarded_on",
            "next_review_on",
            "cluster",
            "enterprise",
        ]


class ClusterDesignationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Designation
        fields = ["id", "kind", "title", "title_en", "awarded_on", "next_review_on"]


class ClusterSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    sectors = serializers.ListField(child=serializers.CharField(), read_only=True)
    designations = ClusterDesignationSerializer(many=True, read_only=True)

    class Meta:
        model = Cluster
        fields = [
            "slug",
            "name",
            "name_en",
            "region",
            "specialty",
            "specialty_en",
            "description",
            "description_en",
            "sectors",
            "designations",
            "is_synthetic",
        ]


class ClusterFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region_id")

    class Meta:
        model = Cluster
        fields = ["region"]


class ClusterViewSet(viewsets.ReadOnlyModelViewSet):
    """Industrial clusters, with their designations. Public."""

    serializer_class = ClusterSerializer
    lookup_field = "slug"
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ClusterFilter
    queryset = Cluster.objects.prefetch_related("designations").order_by("slug")


class DesignationFilter(filters.FilterSet):
    cluster = filters.CharFilter(field_name="cluster__slug")
    enterprise = IntegerFilter(field_name="enterprise_id")

    class Meta:
        model = Designation
        fields = ["kind", "cluster", "enterprise"]


class DesignationViewSet(viewsets.ReadOnlyModelViewSet):
    """Designations of clusters and of the enterprises this client may see."""

    lookup_value_regex = ID_PATTERN

    serializer_class = DesignationSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = DesignationFilter

    def get_queryset(self):
        # A designation is a cluster's (no enterprise) or an enterprise's.
        return visible_related(
            self.request.user, Designation.objects.select_related("cluster")
        ).order_by("id")
