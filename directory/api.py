"""The API's one router, mounted at /api/v1/ (each app's viewsets live in its
``api.py``), the OpenAPI schema and the Swagger UI."""

from django.urls import include, path, re_path
from django_filters import rest_framework as filters
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import routers, viewsets

from clusters.api import ClusterViewSet, DesignationViewSet
from colleges.api import CollegeViewSet
from directory.api_common import RegionSerializer
from directory.exceptions import not_found
from directory.models import Region
from enterprises.api import EnterpriseViewSet
from enterprises.moderation_api import ChangeRequestViewSet, ClaimViewSet
from markets.api import MarketViewSet
from programmes.api import EventViewSet, ProgrammeViewSet


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

    template_name = "directory/api_docs.html"


router = routers.DefaultRouter()
router.include_root_view = True
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("designations", DesignationViewSet, basename="designation")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("colleges", CollegeViewSet, basename="college")
router.register("markets", MarketViewSet, basename="market")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("events", EventViewSet, basename="event")
router.register("regions", RegionViewSet, basename="region")
router.register("change-requests", ChangeRequestViewSet, basename="change-request")
router.register("claims", ClaimViewSet, basename="claim")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(r"^", not_found),
]
