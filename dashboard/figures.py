"""The dashboard's figures: computed from the data, cached briefly, linked to lists."""

from __future__ import annotations

import time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster, Designation
from colleges.models import College
from core.sharedcache import (
    FRESH_SECONDS,
    cached_figures,
    lock_key,
    store_figures,
)
from core.sharedcache import shared_cache as shared_cache  # benches and tests
from enterprises.charts import Figure, percent, search_url
from enterprises.permissions import SYSTEM
from enterprises.search.counts import (
    EXPORTER_KEY,
    HIGH_QUALITY_KEY,
    PROCESSING_KEY,
    Aggregate,
    aggregate,
    published_total,
    updated_per_month,
)
from enterprises.search.facets import Labeller
from enterprises.search.query import Search
from markets.models import Market
from moderation.duplicates import open_pairs
from moderation.models import ChangeRequest, Claim

# Counting the whole table takes longer than the page's budget at a million
# enterprises: the figures are computed by the task worker into the shared cache
# and served from there (core.sharedcache: recomputed once older than
# FRESH_SECONDS, the previous figures served meanwhile). The page says when they
# were computed.
CACHE_SECONDS = FRESH_SECONDS
CACHE_KEY = "directory:dashboard:v3"
REFRESH_LOCK = lock_key(CACHE_KEY)


def compute_dashboard_data() -> dict:
    started = time.perf_counter()
    search = Search()
    staff = SYSTEM  # the figures are staff's: every enterprise
    data = {
        "aggregate": aggregate(search, staff),
        "published": published_total(),
        "months": updated_per_month(search, staff),
        "clusters": Cluster.objects.count(),
        "colleges": College.objects.count(),
        "markets": Market.objects.count(),
        "national_towns": Designation.objects.filter(
            kind=Designation.Kind.NATIONAL_TOWN, cluster__isnull=False
        ).count(),
        "computed_at": timezone.now(),
    }
    data["seconds"] = time.perf_counter() - started
    return store_figures(CACHE_KEY, data)


def dashboard_data(user) -> dict:
    """Everything the dashboard counts (for staff: every enterprise), from the
    shared cache; computed here only when there is nothing yet."""
    from dashboard.tasks import refresh_dashboard

    return cached_figures(CACHE_KEY, compute_dashboard_data, refresh_dashboard)


def headline_figures(data: dict) -> list[Figure]:
    agg: Aggregate = data["aggregate"]
    total = agg.total.enterprises
    processing = agg.count(PROCESSING_KEY)
    exporters = agg.count(EXPORTER_KEY)
    return [
        Figure(
            "clusters",
            _("industrial clusters"),
            data["clusters"],
            reverse("clusters:cluster-list"),
        ),
        # Every entry staff see, drafts included (as the staff's list counts it,
        # and the base of the shares below), then the published total (as on the
        # home page and a visitor's list).
        Figure("enterprises", _("enterprises, drafts included"), total, search_url()),
        Figure(
            "published", _("published enterprises"), data["published"], reverse("home")
        ),
        Figure(
            "colleges",
            _("colleges"),
            data["colleges"],
            reverse("colleges:college-list"),
        ),
        Figure(
            "markets",
            _("professional markets"),
            data["markets"],
            reverse("markets:market-list"),
        ),
        Figure(
            "processing",
            _("processing / manufacturing enterprises"),
            processing,
            search_url(model="processing"),
            percent(processing, total),
        ),
        Figure(
            "exporters",
            _("exporters"),
            exporters,
            search_url(exporter="yes"),
            percent(exporters, total),
        ),
        Figure(
            "high_quality",
            _("high-quality manufacturing enterprises"),
            agg.count(HIGH_QUALITY_KEY),
            search_url(designation="high_quality"),
        ),
        Figure(
            "national_towns",
            _("national industrial cities and towns"),
            data["national_towns"],
            reverse("clusters:cluster-list") + "?designation=national_town",
        ),
    ]


def market_figures(agg: Aggregate, labeller: Labeller) -> list[Figure]:
    """Exporters per export market, with their share of all exporters."""
    exporters = agg.count(EXPORTER_KEY)
    values = agg.values("mk")
    return [
        Figure(
            f"market-{code}",
            labeller.label("mk", code),
            counts.enterprises,
            search_url(market=code),
            percent(counts.enterprises, exporters),
        )
        for code, counts in sorted(
            values.items(), key=lambda item: (-item[1].enterprises, item[0])
        )
    ]


def health_figures(agg: Aggregate) -> list[Figure]:
    return [
        Figure(
            "stale",
            _("profiles not confirmed in 12 months"),
            agg.stale,
            search_url(stale="1"),
            percent(agg.stale, agg.total.enterprises),
        ),
        Figure(
            "incomplete",
            _("incomplete profiles"),
            agg.incomplete,
            search_url(incomplete="1"),
            percent(agg.incomplete, agg.total.enterprises),
        ),
        Figure(
            "uscc_warnings",
            _("USCC warnings (check character fails)"),
            agg.count("uw:yes"),
            search_url(uscc_warning="yes"),
        ),
        *pending_reviews(),
    ]


def pending_reviews() -> list[Figure]:
    """Pending claims and open change requests, linked to the review queue."""
    queue = reverse("review")
    return [
        Figure(
            "claims",
            _("pending claims"),
            Claim.objects.filter(status=Claim.Status.PENDING).count(),
            queue + "?kind=claims",
        ),
        Figure(
            "change_requests",
            _("pending change requests"),
            ChangeRequest.objects.filter(status=ChangeRequest.Status.OPEN).count(),
            queue + "?kind=changes",
        ),
        Figure(
            "duplicates",
            _("likely duplicates"),
            open_pairs().count(),
            reverse("review-duplicates"),
        ),
    ]
