"""API: the association's programmes and events (read-only)."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from core.api import IntegerFilter
from enterprises.permissions import visible_related
from programmes.models import Award, Event, Programme


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["slug", "kind", "name", "name_en", "description", "description_en"]


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """The association's programmes. Public."""

    serializer_class = ProgrammeSerializer
    lookup_field = "slug"
    queryset = Programme.objects.order_by("slug")


class AwardSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Award
        fields = ["title", "title_en", "enterprise", "winner_name"]


class EventSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    region = serializers.CharField(source="region_id", read_only=True, allow_null=True)
    awards = AwardSerializer(source="visible_awards", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "slug",
            "kind",
            "name",
            "name_en",
            "programme",
            "starts_on",
            "ends_on",
            "region",
            "venue",
            "description",
            "description_en",
            "awards",
        ]


class EventFilter(filters.FilterSet):
    programme = filters.CharFilter(field_name="programme__slug")
    year = IntegerFilter(field_name="starts_on__year", min_value=1, max_value=9999)

    class Meta:
        model = Event
        fields = ["kind", "programme", "year"]


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Exhibitions, fashion weeks, competitions and other events, with awards (an
    award to an enterprise this client may not see is left out)."""

    serializer_class = EventSerializer
    lookup_field = "slug"
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EventFilter

    def get_queryset(self):
        awards = visible_related(self.request.user, Award.objects.all()).order_by(
            "title", "id"
        )
        return (
            Event.objects.select_related("programme")
            .prefetch_related(
                Prefetch("awards", queryset=awards, to_attr="visible_awards")
            )
            .order_by("-starts_on", "slug")
        )
