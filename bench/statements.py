"""Load-independent figures of the search: SQL statements and buffers per kind.

Runs the bench's mixed log (bench/querymix.py) in process against the bench
database (the same one bench/run.py uses: BENCH_ENTERPRISES, var/bench-pg...) and
prints per kind of query the statements a search sends (SET LOCAL included), the
shared buffers its SELECTs touch (EXPLAIN (ANALYZE, BUFFERS): hit + read), and the
in-process time. Wall times depend on the machine's load; statements and buffers do
not, so a change to the search is judged by these. ``--json FILE`` also writes the
figures per query for a later comparison (``--compare FILE``).

    .venv/bin/python bench/statements.py [--json out.json] [--compare before.json]
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _env  # noqa: E402

_env.setup()

QUERIES = int(os.environ.get("BENCH_QUERIES", "300"))

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import translation  # noqa: E402

from bench import querymix  # noqa: E402
from enterprises.search.plans import capture  # noqa: E402
from enterprises.search.query import Search, run  # noqa: E402


def _buffers(node: dict) -> int:
    hit, read = node.get("Shared Hit Blocks", 0), node.get("Shared Read Blocks", 0)
    return int(hit) + int(read)


def measure(querystring: str) -> dict:
    user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run(Search.from_params(QueryDict(querystring)), user)
        ms = (time.perf_counter() - started) * 1000
    with capture(analyze=True) as captured:
        run(Search.from_params(QueryDict(querystring)), user)
    buffers = sum(_buffers(p.plan["Plan"]) for p in captured.plans)
    worst = max(captured.plans, key=lambda p: p.ms, default=None)
    return {
        "statements": len(queries.captured_queries),
        "selects": len(captured.plans),
        "buffers": buffers,
        "ms": ms,
        "worst_ms": worst.ms if worst else 0.0,
    }


def main() -> int:
    args = sys.argv[1:]
    out = args[args.index("--json") + 1] if "--json" in args else None
    before = None
    if "--compare" in args:
        before = json.loads(Path(args[args.index("--compare") + 1]).read_text())
    with translation.override("zh-hans"):
        mix = querymix.queries(QUERIES)
    figures = {}
    for _kind, q in mix:  # a first pass warms the cache: the second is measured
        run(Search.from_params(QueryDict(q)), AnonymousUser())
    for kind, q in mix:
        figures[q] = {"kind": kind, **measure(q)}
    load = os.getloadavg()[0]
    print(f"{len(mix)} queries, load average {load:.1f}")
    header = f"{'kind':<30} {'n':>4} {'stmts':>6} {'max':>4} {'buffers':>8} {'max':>7}"
    header += f" {'ms p50':>7}"
    if before:
        header += f"  | before: {'stmts':>6} {'buffers':>8}"
    print(header)
    kinds = sorted({f["kind"] for f in figures.values()})
    for kind in [*kinds, "all"]:
        rows = [
            (q, f) for q, f in figures.items() if kind == "all" or f["kind"] == kind
        ]
        stmts = [f["statements"] for _q, f in rows]
        bufs = [f["buffers"] for _q, f in rows]
        line = (
            f"{kind:<30} {len(rows):4d} {statistics.mean(stmts):6.1f} {max(stmts):4d} "
            f"{statistics.median(bufs):8.0f} {max(bufs):7d} "
            f"{statistics.median(f['ms'] for _q, f in rows):7.1f}"
        )
        if before:
            old = [before[q] for q, _f in rows if q in before]
            if old:
                line += (
                    f"  |         {statistics.mean(o['statements'] for o in old):6.1f} "
                    f"{statistics.median(o['buffers'] for o in old):8.0f}"
                )
        print(line)
    if out:
        Path(out).write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
