"""Statistics from the current figures: sums per province, city, county, cluster
and sector per year (`statistics_refresh`, one set-based SQL statement, run as
a background task), and their rows as a reader may see them (`statistic_rows`:
shares of the province, change on last year, specialisation index; suppression
through `surveys.permissions`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse

from clusters.models import Cluster
from core.regions import region_names
from enterprises.choices import Sector
from enterprises.models import Enterprise
from surveys.figures import SUMMED
from surveys.models import EnterpriseFigures, Statistic
from surveys.permissions import statistics_years, suppress

PROVINCE = "21"  # Liaoning's GB/T 2260 prefix

WORK_MEM = "SET LOCAL work_mem = '256MB'"
# The planner estimates the first sums' groups (year, county, sectors, clusters)
# as their product of distinct values, ~40 times too many (2.8M for 72,000 at a
# million firms), and then sorts the 2.1M figure rows rather than hash them:
# 48 of the statement's 83 s. Nothing else in the statement sorts.
NO_SORT = "SET LOCAL enable_sort = off"
PLANNER_SETTINGS = f"{WORK_MEM}; {NO_SORT}"  # (one statement)


def _sums(alias: str) -> str:
    return (
        f"coalesce(sum({alias}.n), 0), coalesce(sum({alias}.employees), 0), "
        f"coalesce(sum({alias}.revenue), 0), coalesce(sum({alias}.output), 0), "
        f"coalesce(sum({alias}.exports), 0)"
    )


def _sql() -> list[str]:  # table names from model metadata, no input
    """The refresh as one INSERT … SELECT, one pass over the figures: the current
    figures, joined to their enterprises (the table is wide and read once) and
    to their clusters, are first summed per year and kind of enterprise (its
    county, city, sectors and clusters: a few thousand groups, ``g``); every
    statistic is then a sum over these groups: by year and province, city and
    county (GROUPING SETS), by year and sector (each of a group's sectors) and by
    year and cluster (each of its clusters)."""
    figures = EnterpriseFigures._meta.db_table
    enterprise = Enterprise._meta.db_table
    through = Enterprise.clusters.through._meta.db_table
    cluster = Cluster._meta.db_table
    stat = Statistic._meta.db_table
    sums = _sums("g")
    # GROUPING(city, county): 3 = neither (the province), 1 = the city's set.
    level = "GROUPING(g.city_id, g.region_id)"
    return [
        "WITH m AS ("  # noqa: S608
        "SELECT enterprise_id, array_agg(cluster_id ORDER BY cluster_id) AS ids "
        f'FROM "{through}" GROUP BY enterprise_id), '
        "g AS MATERIALIZED (SELECT f.year, e.city_id, e.region_id, e.sectors, "
        "m.ids, count(*) AS n, sum(f.employees) AS employees, "
        "sum(f.revenue) AS revenue, sum(f.output) AS output, "
        f'sum(f.exports) AS exports FROM "{figures}" f '
        f'JOIN "{enterprise}" e ON e.id = f.enterprise_id '
        "LEFT JOIN m ON m.enterprise_id = f.enterprise_id WHERE f.current "
        "GROUP BY f.year, e.city_id, e.region_id, e.sectors, m.ids) "
        f'INSERT INTO "{stat}" (year, area_kind, area, enterprises, employees, '
        "revenue, output, exports, sector, sector_employees, computed_at) "
        f"SELECT g.year, CASE {level} WHEN 3 THEN 'province' WHEN 1 THEN 'city' "
        f"ELSE 'county' END, CASE {level} WHEN 3 THEN '{PROVINCE}' "
        f"WHEN 1 THEN g.city_id ELSE g.region_id END, {sums}, '', 0, now() "
        "FROM g GROUP BY GROUPING SETS "
        "((g.year), (g.year, g.city_id), (g.year, g.region_id)) "
        f"UNION ALL SELECT g.year, 'sector', s.sector, {sums}, '', 0, now() "
        "FROM g CROSS JOIN LATERAL unnest(g.sectors) AS s(sector) "
        "GROUP BY g.year, s.sector "
        f"UNION ALL SELECT g.year, 'cluster', c.slug, {sums}, "
        "coalesce(c.sectors->>0, ''), coalesce(sum(g.employees) FILTER "
        "(WHERE (c.sectors->>0) = ANY(g.sectors)), 0), now() "
        "FROM g CROSS JOIN LATERAL unnest(g.ids) AS k(id) "
        f'JOIN "{cluster}" c ON c.id = k.id '
        "GROUP BY g.year, c.slug, c.sectors"
    ]


@transaction.atomic
def statistics_refresh() -> int:
    """Recompute every statistic from the current figures; returns the rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('surveys.statistics_refresh'))"
        )
        # The first sums are a hash over tens of thousands of groups: enough
        # memory, and no sort of the figures instead (see NO_SORT).
        cursor.execute(PLANNER_SETTINGS)
        cursor.execute(f'DELETE FROM "{Statistic._meta.db_table}"')  # noqa: S608
        for statement in _sql():
            cursor.execute(statement)
    return Statistic.objects.count()


