from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clusters.compare import compare_panels
from clusters.figures import cluster_figures, enterprise_counts, of_cluster
from clusters.models import Cluster, Designation
from core.sharedcache import FRESH_SECONDS
from enterprises.charts import (
    CHARTS,
    CLUSTER_CHARTS,
    build_chart,
    compare_chart,
    csv_response,
    scope_figures,
)
from enterprises.models import Enterprise
from enterprises.permissions import visible_enterprises
from enterprises.search.facets import Labeller
from enterprises.search.query import Search

MAX_COMPARE = 5


def cluster_search(cluster: Cluster) -> Search:
    """The enterprise search of a cluster (what its figures count)."""
    return Search(filters={"cl": [cluster.slug]})


@login_not_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    queryset = Cluster.objects.select_related("region", "region__parent").order_by(
        "region_id", "slug"
    )
    kind = request.GET.get("designation") or ""
    kind_label = dict(Designation.Kind.choices).get(kind)
    if kind_label:
        queryset = queryset.filter(
            id__in=Designation.objects.filter(kind=kind).values("cluster_id")
        )
    clusters = list(queryset)
    counts = enterprise_counts(request.user)
    for cluster in clusters:
        cluster.enterprise_count = counts.get(cluster.slug, 0)
    return render(
        request,
        "clusters/cluster_list.html",
        {
            "clusters": clusters,
            "designation": kind_label,
            "chosen": set(request.GET.getlist("c")),
            "max_compare": MAX_COMPARE,
        },
    )


MEMBERS_SHOWN = 20


def newest_members(user, cluster: Cluster, limit: int = MEMBERS_SHOWN) -> list:
    """The cluster's newest entries that ``user`` may see, newest first: read
    from the membership table in batches, newest member first, so that the
    statement stays small at any size. (Ordered by name, it walked the name index
    through every entry before the first member's name: at 1,000,000 entries
    92,000 wide rows, 15 s.)"""
    through = Enterprise.clusters.through
    ids = (
        through.objects.filter(cluster=cluster)
        .order_by("-enterprise_id")
        .values_list("enterprise_id", flat=True)
    )
    found: list = []
    batch, start = limit * 5, 0
    while len(found) < limit:
        chunk = list(ids[start : start + batch])
        if not chunk:
            break
        found += (
            visible_enterprises(user)
            .filter(pk__in=chunk)
            .select_related("region")
            .order_by("-id")[: limit - len(found)]
        )
        start += batch
    return found


@login_not_required
def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(
        Cluster.objects.select_related("region", "region__parent"), slug=slug
    )
    search = cluster_search(cluster)
    figures, computed_at = cluster_figures(request.user)
    agg = of_cluster(figures, cluster.slug)
    labeller = Labeller()
    charts = [
        build_chart(
            name,
            agg,
            None,
            csv_url=reverse("clusters:cluster-chart-csv", args=[cluster.slug, name]),
            base=search,
            labeller=labeller,
        )
        for name in CLUSTER_CHARTS
    ]
    return render(
        request,
        "clusters/cluster_detail.html",
        {
            "cluster": cluster,
            "designations": cluster.designations.all(),
            "markets": cluster.markets.select_related("region"),
            "enterprise_count": agg.total.enterprises,
            "enterprises": newest_members(request.user, cluster),
            "figures": scope_figures(agg, search),
            "charts": charts,
            "computed_at": timezone.localtime(computed_at),
            "cache_seconds": FRESH_SECONDS,
        },
    )


@login_not_required
@require_GET
def cluster_chart_csv(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, slug=slug)
    if name not in CLUSTER_CHARTS or name not in CHARTS:
        raise Http404
    figures, _computed_at = cluster_figures(request.user)
    chart = build_chart(name, of_cluster(figures, cluster.slug), None, csv_url="")
    return csv_response(chart, f"cluster-{cluster.slug}-{name}.csv")


@login_not_required
def cluster_compare(request: HttpRequest) -> HttpResponse:
    requested = list(dict.fromkeys(s for s in request.GET.getlist("c") if s))
    errors = []
    if len(requested) > MAX_COMPARE:
        errors.append(
            _(
                "You chose %(n)d clusters; at most %(max)d can be compared side by "
                "side. Showing the first %(max)d."
            )
            % {"n": len(requested), "max": MAX_COMPARE}
        )
    slugs = requested[:MAX_COMPARE]
    found = {
        c.slug: c
        for c in Cluster.objects.select_related("region").filter(slug__in=slugs)
    }
    if len(found) < len(slugs):
        errors.append(_("Some of the chosen clusters do not exist and were left out."))
    clusters = [found[s] for s in slugs if s in found]
    scopes = []
    figures, computed_at = cluster_figures(request.user)
    for cluster in clusters:
        search = cluster_search(cluster)
        agg = of_cluster(figures, cluster.slug)
        cluster.figures = scope_figures(agg, search)
        scopes.append((cluster.display_name, search, agg))
    labeller = Labeller()
    charts = [compare_chart(name, scopes, labeller=labeller) for name in CLUSTER_CHARTS]
    figure_rows = [
        (figure.label, [c.figures[i] for c in clusters])
        for i, figure in enumerate(clusters[0].figures if clusters else [])
    ]
    return render(
        request,
        "clusters/cluster_compare.html",
        {
            "clusters": clusters,
            "selected": set(slugs),
            "all_clusters": Cluster.objects.order_by("slug"),
            "errors": errors,
            "figure_rows": figure_rows,
            "charts": charts,
            "panels": compare_panels(request, clusters),
            "max_compare": MAX_COMPARE,
            "computed_at": timezone.localtime(computed_at),
            "cache_seconds": FRESH_SECONDS,
        },
    )
