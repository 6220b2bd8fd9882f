"""Figures and charts for the staff dashboard and the cluster pages.

Everything about enterprises comes from one scan: the ``facets`` array of each
matching row is unnested and grouped, so counts by cluster, city, sector, business
model, export market and size band arrive together, each with its exporters and
high-quality manufacturers, plus the stale and incomplete profiles. The rows are the
ones :class:`enterprises.search.Search` selects for the same user, so a figure equals
what the search page shows for the URL it links to.

SQL here is assembled from constant fragments only; every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from enterprises.health import INCOMPLETE_BELOW, completeness_sql, stale_before
from enterprises.search import TABLE, Search

EXPORTER_KEY = "ex:yes"
HIGH_QUALITY_KEY = "de:high_quality"
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


def aggregate(search: Search, user) -> Aggregate:
    """All facet counts of the enterprises ``search`` finds for ``user``, exactly."""
    where_sql, where_params = search.where(user)
    sql = (
        f"WITH m AS MATERIALIZED (SELECT {TABLE}.facets, "  # noqa: S608
        f"{TABLE}.facets @> %s::varchar[] AS ex, "
        f"{TABLE}.facets @> %s::varchar[] AS hq, "
        f"({TABLE}.last_confirmed_on IS NULL OR {TABLE}.last_confirmed_on < %s) "
        "AS stale, "
        f"{completeness_sql(TABLE)} < %s AS incomplete "
        f"FROM {TABLE} WHERE {where_sql}) "
        "SELECT key, count(*), count(*) FILTER (WHERE ex), "
        "count(*) FILTER (WHERE hq), 0, 0 "
        "FROM m, unnest(m.facets) AS key GROUP BY key "
        "UNION ALL SELECT NULL, count(*), count(*) FILTER (WHERE ex), "
        "count(*) FILTER (WHERE hq), count(*) FILTER (WHERE stale), "
        "count(*) FILTER (WHERE incomplete) FROM m"
    )
    params = [
        [EXPORTER_KEY],
        [HIGH_QUALITY_KEY],
        stale_before(),
        INCOMPLETE_BELOW,
        *where_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = Aggregate(total=Counts(), stale=0, incomplete=0)
    for key, count, exporters, high_quality, stale, incomplete in rows:
        counts = Counts(count, exporters, high_quality)
        if key is None:
            result.total = counts
            result.stale = stale
            result.incomplete = incomplete
        else:
            result.keys[key] = counts
    return result


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
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(tz), *where_params, since])
        found = dict(cursor.fetchall())
    return [(start, found.get(start, 0)) for start in starts]
