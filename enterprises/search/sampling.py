"""Counting a search: capped exact counts, planner estimates and block samples.

SQL here is assembled from constant fragments only; every value is a bound parameter.
Every statement runs with sequential scans off (:func:`index_only`): a scan of the
table reads every row's large search document.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from django.db import connections, router, transaction

from enterprises.models import Enterprise

if TYPE_CHECKING:
    from enterprises.search.query import Search

SAMPLE_ROWS = 5_000
TABLE = Enterprise._meta.db_table
# The table's size (pg_class.reltuples, which ANALYZE and VACUUM update) is read
# once per this many seconds per database, not once per search.
SIZE_TTL_S = 60.0
_sizes: dict[str, tuple[float, float]] = {}  # alias -> (read at, reltuples)


def read_alias() -> str:
    """The database the search reads from: a replica in a safe request that may use
    one (core/replicas.py), else the primary. Raw SQL does not pass the router."""
    return router.db_for_read(Enterprise)


@contextmanager
def index_only(*settings: str):
    """A block in which the planner may not scan the table sequentially (nor use
    the other plan kinds named, e.g. ``"indexscan"``), and its cursor. Nested in
    another, it adds its settings for its own statements, and none that the other
    has already made.

    Outside a transaction (a request's search), no transaction is opened: every
    statement of the block, of any cursor of the connection (the ORM's too), is
    sent with its ``SET LOCAL``s in one query string, which PostgreSQL runs as one
    implicit transaction that the settings end with, so a block costs no BEGIN,
    SET or COMMIT round trip of its own (under load each round trip waits for the
    server's backend, then this process, to be scheduled again). In a transaction
    (a test, a caller's atomic block), a transaction of its own (no savepoint)
    with the settings made and reset as statements."""
    alias = read_alias()
    connection = connections[alias]
    # The plan kinds an enclosing index_only() has already turned off (seqscan
    # among them, always).
    outer: frozenset[str] | None = getattr(connection, "_index_only", None)
    off = [name for name in ("seqscan", *settings) if name not in (outer or ())]
    prefixed = getattr(connection, "_index_only_prefixed", False)
    if outer is None and connection.get_autocommit():
        prefixed = not connection.in_atomic_block
    if prefixed:
        connection._index_only = (outer or frozenset()) | set(off)  # type: ignore[attr-defined]
        connection._index_only_prefixed = True  # type: ignore[attr-defined]
        try:
            if outer is None:
                with (
                    connection.execute_wrapper(_with_settings),
                    connection.cursor() as cursor,
                ):
                    yield cursor
            else:
                with connection.cursor() as cursor:
                    yield cursor
        finally:
            connection._index_only = outer  # type: ignore[attr-defined]
            connection._index_only_prefixed = outer is not None  # type: ignore[attr-defined]
        return
    # Outside a transaction the settings end with this one; inside, they are reset.
    reset = outer is not None or connection.in_atomic_block
    with (
        transaction.atomic(using=alias, savepoint=False),
        connection.cursor() as cursor,
    ):
        if off:
            cursor.execute(_settings(off, "off"))
        connection._index_only = (outer or frozenset()) | set(off)  # type: ignore[attr-defined]
        try:
            yield cursor
            if off and reset:
                cursor.execute(_settings(off, "DEFAULT"))
        finally:
            connection._index_only = outer  # type: ignore[attr-defined]


def settings_prefix(connection) -> tuple[str, int]:
    """The ``SET LOCAL``s a statement sent now must carry (index_only() outside a
    transaction), and how many results they add before the statement's own."""
    if not getattr(connection, "_index_only_prefixed", False):
        return "", 0
    names = sorted(connection._index_only, key=lambda name: (name != "seqscan", name))
    return _settings(names, "off") + "; ", len(names)


def _with_settings(execute, sql, params, many, context):
    """The execute wrapper of index_only() outside a transaction: the block's
    settings in the statement's query string. Not for executemany, nor a
    server-side cursor (DECLARE takes one statement): none runs in the block."""
    prefix, results = settings_prefix(context["connection"])
    wrapper = context["cursor"]
    if not prefix or many or getattr(wrapper.cursor, "name", None):
        return execute(sql, params, many, context)
    done = execute(prefix + sql, params, many, context)
    for _result in range(results):  # past each SET's result, to the statement's
        wrapper.nextset()
    return done


def index_only_rows(sql: str, params: list, *settings: str) -> list[tuple]:
    """The rows of one statement run in ``index_only(*settings)``: outside a
    transaction, one round trip."""
    with index_only(*settings) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _settings(names: list[str], value: str) -> str:
    return "; ".join(f"SET LOCAL enable_{name} TO {value}" for name in names)


def capped_count(where_sql: str, params: list, cap: int) -> int:
    """Count matches, stopping after ``cap + 1``, through the indexes: a scan must
    read every row's (large) search document until it has ``cap`` matches, the
    index knows them at once. Not by an index scan either: for a small cap (is
    there any match?) the planner would walk the rows in id order and read each
    one's document, all of them when there is none (190 ms at 10,000 rows, for
    each of the shortened words a query with no result tries)."""
    with index_only("indexscan") as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {where_sql} "  # noqa: S608
            f"LIMIT {int(cap) + 1}) AS capped",
            params,
        )
        return cursor.fetchone()[0]


def table_rows() -> float:
    """The planner's figure of the table's rows (cached for SIZE_TTL_S)."""
    alias = read_alias()
    now = time.monotonic()
    cached = _sizes.get(alias)
    if cached and now - cached[0] < SIZE_TTL_S:
        return cached[1]
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [TABLE]
        )
        row = cursor.fetchone()
    rows = max(float(row[0]) if row else 0.0, 1.0)
    _sizes[alias] = (now, rows)
    return rows


def sample_percent() -> float:
    return min(100.0, max(0.01, 100.0 * SAMPLE_ROWS / table_rows()))


def _sample(percent: float) -> str:
    if percent >= 100:
        return ""
    return f" TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (7)"


_sample_rows: dict[tuple[str, str], tuple[float, int]] = {}  # -> (read at, rows)


def sample_scale(percent: float) -> float:
    """From the block sample of ``percent`` of the table's pages to the table: the
    table's rows over the rows in the sampled pages (cached for SIZE_TTL_S). The
    sample's pages are always the same ones (REPEATABLE), and they hold more or
    fewer rows than their share of the pages: 4.8 % fewer in the bench's copy of
    1,000,000 entries, which made every estimate as much too low when scaled by
    the share of pages (100 / percent)."""
    if percent >= 100:
        return 1.0
    alias = read_alias()
    key = (alias, f"{percent:.4f}")
    now = time.monotonic()
    cached = _sample_rows.get(key)
    if cached is None or now - cached[0] >= SIZE_TTL_S:
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}{_sample(percent)}")  # noqa: S608
            cached = (now, cursor.fetchone()[0])
        _sample_rows[key] = cached
    rows = cached[1]
    return table_rows() / rows if rows else 100.0 / percent


def estimate(where_sql: str, params: list) -> int:
    """The planner's estimate of the number of matches (no rows are read)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} WHERE {where_sql}",  # noqa: S608
            params,
        )
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class Sample(NamedTuple):
    """What a pass over a block sample found, scaled up to the table."""

    counts: dict[str, int]  # facet key -> matches (a selected facet's without it)
    total: int  # matches of the whole search
    # facet code -> matches of the search without that facet's filter (the set
    # whose counts its alternatives are), for each facet with a selection
    without: dict[str, int]


def sampled_facet_counts(
    search: Search, user, *, with_facets: bool, percent: float | None = None
) -> Sample:
    """Estimated facet counts and total from one pass over a block sample (of
    ``percent`` of the table; 100: every row, exact counts).

    A facet with selected values is counted without its own filter (so the
    alternatives show), all in the same pass: each facet filter becomes a column
    of the sample and the counts are FILTERed by the others.
    """
    common_sql, common_params = search.where(user, exclude_facet="*")
    groups = [(code, *search.facet_condition(code)) for code in search.filters]
    percent = sample_percent() if percent is None else percent
    sample = _sample(percent)
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
        f"WITH s AS (SELECT facets{columns} FROM {TABLE}{sample} "  # noqa: S608
        f"WHERE {common_sql}) "
        f"SELECT NULL, {selects} FROM s"
    )
    if with_facets:
        sql += (
            f" UNION ALL SELECT key, {selects} FROM s, unnest(s.facets) AS key "
            "GROUP BY key"
        )
    with index_only() as cursor:
        cursor.execute(sql, column_params + common_params)
        rows = cursor.fetchall()
    scale = sample_scale(percent)
    index = {code: i for i, (code, _c, _p) in enumerate(groups)}
    counts: dict[str, int] = {}
    total = 0
    totals_without: dict[str, int] = {}
    for key, everything, *without in rows:
        if key is None:
            total = round(everything * scale)
            totals_without = {
                code: round(without[i] * scale) for code, i in index.items()
            }
            continue
        code = key.partition(":")[0]
        count = without[index[code]] if code in index else everything
        if count:
            counts[key] = round(count * scale)
    return Sample(counts, total, totals_without)
