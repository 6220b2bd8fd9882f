from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from directory.dashboard.charts import (
    CHARTS,
    DASHBOARD_CHARTS,
    build_chart,
    city_map,
    csv_response,
)
from directory.dashboard.figures import (
    CACHE_SECONDS,
    dashboard_data,
    headline_figures,
    health_figures,
    market_figures,
)
from enterprises.facets import Labeller


def _require_staff(request: HttpRequest) -> None:
    # Anonymous users never get here (LoginRequiredMiddleware); others see a 404.
    if not request.user.is_staff:
        raise Http404


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
        "directory/dashboard.html",
        {
            "figures": headline_figures(data),
            "markets": market_figures(agg, labeller),
            "health": health_figures(agg),
            "charts": charts,
            "city_map": city_map(agg),
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
