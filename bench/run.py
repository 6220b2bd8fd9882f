"""`make bench`: search, typeahead and detail timings over HTTP, against the budgets.

Uses its own embedded database (var/bench-pg, or var/bench-pg-<N> for another
BENCH_ENTERPRISES; or BENCH_DATABASE_URL), seeded once with the demo generator and
reused. Starts the production server (gunicorn on config.wsgi, DEBUG off, 2
workers) on loopback and sends it a mixed query log generated from the data
(bench/querymix.py): cold (the first pass after a restart of PostgreSQL and of the
server) and warm. Prints p50/p95/p99 per kind of query, the slowest queries and the
plan of the slowest statement of the slowest query, and the throughput of 20
concurrent clients; exits non-zero when a budget of DESIGN.md is missed. Other
scripts in bench/ run after it on the same database when present, the last the
same mixed log against ParadeDB pg_search (bench/paradedb.py; skipped without the
[bench] extra or PARADEDB_URL). bench/statements.py (statements and buffers per
kind, load-independent) and bench/document_size.py run on their own.
"""

import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = int(os.environ.get("BENCH_ENTERPRISES", "1000000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "300"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = 20
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))

default_dir = "bench-pg" if TARGET == 1_000_000 else f"bench-pg-{TARGET}"
os.environ.setdefault("EMBEDDED_PG_DIR", str(ROOT / "var" / default_dir))
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_STATIC_ROOT", str(ROOT / "var" / "bench-static"))
# The search itself is measured, not the visitors' page cache (core.pagecache):
# the warm pass repeats the cold pass's addresses, which it would serve whole.
# bench/load.py measures the stack with it.
os.environ.setdefault("DJANGO_PAGE_CACHE_SECONDS", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402

from bench import querymix  # noqa: E402
from enterprises.models import Enterprise  # noqa: E402

# (p95 ms of search at 10,000, at 1,000,000), typeahead, detail, any request.
SEARCH_P95_MS = 30 if TARGET <= 10_000 else 100
BUDGETS_MS = {"search": SEARCH_P95_MS, "typeahead": 15, "detail": 30}
MAX_MS = 1000
MIN_SEARCHES_PER_S = 100  # at 10,000 with 20 clients


def ensure_data() -> None:
    call_command("migrate", verbosity=0)
    count = Enterprise.objects.count()
    if count >= TARGET:
        print(f"Reusing the bench database: {count:,} enterprises.")
        return
    if count:
        sys.exit(
            f"The bench database has {count:,} enterprises, fewer than {TARGET:,}: "
            "delete it (make bench-reset) and run again."
        )
    print(f"Seeding {TARGET:,} enterprises (once; reused by later runs)...")
    started = time.monotonic()
    call_command("seed_demo", enterprises=TARGET, seed=2026, workers=2, verbosity=1)
    print(f"Seeded in {time.monotonic() - started:.0f} s.")


def embedded() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "core.embedded"


def restart_database() -> None:
    """Stop and start PostgreSQL (for the cold pass), when it is ours."""
    if not embedded():
        return
    from core import db

    connection.close()
    db.stop()
    db.ensure_embedded()


class Server:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                "2",
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=os.environ,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get("/")
                return
            except OSError:
                time.sleep(0.3)
        sys.exit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def get(path: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=60) as r:  # noqa: S310
        r.read()
        status = r.status
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    return elapsed


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def sample_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM enterprises_enterprise TABLESAMPLE SYSTEM (1) "
            "REPEATABLE (3) WHERE published LIMIT 30"
        )
        return [row[0] for row in cursor.fetchall()]