@dataclass
class StatRow:
    year: int
    area_kind: str
    area: str
    label: str
    enterprises: int | None
    employees: int | None = None
    revenue: Decimal | None = None
    output: Decimal | None = None
    exports: Decimal | None = None
    share: dict[str, float | None] = field(default_factory=dict)
    change: dict[str, float | None] = field(default_factory=dict)
    specialisation: float | None = None
    suppressed: bool = False
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "year": self.year,
            "area_kind": self.area_kind,
            "area": self.area,
            "label": self.label,
            "enterprises": self.enterprises,
            "suppressed": self.suppressed,
        }
        for name in SUMMED:
            out[name] = getattr(self, name)
        for name in SUMMED:
            out[f"{name}_share"] = self.share.get(name)
        for name in SUMMED:
            out[f"{name}_change"] = self.change.get(name)
        out["specialisation"] = self.specialisation
        return out


def _ratio(a: Any, b: Any) -> float | None:
    if a is None or b is None or not b:
        return None
    return float(Decimal(a) / Decimal(b))


def _percent(a: Any, b: Any) -> float | None:
    ratio = _ratio(a, b)
    return None if ratio is None else round(ratio * 100, 1)


class Labels:
    """Names of the areas (regions, clusters, sectors) in the active language."""

    def __init__(self) -> None:
        self.regions = region_names()
        self.clusters = {
            c.slug: c.display_name
            for c in Cluster.objects.only("slug", "name", "name_en")
        }
        self.sectors = dict(Sector.choices)

    def label(self, kind: str, area: str) -> str:
        if kind == "province":
            return self.regions.get("210000", area)
        if kind == "cluster":
            return self.clusters.get(area, area)
        if kind == "sector":
            return str(self.sectors.get(area, area))
        return self.regions.get(area, area)


def _url(kind: str, area: str) -> str:
    if kind == "cluster":
        return reverse("surveys:statistics-cluster", args=[area])
    if kind in ("city", "county"):
        return reverse("surveys:statistics-area", args=[area])
    return ""


def statistic_rows(
    user: Any,
    *,
    years: list[int] | None = None,
    kinds: list[str] | None = None,
    areas: list[str] | None = None,
    labels: Labels | None = None,
) -> list[StatRow]:
    """The statistics ``user`` may see, with shares, changes and specialisation,
    suppressed where `surveys.permissions.suppress` says."""
    allowed = statistics_years(user)
    wanted = [y for y in (years or allowed) if y in allowed]
    if not wanted:
        return []
    needed = set(wanted) | {y - 1 for y in wanted}
    stored_q = Statistic.objects.filter(year__in=needed)
    if kinds or areas:
        # The rows asked for, and the province and sectors their shares and
        # specialisation are worked out against.
        wanted_q = Q()
        if kinds:
            wanted_q &= Q(area_kind__in=kinds)
        if areas:
            wanted_q &= Q(area__in=areas)
        stored_q = stored_q.filter(wanted_q | Q(area_kind__in=["province", "sector"]))
    stored = list(stored_q.order_by("year", "area_kind", "area"))
    labels = labels or Labels()
    by_key = {(s.year, s.area_kind, s.area): s for s in stored}
    province = {s.year: s for s in stored if s.area_kind == "province"}
    out = []
    for s in stored:
        if s.year not in wanted:
            continue
        if kinds and s.area_kind not in kinds:
            continue
        if areas and s.area not in areas:
            continue
        row = StatRow(
            year=s.year,
            area_kind=s.area_kind,
            area=s.area,
            label=labels.label(s.area_kind, s.area),
            enterprises=s.enterprises,
            url=_url(s.area_kind, s.area),
        )
        before = by_key.get((s.year - 1, s.area_kind, s.area))
        # Last year's sums show through the change: only when they may be seen.
        hidden_before = (
            before is None
            or before.year not in allowed
            or suppress(user, before.enterprises)
        )
        if suppress(user, s.enterprises):
            row.suppressed = True
            out.append(row)
            continue
        whole = province.get(s.year)
        for name in SUMMED:
            value = getattr(s, name)
            setattr(row, name, value)
            row.share[name] = _percent(value, getattr(whole, name) if whole else None)
            if hidden_before or before is None:  # (before: for the type checker)
                row.change[name] = None
            else:
                change = _ratio(value, getattr(before, name))
                row.change[name] = (
                    None if change is None else round((change - 1) * 100, 1)
                )
        if s.area_kind == "cluster" and s.sector:
            sector = by_key.get((s.year, "sector", s.sector))
            if whole and sector:
                index = _ratio(
                    _ratio(s.sector_employees, s.employees),
                    _ratio(sector.employees, whole.employees),
                )
                row.specialisation = None if index is None else round(index, 2)
        out.append(row)
    return out
