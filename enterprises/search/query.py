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
* ranking (:mod:`enterprises.search.ranking`): exact name, then name prefix, then
  active firms before inactive ones, name matches before product matches before the
  rest, by rank; the same at any size of result;
* filler words never restrict a result; when the other words match nothing
  together, the most of them that match something are searched, and the result
  names the words dropped (:attr:`Search.dropped`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

from django.db import connections
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.textsearch.text import Parsed, normalize, parse
from enterprises.health import (
    INCOMPLETE_BELOW,
    completeness_sql,
    stale_before,
    stale_sql,
)
from enterprises.models import Enterprise
from enterprises.permissions import (
    sees_drafts,
    usable_facets,
    usable_health_filters,
    visible_enterprise_sql,
)
from enterprises.search import counting, homophones
from enterprises.search.indexing import FACETS
from enterprises.search.ranking import DENSE_SHARE, RANKED_LIMIT, relevance_ids
from enterprises.search.relaxing import relax, suggestions
from enterprises.search.sampling import (
    SAMPLE_ROWS,
    TABLE,
    index_only,
    read_alias,
    sample_percent,
    table_rows,
)

# Broad results up to this offset are read by walking an index in sort order.
WALK_LIMIT = 200
# A broad text search's walk reads at most this many times the rows its share of
# the table predicts (_walked_text).
WALK_SLACK = 4
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
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
    # by name: pinyin order in Chinese, A-Z by English name otherwise
    # (enterprises.names.sort_keys; see sort_order)
    "name": ["name_sort", "id"],
    "name_en": ["name_sort_en", "id"],
    "-updated": ["-updated_at", "-id"],
    "-founded": ["-founded_year", "-id"],
    "founded": ["founded_year", "id"],
}

# Sorts whose order an index gives: browsing without a query walks it and stops
# after a page. A text query does not: its matches may all lie at one end of the
# order (兴城 泳装 by name: 兴城…), and the walk would read the whole table.
WALKED_SORTS = ("name", "-updated", "-founded", "founded")


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
    # The words searched when not all of them could match (see run), and the others.
    matched_words: tuple | None = None
    dropped: list[str] = field(default_factory=list)
    # Set when names that sound the same were added: the number found as typed
    # (enterprises.search.homophones).
    exact_matches: int | None = None

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
    def parsed(self) -> Parsed:
        return parse(self.q) if self.q else Parsed(())

    @property
    def tsquery(self) -> str | None:
        if not self.q:
            return None
        if self.exact_matches is not None:
            return self.parsed.homophone_query(self.matched_words)
        return self.parsed.tsquery(self.matched_words)

    @property
    def matched_text(self) -> str:
        """The words searched, when not all of them could match."""
        return " ".join(w.text for w in self.matched_words or ())

    @property
    def rank_tsquery(self) -> str | None:
        return self.parsed.rank_query() if self.q else None

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
        self,
        user,
        *,
        table: str = TABLE,
        exclude_facet: str | None = None,
        vector: str | None = None,
    ) -> tuple[str, list]:
        """The WHERE condition (SQL, params) for this search as seen by ``user``:
        of the entries the user may see, and without the filters the user may not
        use. ``vector``: the tsvector expression the text must match (default the
        whole search document)."""
        parts, params = visible_enterprise_sql(user, table)
        usable = usable_facets(user)
        health = usable_health_filters(user)
        if self.matches_nothing:
            parts.append("FALSE")
        elif self.tsquery:
            parts.append(f"{vector or table + '.search_vector'} @@ %s::tsquery")
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
        """Matching enterprises, unordered (callers order or stream them), without
        their search document (kilobytes a row, read by SQL only)."""
        sql, params = self.where(user)
        return Enterprise.objects.extra(where=[sql], params=params).defer(  # noqa: S610
            "search_vector"
        )

    def ordered(self, user) -> QuerySet[Enterprise]:
        """Matching enterprises in a sort order other than relevance (or by id)."""
        order = SORT_ORDER.get(sort_order(self.sort), ["id"] if self.tsquery else None)
        return self.queryset(user).order_by(*(order or ["-updated_at", "-id"]))

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


