"""The relevance order of a text search, at any size of result.

Exact and prefix name matches come first (btree indexes, :func:`name_matches`).
The other matches follow in tiers: active firms before deregistered or revoked ones,
and for each, the entries whose *name* holds every word, then those whose name,
products, sectors or clusters do, then the rest (places, addresses, descriptions).
Each field tier is read through its own GIN index (an expression index on the part
of the search document with those weights, see ``FIELD_VECTORS``), so a broad query
(泳装 at 1,000,000 entries: 140,000 matches) reads a page of its best tier instead of
scoring every match. Within a tier the first ``CANDIDATES`` rows read are ordered by
``ts_rank`` over every word typed, fillers included (how many words match and where
they match), then by id; rows past them keep the order they are read in.

A tier is read with LIMIT and no ORDER BY: a bitmap scan of its index that stops
after the rows wanted. The next tier is read only when this one had fewer rows than
wanted, so the ids to exclude from it are few and known.

SQL here is assembled from constant fragments only; every value is a bound parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.textsearch.text import normalize, restricted
from enterprises.permissions import visible_enterprise_sql
from enterprises.search.sampling import TABLE, index_only, index_only_rows

if TYPE_CHECKING:
    from enterprises.search.query import Search

# Rows of a tier ranked by score; a relevance page deeper than RANKED_LIMIT rows
# falls back to the id order of the broad path.
CANDIDATES = 200
RANKED_LIMIT = 1_000
# A result of at most this many rows (counted exactly) is ordered in one statement.
RANK_ALL_LIMIT = 1_000
# Rows read in id order before a tier is read through its index, for a result
# that holds at least DENSE_SHARE of the table.
WALK_ROWS = 2_000
DENSE_SHARE = 0.2
PINNED_LIMIT = 50
ACTIVE = "active"
# The tiers: the document's lexemes of weight A (names) and A, B (names,
# products, sectors, clusters, designations), then the whole document. Their
# vectors have expression indexes of the same expressions in
# enterprises.migrations.
FIELD_WEIGHTS = ("A", "AB")
FIELD_VECTORS = (
    *(
        f"ts_filter({TABLE}.search_vector, '{{{','.join(weights.lower())}}}')"
        for weights in FIELD_WEIGHTS
    ),
    None,  # the whole document
)
# ts_rank weights of D, C, B, A (USCC, places, products, names).
RANK_WEIGHTS = "{0.05, 0.2, 0.5, 1.0}"


def like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def name_matches(text: str, user, limit: int) -> list[int]:
    """Ids of visible enterprises named ``text`` exactly, then by prefix (btree
    indexes only: fast enough to run on every keystroke)."""
    nq = normalize(text) if text else ""
    if not nq:
        return []
    return _name_matches(nq, user, limit)


def _name_matches_sql(nq: str, user, limit: int) -> tuple[str, list]:
    """One statement: (id, 0) of exact name matches, then (id, 1) of prefix ones,
    each read through its btree index and stopped at ``limit`` rows."""
    parts, params = visible_enterprise_sql(user)
    visible = " AND ".join(parts) or "TRUE"
    exact = f"({TABLE}.name = %s OR lower({TABLE}.name_en) = %s)"
    prefix = f"({TABLE}.name LIKE %s OR lower({TABLE}.name_en) LIKE %s)"
    like = like_prefix(nq)
    sql = (
        f"SELECT id, min(k) AS k FROM ("  # noqa: S608
        f"(SELECT {TABLE}.id, 0 AS k FROM {TABLE} WHERE {visible} AND {exact} "
        f"LIMIT %s) UNION ALL "
        f"(SELECT {TABLE}.id, 1 AS k FROM {TABLE} WHERE {visible} AND {prefix} "
        f"LIMIT %s)) AS named GROUP BY id ORDER BY min(k), id LIMIT %s"
    )
    return sql, [*params, nq, nq, limit, *params, like, like, 2 * limit, limit]


def _name_matches(nq: str, user, limit: int) -> list[int]:
    sql, params = _name_matches_sql(nq, user, limit)
    return [row[0] for row in index_only_rows(sql, params)]


def pinned(search: Search, user) -> list[int]:
    """Ids of exact and prefix name matches that the search matches, exact first.

    One statement in two steps, so that the planner cannot pick a scan of every
    text match: candidates by exact name and name prefix (btree indexes, a
    materialized CTE), then those the search matches.
    """
    nq = normalize(search.q) if search.q else ""
    if not nq:
        return []
    named_sql, named_params = _name_matches_sql(nq, user, PINNED_LIMIT * 20)
    where_sql, params = search.where(user)
    sql = (
        f"WITH named AS MATERIALIZED ({named_sql}) "  # noqa: S608
        f"SELECT {TABLE}.id FROM named JOIN {TABLE} ON {TABLE}.id = named.id "
        f"WHERE {where_sql} ORDER BY named.k, "
        f"{TABLE}.registration_status <> %s, {TABLE}.name, {TABLE}.id LIMIT %s"
    )
    with index_only() as cursor:
        cursor.execute(sql, [*named_params, *params, ACTIVE, PINNED_LIMIT])
        return [row[0] for row in cursor.fetchall()]


def _order_all(search: Search, user, need: int) -> list[int]:
    """The tiers as one ORDER BY, for a result small enough to score every row."""
    nq = normalize(search.q)
    where_sql, params = search.where(user)
    # The tiers of FIELD_VECTORS, as the query restricted to their weights: the
    # same rows (ts_filter copies every document's lexemes for each test).
    sql = (
        f"SELECT {TABLE}.id FROM {TABLE} WHERE {where_sql} ORDER BY "  # noqa: S608
        f"CASE WHEN {TABLE}.name = %s OR lower({TABLE}.name_en) = %s THEN 0 "
        f"WHEN {TABLE}.name LIKE %s OR lower({TABLE}.name_en) LIKE %s THEN 1 "
        f"ELSE 2 END, {TABLE}.registration_status <> %s, "
        f"CASE WHEN {TABLE}.search_vector @@ %s::tsquery THEN 0 "
        f"WHEN {TABLE}.search_vector @@ %s::tsquery THEN 1 ELSE 2 END, "
        f"ts_rank(%s::float4[], {TABLE}.search_vector, %s::tsquery) DESC, "
        f"{TABLE}.id LIMIT %s"
    )
    like = like_prefix(nq)
    tsquery = search.tsquery or ""
    tiers = [restricted(tsquery, weights) for weights in FIELD_WEIGHTS]
    values = [nq, nq, like, like, ACTIVE, *tiers, RANK_WEIGHTS]
    with index_only() as cursor:
        cursor.execute(sql, [*params, *values, search.rank_tsquery or tsquery, need])
        return [row[0] for row in cursor.fetchall()]


def _tier_sql(source: str, where_sql: str, status: str, unread: str = "") -> str:
    return (
        f"SELECT {TABLE}.id, ts_rank(%s::float4[], {TABLE}.search_vector, "
        f"%s::tsquery) FROM {source} WHERE {where_sql} "
        f"AND {TABLE}.registration_status {status} %s "
        f"AND NOT ({TABLE}.id = ANY(%s)){unread} LIMIT %s"
    )


def _walked(where_sql: str, status: str, values: list) -> list | None:
    """A tier's rows from the first WALK_ROWS rows by id, if they hold enough.

    Of a broad result a tier may hold a third of the table (服装 in the names of
    290,000 entries at 1,000,000): collecting all of it in a bitmap costs far more
    than reading rows in id order until the page is full. At most WALK_ROWS rows
    are read; a sparser tier is read through its index.
    """
    source = f"(SELECT * FROM {TABLE} ORDER BY {TABLE}.id LIMIT %s) AS {TABLE}"
    with index_only() as cursor:
        cursor.execute(
            _tier_sql(source, where_sql, status), [*values[:2], WALK_ROWS, *values[2:]]
        )
        rows = cursor.fetchall()
    return rows if len(rows) >= values[-1] else None


def relevance_ids(
    search: Search,
    user,
    need: int,
    *,
    total: int | None = None,
    dense: bool = False,
    names: list[int] | None = None,
) -> list[int]:
    """The first ``need`` ids of the search in relevance order (fewer if fewer
    match). ``total``: the exact number of matches, if known; ``dense``: whether
    the matches are a large share of the table (then tiers are walked first);
    ``names``: every exact and prefix name match, when the caller has them
    already (they come first, as ``pinned`` would find them)."""
    if total is not None and total <= RANK_ALL_LIMIT:
        return _order_all(search, user, need)
    out = list(names) if names is not None else pinned(search, user)
    if dense:
        return _tiers(search, user, need, out, dense=True)
    # Every tier through its index: the setting made once for all of them.
    with index_only("indexscan"):
        return _tiers(search, user, need, out, dense=False)


def _tiers(
    search: Search, user, need: int, out: list[int], *, dense: bool
) -> list[int]:
    """``out`` (the pinned name matches) and the tiers' matches after them."""
    seen = list(out)
    rank_query = search.rank_tsquery or search.tsquery
    for status in ("=", "<>"):
        for vector in FIELD_VECTORS:
            if len(out) >= need:
                return out
            where_sql, params = search.where(user, vector=vector)
            limit = max(CANDIDATES, need - len(out))
            values = [RANK_WEIGHTS, rank_query, *params, ACTIVE, seen, limit]
            rows = _walked(where_sql, status, values) if dense else None
            if rows is None:
                with index_only("indexscan") as cursor:
                    cursor.execute(_tier_sql(TABLE, where_sql, status), values)
                    rows = cursor.fetchall()
            head = sorted(rows[:CANDIDATES], key=lambda r: (-r[1], r[0]))
            ids = [pk for pk, _rank in head + rows[CANDIDATES:]]
            out += ids
            if len(rows) >= limit:  # not exhausted: enough for the page
                return out
            seen += ids
    return out


