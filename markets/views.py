from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from enterprises.permissions import visible_related
from markets.models import Market, Tenancy


@login_not_required
def market_list(request: HttpRequest) -> HttpResponse:
    markets = Market.objects.select_related("region", "region__parent", "cluster")
    return render(request, "markets/market_list.html", {"markets": markets})


@login_not_required
def market_detail(request: HttpRequest, slug: str) -> HttpResponse:
    market = get_object_or_404(
        Market.objects.select_related("region", "region__parent", "cluster"),
        slug=slug,
    )
    tenancies = (
        visible_related(request.user, Tenancy.objects.filter(market=market))
        .select_related("enterprise")
        .order_by("stall")
    )
    page = Paginator(tenancies, 50).get_page(request.GET.get("page"))
    return render(
        request, "markets/market_detail.html", {"market": market, "page": page}
    )
