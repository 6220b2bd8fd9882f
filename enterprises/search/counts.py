"""Figures and charts for the staff dashboard and the cluster pages.

Everything about enterprises comes from one scan: the ``facets`` array of each
matching row is unnested and grouped, so counts by cluster, city, sector, business
model, export market and size band arrive together, each with its exporters and
high-quality manufacturers, plus the stale and incomplete profiles. The rows are the
ones :class:`enterprises.search.query.Search` selects for the same user, so a figure
equals what the search page shows for the URL it links to.

SQL here is assembled from constant fragments only; every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.utils import timezone

from enterprises.health import (
    INCOMPLETE_BELOW,
    completeness_sql,
    stale_before,
    stale_sql,
)
from enterprises.search.query import TABLE, Search
from enterprises.search.sampling import read_alias

EXPORTER_KEY = "ex:yes"
HIGH_QUALITY_KEY = "de:high_quality"
PROCESSING_KEY = "bm:processing"
MONTHS = 24


@dataclass
class Counts:
    """Enterprises, and of them exporters and high-quality manufacturers."""

    enterprises: int = 0
    exporters: int = 0
    high_quality: int = 0


@dataclass
class Aggregate:
    total: Counts
    stale: int
    incomplete: int
    keys: dict[str, Counts] = field(default_factory=dict)  # facet key -> counts

    def count(self, key: str) -> int:
        return self.keys[key].enterprises if key in self.keys else 0

    def values(self, code: str) -> dict[str, Counts]:
        """Counts per value of one facet (e.g. ``"se"`` -> sector codes)."""
        prefix = code + ":"
        return {
            key[len(prefix) :]: counts
            for key, counts in self.keys.items()
            if key.startswith(prefix)
        }


def published_total() -> int:
    """The number of published entries, exactly: what the list counts for a
    visitor without a query. The home page, the dashboard and the list's label
    all take the directory's published total from here."""
    where_sql, params = Search().where(AnonymousUser())
    sql = f"SELECT count(*) FROM {TABLE} WHERE {where_sql}"  # noqa: S608
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _summary_columns() -> tuple[str, list]:
    """The counts of an :class:`Aggregate`'s total and cities (SQL, params): all,
    exporters, high-quality manufacturers, stale and incomplete profiles."""
    sql = (
        "count(*), "
        f"count(*) FILTER (WHERE {TABLE}.facets @> %s::varchar[]), "
        f"count(*) FILTER (WHERE {TABLE}.facets @> %s::varchar[]), "
        f"count(*) FILTER (WHERE {stale_sql(TABLE)}), "
        f"count(*) FILTER (WHERE {completeness_sql(TABLE)} < %s)"
    )
    return sql, [[EXPORTER_KEY], [HIGH_QUALITY_KEY], stale_before(), INCOMPLETE_BELOW]


def aggregate(search: Search, user) -> Aggregate:
    """All facet counts of the enterprises ``search`` finds for ``user``, exactly.

    Two parallel scans: the ``unnest(facets)`` counts, and per city (for the map)
    plus in total the exporters, high-quality manufacturers, stale and incomplete
    profiles. Exporters and high-quality counts per key are kept for cities only:
    computing them for every unnested key would double the cost.
    """
    where_sql, where_params = search.where(user)
    by_key = (
        f"SELECT key, count(*) FROM {TABLE}, unnest({TABLE}.facets) AS key "  # noqa: S608
        f"WHERE {where_sql} GROUP BY key"
    )
    summary, summary_params = _summary_columns()
    by_city = (
        f"SELECT {TABLE}.city_id, {summary} "  # noqa: S608
        f"FROM {TABLE} WHERE {where_sql} "
        f"GROUP BY GROUPING SETS (({TABLE}.city_id), ())"
    )
    result = Aggregate(total=Counts(), stale=0, incomplete=0)
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(by_key, where_params)
        for key, count in cursor.fetchall():
            result.keys[key] = Counts(count)
        cursor.execute(by_city, [*summary_params, *where_params])
        for (
            city,
            count,
            exporters,
            high_quality,
            stale,
            incomplete,
        ) in cursor.fetchall():
            counts = Counts(count, exporters, high_quality)
            if city is None:
                result.total = counts
                result.stale = stale
                result.incomplete = incomplete
            else:
                result.keys[f"ci:{city}"] = counts
    return result


CLUSTER_PREFIX = "cl:"


def cluster_aggregates(user) -> dict[str, Aggregate]:
    """:func:`aggregate` of every cluster at once (cluster slug -> its counts),
    for the enterprises ``user`` may see: two scans of the table in all, however
    many clusters there are, each row counted once for each of its clusters. For
    the task worker (core.sharedcache), not for a request."""
    where_sql, where_params = Search().where(user)
    clusters = f"unnest({TABLE}.facets) AS c(cluster)"
    in_cluster = "left(c.cluster, 3) = %s"
    by_key = (
        f"SELECT c.cluster, k.key, count(*) FROM {TABLE}, {clusters}, "  # noqa: S608
        f"unnest({TABLE}.facets) AS k(key) WHERE {where_sql} AND {in_cluster} "
        "GROUP BY c.cluster, k.key"
    )
    summary, summary_params = _summary_columns()
    by_city = (
        f"SELECT c.cluster, GROUPING({TABLE}.city_id), {TABLE}.city_id, "  # noqa: S608
        f"{summary} "
        f"FROM {TABLE}, {clusters} WHERE {where_sql} AND {in_cluster} "
        f"GROUP BY GROUPING SETS ((c.cluster, {TABLE}.city_id), (c.cluster))"
    )
    out: dict[str, Aggregate] = {}

    def of(key: str) -> Aggregate:
        slug = key[len(CLUSTER_PREFIX) :]
        if slug not in out:
            out[slug] = Aggregate(total=Counts(), stale=0, incomplete=0)
        return out[slug]

    with connections[read_alias()].cursor() as cursor:
        cursor.execute(by_key, [*where_params, CLUSTER_PREFIX])
        for cluster, key, count in cursor.fetchall():
            of(cluster).keys[key] = Counts(count)
        cursor.execute(by_city, [*summary_params, *where_params, CLUSTER_PREFIX])
        for row in cursor.fetchall():
            cluster, total, city, count, exporters, high_quality, stale, incomplete = (
                row
            )
            counts = Counts(count, exporters, high_quality)
            agg = of(cluster)
            if total:
                agg.total, agg.stale, agg.incomplete = counts, stale, incomplete
            elif city is not None:
                agg.keys[f"ci:{city}"] = counts
    return out


def month_starts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``months`` months, oldest first, this one last."""
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def updated_per_month(search: Search, user, months: int = MONTHS) -> list[tuple]:
    """(first day of month, profiles last updated in that month), local time."""
    starts = month_starts(timezone.localdate(), months)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(starts[0], dt.time.min, tzinfo=tz)
    where_sql, where_params = search.where(user)
    sql = (
        f"SELECT (date_trunc('month', {TABLE}.updated_at AT TIME ZONE %s))::date, "  # noqa: S608
        f"count(*) FROM {TABLE} WHERE {where_sql} AND {TABLE}.updated_at >= %s "
        "GROUP BY 1"
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, [str(tz), *where_params, since])
        found = dict(cursor.fetchall())
    return [(start, found.get(start, 0)) for start in starts]