def sort_order(sort: str) -> str:
    """The order a sort option means in the active language: by name is pinyin
    order in Chinese and by English name in English."""
    if sort == "name" and not (get_language() or "").startswith("zh"):
        return "name_en"
    return sort


def fetch(ids: list[int], columns: tuple[str, ...] | None = None) -> list[Enterprise]:
    """The entries ``ids`` in that order: with ``columns``, only those (a page that
    shows a few of the fields, whose places it names from core.regions); else every
    column but the search document, with the places."""
    if columns:
        found = _only(ids, columns)
    else:
        found = list(
            Enterprise.objects.filter(id__in=ids)
            .select_related("region", "city")
            .defer("search_vector")
        )
    by_id = {e.id: e for e in found}
    return [by_id[i] for i in ids if i in by_id]


def _only(ids: list[int], columns: tuple[str, ...]) -> list[Enterprise]:
    """``Enterprise.objects.filter(id__in=ids).only(*columns)``, with its SQL made
    once a process per set of columns and each value through its field's
    converters, as the ORM's: building and compiling the query cost more CPU than
    the statement's own time."""
    sql, fields = _only_sql(columns)
    alias = read_alias()
    connection = connections[alias]
    convert = [
        (i, field.get_col(TABLE), converters)
        for i, field in enumerate(fields)
        if (
            converters := field.get_db_converters(connection)
            + connection.ops.get_db_converters(field.get_col(TABLE))
        )
    ]
    names = [field.attname for field in fields]
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        for row in cursor.fetchall():
            values = list(row)
            for i, expression, converters in convert:
                for converter in converters:
                    values[i] = converter(values[i], expression, connection)
            found.append(Enterprise.from_db(alias, names, values))
    return found


@lru_cache(maxsize=16)
def _only_sql(columns: tuple[str, ...]) -> tuple[str, list]:
    opts = Enterprise._meta
    wanted = {opts.pk.name, *columns}
    # (In the model's order, which Model.from_db reads the values in.)
    fields = [f for f in opts.concrete_fields if f.name in wanted]
    if len(fields) != len(wanted):
        raise ValueError(f"not columns of {TABLE}: {sorted(wanted)}")
    selected = ", ".join(f'"{TABLE}"."{field.column}"' for field in fields)
    # (Constant names from the model's metadata; the ids are a parameter.)
    sql = f'SELECT {selected} FROM "{TABLE}" WHERE "{TABLE}"."id" = ANY(%s)'  # noqa: S608
    return sql, fields


def _positive_int(raw, default: int, maximum: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return min(max(value, 1), maximum)


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
    # Queries near one that found nothing, that do find something.
    suggestions: list[str] = field(default_factory=list)
    # What the total counts: "published" entries, or "with_drafts" (staff).
    counts: str = "published"
    # The facets whose counts are estimates though the total is exact: a selected
    # facet whose alternatives are more than EXACT_LIMIT (all are when estimated).
    estimated_facets: set[str] = field(default_factory=set)

    def facet_estimated(self, code: str) -> bool:
        return self.estimated or code in self.estimated_facets

    @property
    def dropped(self) -> list[str]:
        """Words of the query left out because not all of them could match."""
        return self.search.dropped

    @property
    def homophones(self) -> bool:
        """Whether names that sound like the query follow the exact matches."""
        return self.search.exact_matches is not None

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.search.page_size))

    @property
    def has_next(self) -> bool:
        return self.search.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.search.page > 1


def run(
    search: Search,
    user,
    *,
    with_facets: bool = True,
    columns: tuple[str, ...] | None = None,
) -> Result:
    """Execute a search: the page of rows, the total and the facet counts (of the
    facets ``user`` may use). Every statement uses the indexes (no sequential scan
    of the table and its search documents). ``columns``: the only fields the
    caller reads of the rows (see ``fetch``)."""
    with index_only():
        return _run(search, user, with_facets=with_facets, columns=columns)


