from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from clusters.models import Cluster
from enterprises.models import Enterprise

MAX_COMPARE = 5


def _enterprise_count_filter(user) -> Q:
    if user.is_authenticated and user.is_staff:
        return Q()
    return Q(enterprises__published=True)


@login_not_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    clusters = (
        Cluster.objects.select_related("region", "region__parent")
        .annotate(
            enterprise_count=Count(
                "enterprises", filter=_enterprise_count_filter(request.user)
            )
        )
        .order_by("region_id", "slug")
    )
    return render(request, "clusters/cluster_list.html", {"clusters": clusters})


@login_not_required
def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(
        Cluster.objects.select_related("region", "region__parent"), slug=slug
    )
    enterprises = (
        Enterprise.objects.visible_to(request.user)
        .filter(clusters=cluster)
        .select_related("region")
        .order_by("name")
    )
    return render(
        request,
        "clusters/cluster_detail.html",
        {
            "cluster": cluster,
            "designations": cluster.designations.all(),
            "markets": cluster.markets.select_related("region"),
            "enterprise_count": enterprises.count(),
            "enterprises": enterprises[:20],
        },
    )


@login_not_required
def cluster_compare(request: HttpRequest) -> HttpResponse:
    slugs = [s for s in request.GET.getlist("c") if s][:MAX_COMPARE]
    clusters = (
        Cluster.objects.filter(slug__in=slugs)
        .select_related("region")
        .annotate(
            enterprise_count=Count(
                "enterprises", filter=_enterprise_count_filter(request.user)
            ),
            exporter_count=Count(
                "enterprises",
                filter=_enterprise_count_filter(request.user)
                & Q(enterprises__is_exporter=True),
            ),
        )
    )
    return render(
        request,
        "clusters/cluster_compare.html",
        {"clusters": clusters, "all_clusters": Cluster.objects.order_by("slug")},
    )
