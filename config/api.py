"""The API's one router, mounted at /api/v1/ (each app's viewsets live in its
``api.py``), the OpenAPI schema and the Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers

from clusters.api import ClusterViewSet, DesignationViewSet
from colleges.api import CollegeViewSet
from core.api import RegionViewSet, SwaggerView
from core.exceptions import not_found
from enterprises.feed import ChangeFeedView
from markets.api import MarketViewSet
from moderation.api import ChangeRequestViewSet, ClaimViewSet, EnterpriseViewSet
from programmes.api import EventViewSet, ProgrammeViewSet
from surveys.api import StatisticViewSet

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
router.register("statistics", StatisticViewSet, basename="statistic")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("changes/", ChangeFeedView.as_view(), name="changes"),
    path("", include(router.urls)),
    re_path(r"^", not_found),
]
