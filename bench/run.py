"""`make bench`: search, typeahead and detail timings at 1,000,000 enterprises.

Uses its own embedded database (var/bench-pg; or BENCH_DATABASE_URL), seeded once
with the demo generator and reused afterwards. Times are server side: the view called
in-process through Django's test client (URL routing, middleware, queries, template
rendering), without network. Prints p50/p95 per query and checks the budgets from
DESIGN.md. Other scripts in bench/ (dashboard, imports) run after it on the same
database when present.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = int(os.environ.get("BENCH_ENTERPRISES", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))

os.environ.setdefault("EMBEDDED_PG_DIR", str(ROOT / "var" / "bench-pg"))
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from enterprises.models import Enterprise  # noqa: E402

BUDGETS_MS = {"search": 100, "typeahead": 30, "detail": 30}


def ensure_data() -> None:
    call_command("migrate", verbosity=0)
    count = Enterprise.objects.count()
    if count >= TARGET:
        print(f"Reusing the bench database: {count:,} enterprises.")
        return
    if count:
        sys.exit(
            f"The bench database has {count:,} enterprises, fewer than {TARGET:,}: "
            "delete var/bench-pg (make bench-reset) and run again."
        )
    print(f"Seeding {TARGET:,} enterprises (once; reused by later runs)...")
    started = time.monotonic()
    call_command("seed_demo", enterprises=TARGET, seed=2026, workers=2, verbosity=1)
    print(f"Seeded in {time.monotonic() - started:.0f} s.")


def timed(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)  # noqa: S101
    return elapsed


def measure(client: Client, url: str) -> tuple[float, float]:
    for _ in range(3):  # warm caches and connections
        timed(client, url)
    samples = sorted(timed(client, url) for _ in range(RUNS))
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def sample_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM enterprises_enterprise TABLESAMPLE SYSTEM (0.1) "
            "REPEATABLE (3) WHERE published LIMIT 30"
        )
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    ensure_data()
    name = (
        Enterprise.objects.filter(published=True)
        .order_by("id")
        .values_list("name", flat=True)[12345 % max(TARGET, 1)]
    )
    queries = [
        ("narrow: a company name", f"q={name}"),
        ("broad: 服装", "q=服装"),
        ("broad: 泳装", "q=泳装"),
        ("pinyin initials: xc", "q=xc"),
        ("pinyin: dayang", "q=dayang"),
        ("two terms + two filters", "q=兴城 泳装&city=211400&exporter=yes"),
        ("no query, two filters", "sector=socks&market=JP"),
        ("browse everything", ""),
    ]
    client = Client()
    rows = []
    # Production serves hashed static names (collectstatic); plain names here.
    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with override_settings(DEBUG=False, STORAGES=storages):
        for label, qs in queries:
            p50, p95 = measure(client, "/enterprises/?" + qs)
            rows.append(("search+facets", label, p50, p95, BUDGETS_MS["search"]))
        for label, qs in [
            ("兴城", "q=兴城"),
            ("dy", "q=dy"),
            ("name", f"q={name[:4]}"),
        ]:
            p50, p95 = measure(client, "/enterprises/typeahead/?" + qs)
            rows.append(("typeahead", label, p50, p95, BUDGETS_MS["typeahead"]))
        ids = sample_ids()
        samples = []
        for _ in range(2):
            for pk in ids:
                samples.append(timed(client, f"/enterprises/{pk}/"))
        samples.sort()
        rows.append(
            (
                "detail",
                f"{len(ids)} random enterprises",
                statistics.median(samples),
                samples[round(0.95 * (len(samples) - 1))],
                BUDGETS_MS["detail"],
            )
        )
    total = Enterprise.objects.count()
    print()
    print(f"Server-side times at {total:,} enterprises, {RUNS} runs each (ms)")
    print(f"{'page':<14} {'query':<28} {'p50':>8} {'p95':>8} {'budget':>7}  ok")
    failed = False
    for page, label, p50, p95, budget in rows:
        ok = p95 <= budget
        failed |= not ok
        verdict = "yes" if ok else "NO"
        print(f"{page:<14} {label:<28} {p50:8.1f} {p95:8.1f} {budget:7d}  {verdict}")
    print()
    for script in ("dashboard.py", "imports.py", "duplicates.py", "load.py"):
        path = ROOT / "bench" / script
        if path.exists():
            print(f"--- bench/{script}")
            subprocess.run([sys.executable, str(path)], check=False, env=os.environ)
    embedded = settings.DATABASES["default"]["ENGINE"] == "core.embedded"
    if embedded and not os.environ.get("BENCH_KEEP_RUNNING"):
        from core import db

        db.stop()
    if failed:
        print("Some budgets were missed (see NO above).")


if __name__ == "__main__":
    main()
