"""Enterprise search: one implementation for the pages, the API and exports.

SQL here is assembled from constant fragments only; every value is a bound parameter.

A :class:`Search` is parsed from query parameters (the URL holds the whole state) and
turns into SQL against the ``search_vector`` and ``facets`` columns (both GIN):

* the text query is a tsquery built in Python (:mod:`core.textsearch.text`);
* a facet filter is array containment (``facets @> '{se:swimwear}'``), several values
  of one facet are ORed (``facets && ...``), facets are ANDed;
* facet counts come from one ``unnest(facets)`` aggregate per query, exact up to
  ``EXACT_LIMIT`` matches; above that, the total and the counts are estimated from a
  block sample of the table and labelled as estimates;
* ranking: exact name, then name prefix, then text rank. For broad result sets
  (more than ``EXACT_LIMIT``) ranking every match would cost too much: the exact and
  prefix name matches are pinned first and the rest follow by id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.textsearch.text import normalize
from core.textsearch.text import query as build_tsquery
from enterprises.health import (
    INCOMPLETE_BELOW,
    completeness_sql,
    stale_before,
    stale_sql,
)
from enterprises.models import Enterprise
from enterprises.permissions import (
    usable_facets,
    usable_health_filters,
    visible_enterprise_sql,
)
from enterprises.search.indexing import FACETS


def read_alias() -> str:
    """The database the search reads from: a replica in a safe request that may use
    one (core/replicas.py), else the primary. Raw SQL does not pass the router."""
    return router.db_for_read(Enterprise)


EXACT_LIMIT = 10_000
SAMPLE_ROWS = 5_000
# Above this planner estimate a search is taken as broad without counting; below
# a tenth of EXACT_LIMIT it is counted exactly without a cap.
BROAD_ESTIMATE = 5 * EXACT_LIMIT
# The planner underestimates searches that combine correlated conditions (兴城 and
# 泳装 and city 211400): from this estimate on, the block sample (needed anyway for
# a broad result) is taken first and decides.
SAMPLE_FIRST_ESTIMATE = 200
# Broad results up to this offset are read by walking an index in sort order.
WALK_LIMIT = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
PINNED_LIMIT = 50
MAX_QUERY_CHARS = 200
MAX_VALUES_PER_FACET = 20

PARAM_TO_FACET = {param: code for code, param in FACETS.items()}
VALUE_RE = re.compile(r"^[A-Za-z0-9_+\-]{1,40}$")
UPDATED_PRESETS = {"30d": 30, "90d": 90, "1y": 365, "2y": 730}
# Data-health switches (staff dashboard links): ?stale=1, ?incomplete=1.
HEALTH_PARAMS = ("stale", "incomplete")
TRUE_VALUES = ("1", "yes", "true", "on")

SORTS = {
    "relevance": _("Relevance"),
    "name": _("Name"),
    "-updated": _("Recently updated"),
    "-founded": _("Newest founded"),
    "founded": _("Oldest founded"),
}
SORT_ORDER = {
    "name": ["name", "id"],
    "-updated": ["-updated_at", "-id"],
    "-founded": ["-founded_year", "id"],
    "founded": ["founded_year", "id"],
}

TABLE = Enterprise._meta.db_table


@dataclass
class Search:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet code -> values
    updated_since: dt.date | None = None
    updated_param: str = ""
    sort: str = "relevance"
    stale: bool = False  # not confirmed in 12 months (enterprises.health)
    incomplete: bool = False  # completeness score under INCOMPLETE_BELOW
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    errors: list[str] = field(default_factory=list)

    # --- parsing ---------------------------------------------------------------

    @classmethod
    def from_params(cls, params: QueryDict, user=None) -> Search:
        """Parse query parameters; bad values are dropped with a message. With
        ``user``, so are the filters that user may not use (see :meth:`for_user`)."""
        search = cls()
        search.q = " ".join((params.get("q") or "").split())[:MAX_QUERY_CHARS]
        for param, code in PARAM_TO_FACET.items():
            values = []
            for raw in params.getlist(param)[:MAX_VALUES_PER_FACET]:
                for value in raw.split(","):
                    value = value.strip()
                    if not value:
                        continue
                    if VALUE_RE.match(value):
                        values.append(value)
                    else:
                        search.errors.append(str(_("Ignored an invalid filter value.")))
            if values:
                search.filters[code] = list(dict.fromkeys(values))
        updated = (params.get("updated") or "").strip()
        if updated:
            if updated in UPDATED_PRESETS:
                search.updated_since = timezone.localdate() - dt.timedelta(
                    days=UPDATED_PRESETS[updated]
                )
                search.updated_param = updated
            else:
                try:
                    search.updated_since = dt.date.fromisoformat(updated)
                    search.updated_param = updated
                except ValueError:
                    search.errors.append(
                        str(_("“Updated since” must be a date (YYYY-MM-DD)."))
                    )
        for name in HEALTH_PARAMS:
            value = (params.get(name) or "").strip().lower()
            if value in TRUE_VALUES:
                setattr(search, name, True)
            elif value:
                search.errors.append(str(_("Ignored an invalid filter value.")))
        sort = params.get("sort") or ""
        if sort in SORTS:
            search.sort = sort
        elif sort:
            search.errors.append(str(_("Unknown sort order; sorted by relevance.")))
        if search.sort == "relevance" and not search.q:
            search.sort = "-updated" if not sort else search.sort
        search.page = _positive_int(params.get("page"), 1, 100_000)
        search.page_size = _positive_int(
            params.get("page_size"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
        )
        return search if user is None else search.for_user(user)

    def for_user(self, user) -> Search:
        """Drop the filters ``user`` may not use: a filter on a field the user may
        not see (``enterprises.permissions.usable_facets``) is ignored, as an
        unknown parameter would be. Returns the search itself."""
        usable = usable_facets(user)
        self.filters = {c: v for c, v in self.filters.items() if c in usable}
        health = usable_health_filters(user)
        for name in HEALTH_PARAMS:
            if name not in health:
                setattr(self, name, False)
        return self

    @cached_property
    def tsquery(self) -> str | None:
        return build_tsquery(self.q) if self.q else None

    @cached_property
    def normalized_q(self) -> str:
        return normalize(self.q) if self.q else ""

    @property
    def has_text(self) -> bool:
        return bool(self.q)

    @property
    def matches_nothing(self) -> bool:
        """A query with no searchable token (only punctuation) matches nothing."""
        return bool(self.q) and self.tsquery is None

    # --- SQL -----------------------------------------------------------------

    def where(
        self, user, *, table: str = TABLE, exclude_facet: str | None = None
    ) -> tuple[str, list]:
        """The WHERE condition (SQL, params) for this search as seen by ``user``:
        of the entries the user may see, and without the filters the user may not
        use."""
        parts, params = visible_enterprise_sql(user, table)
        usable = usable_facets(user)
        health = usable_health_filters(user)
        if self.matches_nothing:
            parts.append("FALSE")
        elif self.tsquery:
            parts.append(f"{table}.search_vector @@ %s::tsquery")
            params.append(self.tsquery)
        required: list[str] = []
        for code, values in self.filters.items():
            if code == exclude_facet or exclude_facet == "*" or code not in usable:
                continue
            keys = [f"{code}:{v}" for v in values]
            if len(keys) == 1:
                required.append(keys[0])
            else:
                parts.append(f"{table}.facets && %s::varchar[]")
                params.append(keys)
        if required:
            parts.append(f"{table}.facets @> %s::varchar[]")
            params.append(required)
        if self.stale and "stale" in health:
            parts.append(stale_sql(table))
            params.append(stale_before())
        if self.incomplete and "incomplete" in health:
            parts.append(f"{completeness_sql(table)} < %s")
            params.append(INCOMPLETE_BELOW)
        if self.updated_since:
            parts.append(f"{table}.updated_at >= %s")
            params.append(
                dt.datetime.combine(
                    self.updated_since,
                    dt.time.min,
                    tzinfo=timezone.get_current_timezone(),
                )
            )
        return (" AND ".join(parts) or "TRUE"), params

    def facet_condition(self, code: str, table: str = TABLE) -> tuple[str, list]:
        """The condition of one facet's selected values (ORed)."""
        keys = [f"{code}:{v}" for v in self.filters[code]]
        return f"{table}.facets && %s::varchar[]", [keys]

    def queryset(self, user) -> QuerySet[Enterprise]:
        """Matching enterprises, unordered (callers order or stream them)."""
        sql, params = self.where(user)
        return Enterprise.objects.extra(where=[sql], params=params)  # noqa: S610

    def _tier_sql(self) -> tuple[str, list]:
        nq = self.normalized_q
        like = _like_prefix(nq)
        return (
            f"CASE WHEN {TABLE}.name = %s OR lower({TABLE}.name_en) = %s THEN 0 "
            f"WHEN {TABLE}.name LIKE %s OR lower({TABLE}.name_en) LIKE %s "
            f"OR {TABLE}.short_name LIKE %s THEN 1 ELSE 2 END",
            [nq, nq, like, like, like],
        )

    def ordered(self, user, *, broad: bool) -> QuerySet[Enterprise]:
        queryset = self.queryset(user)
        if self.sort != "relevance" or not self.tsquery:
            return queryset.order_by(*SORT_ORDER.get(self.sort, ["-updated_at", "-id"]))
        if broad:
            return queryset.order_by("id")
        tier_sql, tier_params = self._tier_sql()
        return queryset.annotate(
            tier=RawSQL(tier_sql, tier_params),
            rank=RawSQL(
                f"ts_rank_cd({TABLE}.search_vector, %s::tsquery)", [self.tsquery]
            ),
        ).order_by("tier", "-rank", "id")

    def pinned(self, user) -> list[int]:
        """Ids of exact and prefix name matches, for broad relevance-sorted results.

        Two steps, so that the planner cannot pick a scan of every text match:
        candidates by exact name and name prefix (btree indexes), then those the
        search matches.
        """
        candidates = name_matches(self.q, user, PINNED_LIMIT * 20)
        if not candidates:
            return []
        tier_sql, tier_params = self._tier_sql()
        queryset = (
            self.queryset(user)
            .filter(id__in=candidates)
            .annotate(tier=RawSQL(tier_sql, tier_params))
            .order_by("tier", "name", "id")
        )
        return list(queryset.values_list("id", flat=True)[:PINNED_LIMIT])

    # --- URL state -------------------------------------------------------------

    def params(self, **changes) -> QueryDict:
        """The query parameters of this search, with changes (value None removes)."""
        out = QueryDict(mutable=True)
        if self.q:
            out["q"] = self.q
        for code, values in self.filters.items():
            out.setlist(FACETS[code], values)
        if self.updated_param:
            out["updated"] = self.updated_param
        for name in HEALTH_PARAMS:
            if getattr(self, name):
                out[name] = "1"
        if self.sort not in ("relevance", "-updated") or (
            self.sort == "-updated" and self.q
        ):
            out["sort"] = self.sort
        if self.page_size != DEFAULT_PAGE_SIZE:
            out["page_size"] = str(self.page_size)
        for key, value in changes.items():
            if value is None:
                out.pop(key, None)
            elif isinstance(value, list):
                out.setlist(key, value)
            else:
                out[key] = str(value)
        return out

    def is_selected(self, code: str, value: str) -> bool:
        return value in self.filters.get(code, [])