def suggestion_rows(
    search: Search, user, names: list[int], limit: int, columns: tuple[str, ...]
) -> list[tuple]:
    """The typeahead's first ``limit`` entries as rows of (id, *columns), in one
    statement: ``names`` (the exact and prefix name matches, :func:`name_matches`),
    then the tiers' matches in the order :func:`relevance_ids` gives them after
    those names. ``columns``: column names (constants).

    The tiers are the children of one UNION ALL under the LIMIT, each read as
    :func:`_tiers` reads it (``CANDIDATES`` rows without ORDER BY, then ordered by
    rank and id). PostgreSQL runs the children of an Append one after the other
    (parallel appends are turned off here) and stops when the LIMIT has its rows,
    so a tier is read only when those before it had too few, as in
    :func:`_tiers`: all of their rows were then read, and a tier leaves out those
    of the earlier tiers of its status by their conditions rather than by their
    ids. ``limit`` is at most ``CANDIDATES`` (every row of a tier is ranked)."""
    if limit > CANDIDATES:
        raise ValueError("a typeahead ranks at most CANDIDATES rows a tier")
    children = [
        "(SELECT n.id, n.k, 0::float4 AS r "
        "FROM unnest(%s::bigint[]) WITH ORDINALITY AS n(id, k))"
    ]
    params: list = [names]
    off = ["indexscan", "parallel_append"]
    if len(names) >= limit or not search.tsquery:
        off = []
    else:
        rank_query = search.rank_tsquery or search.tsquery
        tier = len(names) + 1
        for status in ("=", "<>"):
            unread = ""  # not a row of this status's tiers so far
            for vector in FIELD_VECTORS:
                where_sql, where_params = search.where(user, vector=vector)
                children.append(
                    f"(SELECT t.id, {tier}, t.r FROM "
                    f"({_tier_sql(TABLE, where_sql, status, unread)}) AS t(id, r) "
                    "ORDER BY t.r DESC, t.id)"
                )
                params += [RANK_WEIGHTS, rank_query, *where_params, ACTIVE, names]
                params += [search.tsquery] * unread.count("%s")
                params.append(CANDIDATES)
                if vector:  # (the whole document's tier comes last)
                    unread += f" AND NOT ({vector} @@ %s::tsquery)"
                tier += 1
    cols = ", ".join(f"e.{column}" for column in columns)
    sql = (
        f"SELECT e.id, {cols} FROM ("  # noqa: S608
        f"{' UNION ALL '.join(children)} LIMIT %s) AS s(id, k, r) "
        f"JOIN {TABLE} AS e ON e.id = s.id ORDER BY s.k, s.r DESC, s.id"
    )
    return index_only_rows(sql, [*params, limit], *off)
