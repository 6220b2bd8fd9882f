"""Merges and the change feed on the bench database (``make bench`` runs it after
the search benchmark; alone: ``BENCH_ENTERPRISES=10000 .venv/bin/python
bench/feed.py``, which seeds its database once like bench/run.py).

* a merge (``enterprises.merging.enterprise_merge``) of two entries, timed over
  ``BENCH_MERGES`` pairs, each undone afterwards: budget 1 s each;
* the change feed (``/api/v1/changes/``, through Django's test client, so the
  middleware, DRF and JSON rendering count) serving pages of 1,000 events from
  cursors spread over the whole feed, for a visitor and for staff: budget 100 ms
  p95. Also printed, as a busy machine leaves them alone: each page's CPU time
  (this process, and the database's backend where it runs on this machine) and
  its statements.

Exits non-zero when a budget is missed.
"""

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One client asks for every page: the API's rate limits (60 a minute for a
# visitor) would refuse a run that follows another within the minute. The limits
# are still checked (their statements count), only higher.
os.environ.setdefault("API_RATE_ANON", "100000/min")
os.environ.setdefault("API_RATE_TOKEN", "100000/min")

import bench.run  # noqa: E402, I001  (first: sets up Django on the bench database)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.tokens import api_token_create  # noqa: E402
from core.permissions import STAFF_GROUP, SYSTEM  # noqa: E402
from enterprises.merging import enterprise_merge, merge_undo  # noqa: E402
from enterprises.models import ChangeEvent, Enterprise  # noqa: E402

MERGES = int(os.environ.get("BENCH_MERGES", "10"))
PAGES = int(os.environ.get("BENCH_FEED_PAGES", "40"))
MERGE_BUDGET_S = 1.0
FEED_P95_BUDGET_MS = 100.0
PAGE = 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_merges() -> list[float]:
    """Merge the newest live pairs, one after another; undo each."""
    pairs = list(
        Enterprise.objects.filter(merged_into__isnull=True)
        .order_by("-id")
        .values_list("id", flat=True)[: 2 * MERGES]
    )
    seconds = []
    for source_id, target_id in zip(pairs[::2], pairs[1::2], strict=False):
        source = Enterprise.objects.get(pk=source_id)
        target = Enterprise.objects.get(pk=target_id)
        started = time.perf_counter()
        merge = enterprise_merge(actor=None, source=source, target=target)
        seconds.append(time.perf_counter() - started)
        merge_undo(actor=SYSTEM, merge=merge)  # type: ignore[arg-type]
    return seconds