def slowest_plan(querystring: str) -> str:
    """The slowest statement of a search run in process, with its plan."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from enterprises.search.plans import capture
    from enterprises.search.query import Search, run

    with capture(analyze=True) as captured:
        run(Search.from_params(QueryDict(querystring)), AnonymousUser())
    if not captured.plans:
        return "(no statement)"
    worst = max(captured.plans, key=lambda p: p.ms)
    return f"{worst.ms:.1f} ms: {worst.sql[:300]}...\n{worst.text()}"


def load(paths: list[str]) -> float:
    """Searches per second of CLIENTS concurrent clients for LOAD_SECONDS."""
    deadline = time.monotonic() + LOAD_SECONDS

    def client(start: int) -> int:
        done, i = 0, start
        while time.monotonic() < deadline:
            get(paths[i % len(paths)])
            done, i = done + 1, i + 7
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        total = sum(pool.map(client, range(CLIENTS)))
    return total / (time.monotonic() - started)


def main() -> int:  # noqa: C901, PLR0915
    ensure_data()
    call_command("collectstatic", interactive=False, verbosity=0)
    with translation.override("zh-hans"):
        mix = querymix.queries(QUERIES)
        typeaheads = querymix.typeahead_queries()
    ids = sample_ids()
    total = Enterprise.objects.count()
    kinds = sorted({k for k, _q in mix})
    print(f"{len(mix)} queries of {len(kinds)} kinds, at {total:,} enterprises")
    restart_database()
    server = Server()
    failed: list[str] = []
    try:
        server.start()
        passes: dict[str, list[tuple[str, str, float]]] = {}
        for name in ("cold", "warm"):
            passes[name] = [(kind, q, get("/enterprises/?" + q)) for kind, q in mix]
        typeahead = [get("/enterprises/typeahead/?" + q) for q in typeaheads * 2]
        detail = [get(f"/enterprises/{pk}/") for pk in ids * 2]
        per_s = load(["/enterprises/?" + q for _k, q in mix]) if TARGET <= 10_000 else 0
    finally:
        server.stop()
        connection.close()

    warm = passes["warm"]
    print("\nSearch page with facets over HTTP (gunicorn, DEBUG off), ms, warm")
    print(f"{'kind':<30} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7}")
    for kind in kinds:
        times = [t for k, _q, t in warm if k == kind]
        print(
            f"{kind:<30} {len(times):4d} {statistics.median(times):7.1f} "
            f"{pct(times, 0.95):7.1f} {max(times):7.1f}"
        )
    for name, rows in passes.items():
        times = [t for _k, _q, t in rows]
        label = f"all ({name})"
        print(
            f"{label:<30} {len(times):4d} {statistics.median(times):7.1f} "
            f"{pct(times, 0.95):7.1f} {max(times):7.1f}   p99 {pct(times, 0.99):.1f}"
        )
    print("\nSlowest queries (warm):")
    for kind, q, t in sorted(warm, key=lambda r: -r[2])[:8]:
        print(f"  {t:7.1f} ms  {kind:<24} {urllib.parse.unquote_plus(q)}")
    worst_q = max(warm, key=lambda r: r[2])[1]
    print(f"\nPlan of the slowest statement of {urllib.parse.unquote_plus(worst_q)}:")
    print(slowest_plan(worst_q))

    search_p95 = pct([t for _k, _q, t in warm], 0.95)
    worst = max(t for rows in passes.values() for _k, _q, t in rows)
    checks = [
        ("search p95 (warm)", search_p95, BUDGETS_MS["search"], True),
        ("any search, cold included (max)", worst, MAX_MS, True),
        ("typeahead p95", pct(typeahead, 0.95), BUDGETS_MS["typeahead"], True),
        ("detail p95", pct(detail, 0.95), BUDGETS_MS["detail"], True),
    ]
    if TARGET <= 10_000:
        checks.append(
            (f"searches/s, {CLIENTS} clients", per_s, MIN_SEARCHES_PER_S, False)
        )
    print(f"\nBudgets at {total:,} enterprises")
    for label, value, budget, lower_is_better in checks:
        ok = value <= budget if lower_is_better else value >= budget
        if not ok:
            failed.append(label)
        sign = "<=" if lower_is_better else ">="
        print(
            f"  {label:<34} {value:8.1f}  {sign} {budget:<6} {'ok' if ok else 'MISSED'}"
        )
    print()
    scripts = (
        "dashboard.py",
        "surveys.py",
        "duplicates.py",
        "feed.py",
        "imports.py",
        "load.py",
        "paradedb.py",
    )
    for script in scripts:
        path = ROOT / "bench" / script
        if path.exists():
            print(f"--- bench/{script}")
            done = subprocess.run(
                [sys.executable, str(path)],
                check=False,
                env={**os.environ, "BENCH_KEEP_RUNNING": "1"},
            )
            if done.returncode:  # a missed budget, or a script that failed
                failed.append(f"bench/{script}")
    if embedded() and not os.environ.get("BENCH_KEEP_RUNNING"):
        from core import db

        db.stop()
    if failed:
        print("Budgets missed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