def _run(
    search: Search, user, *, with_facets: bool, columns: tuple[str, ...] | None
) -> Result:
    search.for_user(user)
    total, broad, counts, estimated = counting.count(search, user, with_facets)
    near: list[str] = []
    if not broad and search.tsquery and homophones.widen(search, user, total):
        total, broad, counts, estimated = counting.count(search, user, with_facets)
    if not total and search.tsquery and not search.dropped:
        if len(search.parsed.required) > 1 and relax(search, user):
            total, broad, counts, estimated = counting.count(search, user, with_facets)
        else:
            near = suggestions(search, user)
    rows = (
        _page_rows(search, user, broad=broad, total=total, columns=columns)
        if total
        else []
    )
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
    counted = "with_drafts" if sees_drafts(user) else "published"
    return Result(
        search,
        total,
        broad,
        rows,
        facets if with_facets else {},
        near,
        counted,
        estimated if with_facets else set(),
    )


def _page_rows(
    search: Search,
    user,
    *,
    broad: bool,
    total: int,
    columns: tuple[str, ...] | None = None,
) -> list[Enterprise]:
    size = search.page_size
    offset = (min(search.page, max(1, -(-total // size))) - 1) * size
    relevance = search.sort == "relevance" and search.tsquery
    if relevance and search.exact_matches is not None:
        ids = homophones.ordered_ids(search, user, offset + size)[offset:]
        return fetch(ids, columns)
    if relevance and offset + size <= RANKED_LIMIT:
        dense = broad and total * sample_percent() / 100 >= DENSE_SHARE * SAMPLE_ROWS
        ids = relevance_ids(
            search, user, offset + size, total=None if broad else total, dense=dense
        )
        return fetch(ids[offset : offset + size], columns)
    # Thousands of rows match: for the first pages, walking an index in the sort
    # order and stopping after a page beats collecting every match (a bitmap scan)
    # and sorting it. Otherwise a bitmap scan of the indexes, never of the table.
    # A text query's matches come from its index (a bitmap), then are sorted,
    # unless a bounded walk finds the page (_walked_text).
    walk = broad and search.sort in WALKED_SORTS and offset + size <= WALK_LIMIT
    if walk and search.tsquery:
        found = _walked_text(search, user, offset, size, total)
        if found is not None:
            return fetch(found, columns)
        walk = False
    off = ["bitmapscan"] if walk else ["indexscan"] if search.tsquery else []
    # The page's ids first, then its rows with their places (fetch): joined in
    # one statement, the places were looked up for every match before the sort.
    with index_only(*off):
        ids = list(search.ordered(user).values_list("id", flat=True)[offset:][:size])
    return fetch(ids, columns)


def _walked_text(
    search: Search, user, offset: int, size: int, total: int
) -> list[int] | None:
    """The ids of a page of a broad text search in a sort order, by walking the
    order's index over the entries the search's filters select and testing each
    for the text; None when the walk's bound was reached before the page was
    complete. The bound is WALK_SLACK times the rows the result's share of the
    table predicts the page needs: a text that matches one end of the order only
    (兴城 by name: 兴城…) stops the walk early, and the caller sorts every match."""
    share = min(1.0, max(total, 1) / table_rows())
    bound = math.ceil(WALK_SLACK * (offset + size) / share)
    walked = (
        replace(search, q="")
        .ordered(user)
        .extra(  # noqa: S610
            select={"m": f"{TABLE}.search_vector @@ %s::tsquery"},
            select_params=[search.tsquery],
        )
        .values_list("id", "m")[:bound]
    )
    sql, params = walked.query.sql_with_params()
    with index_only("bitmapscan") as cursor:
        cursor.execute(
            f"SELECT w.id FROM ({sql}) AS w WHERE w.m "  # noqa: S608
            f"OFFSET {int(offset)} LIMIT {int(size)}",
            params,
        )
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) == size else None