def backend_cpu_ms() -> float | None:
    """CPU time of this connection's PostgreSQL backend so far, when it runs on
    this machine (the embedded database), else None."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e6
    except OSError:
        return None


def bench_feed(client: Client, headers: dict) -> tuple[list[float], int, dict]:
    low = ChangeEvent.objects.order_by("id").values_list("id", flat=True).first()
    high = ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if low is None or high is None:
        return [], 0, {}
    rng = random.Random(2026)
    times, shown = [], 0
    # Not timed: a request as a server worker has served one. The process's
    # first imports the API's modules and builds its URLs (0.7 s of CPU here),
    # which made the visitor's first page the slowest of all.
    client.get("/api/v1/changes/", {"since": low - 1, "page_size": 1}, **headers)
    cpu: dict[str, list] = {
        "python": [], "database": [], "statements": [], "pages": []
    }  # fmt: skip
    for _ in range(PAGES):
        since = rng.randint(low - 1, max(low - 1, high - PAGE))
        with CaptureQueriesContext(connection) as statements:
            database = backend_cpu_ms()
            python = time.process_time()
            started = time.perf_counter()
            response = client.get(
                "/api/v1/changes/", {"since": since, "page_size": PAGE}, **headers
            )
            times.append((time.perf_counter() - started) * 1000)
            cpu["python"].append((time.process_time() - python) * 1000)
            if database is not None:
                cpu["database"].append(backend_cpu_ms() - database)
        cpu["statements"].append(len(statements))
        if response.status_code != 200:
            sys.exit(
                f"the feed answered {response.status_code}: {response.content[:300]}"
            )
        # Not response.json(): the test client's response is freed by the
        # garbage collector (a cycle), the page parsed with it too, in the
        # middle of a later page's timing.
        events = len(json.loads(response.content)["results"])
        shown += events
        cpu["pages"].append((times[-1], since, events, len(response.content)))
    return times, shown, cpu


def main() -> int:
    bench.run.ensure_data()
    # Start as a server worker does (config.wsgi: the search's dictionaries
    # loaded, the start-up objects frozen out of full garbage collections);
    # else the first merge times the dictionaries' loading.
    import config.wsgi  # noqa: F401

    total = Enterprise.objects.count()
    events = ChangeEvent.objects.count()
    print(f"{total:,} enterprises, {events:,} change events")
    failed = []

    merges = bench_merges()
    if merges:
        worst = max(merges)
        print(
            f"merge: {len(merges)} merges, median {statistics.median(merges):.3f} s, "
            f"max {worst:.3f} s (budget {MERGE_BUDGET_S} s: "
            f"{'ok' if worst <= MERGE_BUDGET_S else 'MISSED'})"
        )
        if worst > MERGE_BUDGET_S:
            failed.append("merge")

    staff = get_user_model().objects.filter(groups__name=STAFF_GROUP).first()
    readers: dict[str, dict] = {"visitor": {}}
    token = None
    if staff is not None:
        token, key = api_token_create(actor=staff, name="bench-feed")
        readers["staff"] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client = Client(HTTP_HOST="127.0.0.1")
    for reader, headers in readers.items():
        times, shown, cpu = bench_feed(client, headers)
        if not times:
            continue
        p95 = pct(times, 0.95)
        ok = p95 <= FEED_P95_BUDGET_MS
        print(
            f"change feed ({reader}): {len(times)} pages of {PAGE:,} events "
            f"({shown:,} shown), p50 {pct(times, 0.5):.1f} ms, p95 {p95:.1f} ms "
            f"(budget {FEED_P95_BUDGET_MS:.0f} ms: {'ok' if ok else 'MISSED'})"
        )
        parts = [
            f"Python p50 {pct(cpu['python'], 0.5):.1f} p95 "
            f"{pct(cpu['python'], 0.95):.1f} ms"
        ]
        if cpu["database"]:
            total = [a + b for a, b in zip(cpu["python"], cpu["database"], strict=True)]
            parts.append(
                f"database backend p50 {pct(cpu['database'], 0.5):.1f} p95 "
                f"{pct(cpu['database'], 0.95):.1f} ms, both p50 "
                f"{pct(total, 0.5):.1f} p95 {pct(total, 0.95):.1f} ms"
            )
        print(
            "    CPU per page: " + "; ".join(parts) + "; statements "
            f"{min(cpu['statements'])}-{max(cpu['statements'])}"
        )
        # Where the tail comes from: the slowest pages, what they held.
        slowest = sorted(cpu["pages"], reverse=True)[:3]
        print(
            "    slowest pages: "
            + "; ".join(
                f"since {since:,}: {ms:.1f} ms, {events:,} events shown, "
                f"{size / 1e6:.2f} MB"
                for ms, since, events, size in slowest
            )
        )
        if not ok:
            failed.append(f"feed ({reader})")
    if token is not None:
        token.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM enterprises_changeevent "
            "WHERE id > %s AND id < %s ORDER BY id LIMIT %s",
            [events // 2, 2**62, PAGE],
        )
        print("plan of a page's read:")
        for (line,) in cursor.fetchall():
            print("   ", line)
    print(f"at {bench.run.TARGET:,} target enterprises")
    if failed:
        print("Budgets missed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
