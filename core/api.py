"""API plumbing shared by the apps' API modules, and the regions' endpoint."""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.drainage import set_override
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import serializers, viewsets

from core.models import Region

# Path parameters of integer ids: anything else matches no route, so it is the
# API's 404 for every method instead of reaching a view (or the database).
ID_PATTERN = "[0-9]+"


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(  # type: ignore[assignment]  # a field named "parent"
        source="parent_id", allow_null=True, read_only=True
    )

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class IntegerFilter(filters.NumberFilter):
    """A whole-number filter within PostgreSQL's integer range (bad input is a
    400, never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**31))
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)
        # The schema says what the form field accepts: whole numbers in range.
        set_override(
            self,
            "field",
            {
                "type": "integer",
                "minimum": kwargs["min_value"],
                "maximum": kwargs["max_value"],
            },
        )


class RegionFilter(filters.FilterSet):
    parent = filters.CharFilter(field_name="parent_id")

    class Meta:
        model = Region
        fields = ["level", "parent"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Liaoning's administrative divisions (GB/T 2260 codes). Public."""

    serializer_class = RegionSerializer
    queryset = Region.objects.order_by("code")
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = RegionFilter


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI from drf-spectacular-sidecar; its initializer is a static file
    (no inline script, so the page works under the site's CSP)."""

    template_name = "core/api_docs.html"
