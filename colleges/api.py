"""API: colleges, their study programmes and partner enterprises (read-only)."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from colleges.models import College, CollegeProgramme, Partnership
from enterprises.permissions import visible_related


class CollegeProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CollegeProgramme
        fields = ["name", "name_en", "level"]


class PartnershipSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Partnership
        fields = ["enterprise", "kind", "since_year"]


class CollegeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    website = serializers.CharField(read_only=True)  # "" when unknown
    programmes = CollegeProgrammeSerializer(many=True, read_only=True)
    partnerships = PartnershipSerializer(
        source="visible_partnerships", many=True, read_only=True
    )

    class Meta:
        model = College
        fields = [
            "slug",
            "name",
            "name_en",
            "kind",
            "school",
            "school_en",
            "region",
            "website",
            "description",
            "description_en",
            "programmes",
            "partnerships",
            "is_synthetic",
        ]


class CollegeFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region_id")

    class Meta:
        model = College
        fields = ["kind", "region"]


class CollegeViewSet(viewsets.ReadOnlyModelViewSet):
    """Textile and garment colleges. Partnerships list only enterprises this client
    may see."""

    serializer_class = CollegeSerializer
    lookup_field = "slug"
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CollegeFilter

    def get_queryset(self):
        partnerships = visible_related(
            self.request.user, Partnership.objects.all()
        ).order_by("enterprise_id", "kind")
        return College.objects.prefetch_related(
            "programmes",
            Prefetch(
                "partnership_set", queryset=partnerships, to_attr="visible_partnerships"
            ),
        ).order_by("slug")
