"""The enterprise figures of every cluster's page and of the comparison (counts by
sector, business model, market, size, city and in total), precomputed: counting a
large cluster's enterprises per request costs more than the page's budget at a
million enterprises. The task worker computes every cluster at once
(`enterprises.search.counts.cluster_aggregates`) into the shared cache, kept fresh
as the dashboard's figures are (`core.sharedcache`); a page reads one cache entry
whatever the number of clusters it shows.

Two audiences are counted: staff (every entry, drafts included) and everyone else
(the published entries, as on the home page); `enterprises.permissions.sees_drafts`
says which a reader gets."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from core.sharedcache import cached_figures, store_figures
from enterprises.permissions import SYSTEM, sees_drafts, visible_enterprises
from enterprises.search.counts import Aggregate, Counts, cluster_aggregates

CACHE_KEY = "directory:clusters:figures:v1"
STAFF, PUBLIC = "staff", "public"


def compute_cluster_figures() -> dict:
    from django.contrib.auth.models import AnonymousUser

    return store_figures(
        CACHE_KEY,
        {
            STAFF: cluster_aggregates(SYSTEM),
            PUBLIC: cluster_aggregates(AnonymousUser()),
            "computed_at": timezone.now(),
        },
    )


def cluster_figures(user: Any) -> tuple[dict[str, Aggregate], Any]:
    """Every cluster's counts as ``user`` may see them (slug -> aggregate), and
    when they were computed."""
    from clusters.tasks import refresh_cluster_figures

    data = cached_figures(CACHE_KEY, compute_cluster_figures, refresh_cluster_figures)
    return data[STAFF if sees_drafts(user) else PUBLIC], data["computed_at"]


def of_cluster(figures: dict[str, Aggregate], slug: str) -> Aggregate:
    """One cluster's counts (nothing counted: a cluster without enterprises)."""
    return figures.get(slug) or Aggregate(total=Counts(), stale=0, incomplete=0)


def enterprise_counts(user: Any) -> dict[str, int]:
    """Each cluster's number of enterprises ``user`` may see (slug -> count), as
    the search it links to counts them: the precomputed counts, plus, for an
    enterprise's user, its own unpublished entries (the few the policy shows that
    user beyond the published ones; counted here)."""
    figures, _computed_at = cluster_figures(user)
    counts = {slug: agg.total.enterprises for slug, agg in figures.items()}
    if not sees_drafts(user) and getattr(user, "is_authenticated", False):
        own = (
            visible_enterprises(user)
            .filter(published=False, clusters__isnull=False)
            .values_list("clusters__slug")
            .annotate(n=Count("id"))
            .order_by()
        )
        for slug, n in own:
            counts[slug] = counts.get(slug, 0) + n
    return counts