def name_matches(text: str, user, limit: int) -> list[int]:
    """Ids of visible enterprises named ``text`` exactly, then by prefix (btree
    indexes only: fast enough to run on every keystroke)."""
    nq = normalize(text) if text else ""
    if not nq:
        return []
    parts, params = visible_enterprise_sql(user)
    found: list[int] = []
    for condition, values in (
        (f"({TABLE}.name = %s OR lower({TABLE}.name_en) = %s)", [nq, nq]),
        (
            f"({TABLE}.name LIKE %s OR lower({TABLE}.name_en) LIKE %s)",
            [_like_prefix(nq)] * 2,
        ),
    ):
        more = Enterprise.objects.extra(  # noqa: S610
            where=[*parts, condition], params=[*params, *values]
        ).exclude(id__in=found)
        found += list(more.values_list("id", flat=True)[: limit - len(found)])
        if len(found) >= limit:
            break
    return found


def first_matches(search: Search, user, limit: int, *, exclude: list[int]) -> list:
    """The first ``limit`` matches by id, planned by how many there are: a
    bitmap scan when they are few, a walk of the primary key when they are many
    (the planner often guesses wrong between the two for text searches)."""
    where_sql, params = search.where(user)
    broad = estimate(where_sql, params) > BROAD_ESTIMATE
    queryset = search.queryset(user).exclude(id__in=exclude).order_by("id")
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        setting = "enable_bitmapscan" if broad else "enable_indexscan"
        cursor.execute(f"SET LOCAL {setting} = off")
        return list(queryset.select_related("city")[:limit])


