from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from clusters.models import Cluster, Designation
from colleges.models import College
from core.pagecache import scoped_key, visitor_cache
from dashboard.figures import (
    CACHE_SECONDS,
    dashboard_data,
    headline_figures,
    health_figures,
    market_figures,
)
from enterprises.charts import (
    CHARTS,
    DASHBOARD_CHARTS,
    build_chart,
    city_map,
    csv_response,
)
from enterprises.permissions import is_staff_member, visible_enterprises
from enterprises.search.counts import published_total
from enterprises.search.facets import Labeller
from markets.models import Market
from programmes.models import Event, Programme
from surveys.permissions import statistics_years
from surveys.stats_blocks import (
    chosen_figure,
    newest_published,
    overview,
    year_or_message,
)

HOME_FIGURES_SECONDS = 60


def home_figures(request: HttpRequest) -> dict[str, int]:
    """Headline counts; counting a million rows costs ~0.1 s, so cache briefly
    (exactly, for a page built for the page cache). The enterprises are the
    published ones, for everyone (as on the dashboard)."""
    key = scoped_key(request, "home:figures")
    figures = cache.get(key)
    if figures is None:
        figures = {
            "clusters": Cluster.objects.count(),
            "enterprises": published_total(),
            "colleges": College.objects.count(),
            "markets": Market.objects.count(),
        }
        cache.set(key, figures, HOME_FIGURES_SECONDS)
    return figures


HOME_LIST = 6


def cluster_map(clusters: list) -> dict:
    """The home page's map: each city shaded by its clusters, linking to the
    enterprises there (the payload ``directory/charts.js`` draws)."""
    from core.models import Region

    by_city: dict[str, int] = {}
    for cluster in clusters:
        city = cluster.region.city_code
        by_city[city] = by_city.get(city, 0) + 1
    search = reverse("enterprises:enterprise-list")
    cities = [
        {
            "code": region.code,
            "name": region.name,
            "label": region.display_name,
            "values": {"clusters": by_city.get(region.code, 0)},
            "urls": {"clusters": f"{search}?city={region.code}"},
        }
        for region in Region.objects.filter(level="city").order_by("code")
    ]
    return {"figures": [{"key": "clusters", "label": ""}], "cities": cities}


@login_not_required
@visitor_cache
def home(request: HttpRequest) -> HttpResponse:
    """The home page (visitors get it from the page cache)."""
    clusters = SimpleLazyObject(
        lambda: list(Cluster.objects.select_related("region").order_by("slug"))
    )

    def manufacturers() -> list:
        return list(
            visible_enterprises(request.user)
            .filter(designations__kind=Designation.Kind.HIGH_QUALITY)
            .select_related("city")
            .distinct()
            .order_by("name")[:HOME_LIST]
        )

    def events() -> list:
        return list(
            Event.objects.filter(ends_on__gte=timezone.localdate())
            .select_related("programme")
            .order_by("starts_on")[:HOME_LIST]
        )

    return render(
        request,
        "dashboard/home.html",
        {
            "figures": lambda: home_figures(request),
            "clusters": clusters,
            "cluster_map": lambda: cluster_map(list(clusters)),
            "manufacturers": manufacturers,
            "programmes": Programme.objects.order_by("kind"),
            "events": events,
        },
    )


def _require_staff(request: HttpRequest) -> None:
    # Anonymous users never get here (LoginRequiredMiddleware); others see a 404.
    if not is_staff_member(request.user):
        raise Http404


def survey_statistics(request: HttpRequest) -> dict | None:
    """The survey statistics on the dashboard: the province and the clusters
    ranked by the chosen figure, for the newest published year unless another
    is chosen."""
    years = statistics_years(request.user)
    default = newest_published(years)
    if default is None:
        return None
    year, error = year_or_message(request, years, default)
    context = overview(request.user, year, chosen_figure(request), prefix="survey-")
    context.update(years=years, error=error)
    return context


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    data = dashboard_data(request.user)
    agg = data["aggregate"]
    labeller = Labeller()
    charts = [
        build_chart(
            name,
            agg,
            data["months"],
            csv_url=reverse("dashboard:chart-csv", args=[name]),
            labeller=labeller,
        )
        for name in DASHBOARD_CHARTS
    ]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "figures": headline_figures(data),
            "markets": market_figures(agg, labeller),
            "health": health_figures(agg),
            "charts": charts,
            "city_map": city_map(agg),
            "statistics": survey_statistics(request),
            "computed_at": timezone.localtime(data["computed_at"]),
            "cache_seconds": CACHE_SECONDS,
        },
    )


@require_GET
def chart_csv(request: HttpRequest, name: str) -> HttpResponse:
    _require_staff(request)
    if name not in CHARTS:
        raise Http404
    data = dashboard_data(request.user)
    chart = build_chart(name, data["aggregate"], data["months"], csv_url="")
    stamp = timezone.localtime(data["computed_at"]).strftime("%Y%m%d-%H%M")
    return csv_response(chart, f"dashboard-{name}-{stamp}.csv")