def _positive_int(raw, default: int, maximum: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return min(max(value, 1), maximum)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --- Executing a search -------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class Result:
    search: Search
    total: int
    estimated: bool
    rows: list[Enterprise]
    facets: dict[str, list[FacetValue]]

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.search.page_size))

    @property
    def has_next(self) -> bool:
        return self.search.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.search.page > 1


def capped_count(
    where_sql: str, params: list, cap: int = EXACT_LIMIT, *, use_index: bool = False
) -> int:
    """Count matches, stopping after ``cap + 1``.

    With ``use_index``, the text index is used even where the planner would scan
    the table: a scan must read every row's (large) search document until it has
    ``cap`` matches, the index knows them at once.
    """
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        if use_index:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {where_sql} "  # noqa: S608
            f"LIMIT {int(cap) + 1}) AS capped",
            params,
        )
        return cursor.fetchone()[0]


def _sample_percent() -> float:
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [TABLE]
        )
        row = cursor.fetchone()
    total = max(float(row[0]) if row else 0.0, 1.0)
    return min(100.0, max(0.01, 100.0 * SAMPLE_ROWS / total))


def facet_counts(
    where_sql: str, params: list, *, sample_percent: float | None = None
) -> tuple[dict[str, int], int]:
    """Counts per facet key (and the number of matching rows) for a condition.

    With ``sample_percent``, counted over a repeatable block sample and scaled up.
    """
    source = TABLE
    if sample_percent is not None and sample_percent < 100:
        source = f"{TABLE} TABLESAMPLE SYSTEM ({sample_percent:.4f}) REPEATABLE (7)"
    sql = (
        f"WITH matched AS (SELECT facets FROM {source} WHERE {where_sql}) "  # noqa: S608
        "SELECT key, count(*) FROM matched, unnest(matched.facets) AS key GROUP BY key "
        "UNION ALL SELECT NULL, count(*) FROM matched"
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    scale = 100.0 / sample_percent if sample_percent and sample_percent < 100 else 1.0
    counts: dict[str, int] = {}
    total = 0
    for key, count in rows:
        if key is None:
            total = round(count * scale)
        else:
            counts[key] = round(count * scale)
    return counts, total


def estimate(where_sql: str, params: list) -> int:
    """The planner's estimate of the number of matches (no rows are read)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} WHERE {where_sql}",  # noqa: S608
            params,
        )
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def sampled_facet_counts(
    search: Search, user, *, with_facets: bool
) -> tuple[dict[str, int], int]:
    """Estimated facet counts and total from one pass over a block sample.

    A facet with selected values is counted without its own filter (so the
    alternatives show), all in the same pass: each facet filter becomes a column
    of the sample and the counts are FILTERed by the others.
    """
    common_sql, common_params = search.where(user, exclude_facet="*")
    groups = [(code, *search.facet_condition(code)) for code in search.filters]
    percent = _sample_percent()
    columns = "".join(f", {cond} AS g{i}" for i, (_c, cond, _p) in enumerate(groups))
    column_params = [p for _c, _cond, ps in groups for p in ps]

    def all_but(skip: int | None) -> str:
        conds = [f"g{i}" for i in range(len(groups)) if i != skip]
        return " AND ".join(conds) or "TRUE"

    selects = ", ".join(
        [f"count(*) FILTER (WHERE {all_but(None)})"]
        + [f"count(*) FILTER (WHERE {all_but(i)})" for i in range(len(groups))]
    )
    sql = (
        f"WITH s AS (SELECT facets{columns} FROM {TABLE} "  # noqa: S608
        f"TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (7) WHERE {common_sql}) "
        f"SELECT NULL, {selects} FROM s"
    )
    if with_facets:
        sql += (
            f" UNION ALL SELECT key, {selects} FROM s, unnest(s.facets) AS key "
            "GROUP BY key"
        )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, column_params + common_params)
        rows = cursor.fetchall()
    scale = 100.0 / percent if percent < 100 else 1.0
    index = {code: i for i, (code, _c, _p) in enumerate(groups)}
    counts: dict[str, int] = {}
    total = 0
    for key, everything, *without in rows:
        if key is None:
            total = round(everything * scale)
            continue
        code = key.partition(":")[0]
        count = without[index[code]] if code in index else everything
        if count:
            counts[key] = round(count * scale)
    return counts, total


def run(search: Search, user, *, with_facets: bool = True) -> Result:
    """Execute a search: the page of rows, the total and the facet counts (of the
    facets ``user`` may use)."""
    search.for_user(user)
    where_sql, params = search.where(user)
    planned = estimate(where_sql, params)
    sampled = None
    if planned > BROAD_ESTIMATE:
        broad = True
    else:
        if planned >= SAMPLE_FIRST_ESTIMATE:
            sampled = sampled_facet_counts(search, user, with_facets=with_facets)
        if sampled and sampled[1] >= 1.5 * EXACT_LIMIT:
            broad = True
        else:
            exact_total = capped_count(
                where_sql, params, use_index=bool(search.tsquery)
            )
            broad = exact_total > EXACT_LIMIT
    counts: dict[str, int] = {}
    if broad:
        counts, sampled_total = sampled or sampled_facet_counts(
            search, user, with_facets=with_facets
        )
        total = max(sampled_total, EXACT_LIMIT + 1)
    else:
        total = exact_total
        if with_facets:
            counts, _t = facet_counts(where_sql, params)
            # A facet with a selected value counts its alternatives without its
            # own filter, so another value can be added to the selection.
            for code in search.filters:
                sql, p = search.where(user, exclude_facet=code)
                own, _t = facet_counts(sql, p)
                for key in list(counts):
                    if key.startswith(code + ":"):
                        del counts[key]
                counts.update(
                    {k: v for k, v in own.items() if k.startswith(code + ":")}
                )

    rows = _page_rows(search, user, broad=broad, total=total)
    usable = usable_facets(user)
    facets: dict[str, list[FacetValue]] = {}
    for key, count in counts.items():
        code, _sep, value = key.partition(":")
        if code not in usable:
            continue
        facets.setdefault(code, []).append(
            FacetValue(value, count, search.is_selected(code, value))
        )
    for code, values in search.filters.items():  # keep selected values visible
        present = {f.value for f in facets.get(code, [])}
        for value in values:
            if value not in present:
                facets.setdefault(code, []).append(FacetValue(value, 0, True))
    for values in facets.values():
        values.sort(key=lambda f: (-f.count, f.value))
    return Result(search, total, broad, rows, facets if with_facets else {})


def _page_rows(search: Search, user, *, broad: bool, total: int) -> list[Enterprise]:
    size = search.page_size
    offset = (min(search.page, max(1, -(-total // size))) - 1) * size
    base = search.ordered(user, broad=broad).select_related("region", "city")
    if not broad:
        return list(base[offset : offset + size])
    head: list[Enterprise] = []
    if search.sort == "relevance" and search.tsquery:
        # Exact and prefix name matches first, then the rest by id.
        pinned = search.pinned(user)
        if pinned:
            base = base.exclude(id__in=pinned)
        ids = pinned[offset : offset + size]
        if ids:
            found = Enterprise.objects.filter(id__in=ids).select_related(
                "region", "city"
            )
            head = sorted(found, key=lambda e: ids.index(e.id))
        offset = max(0, offset - len(pinned))
        size -= len(head)
        if not size:
            return head
    if offset + size > WALK_LIMIT:
        return head + list(base[offset : offset + size])
    # Thousands of rows match: for the first pages, walking an index in the sort
    # order and stopping after a page beats collecting every match (a bitmap scan)
    # and sorting it, which the planner picks when it underestimates the matches.
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        return head + list(base[offset : offset + size])
