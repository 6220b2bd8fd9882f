"""The annual survey at the bench database's size: three years of figures (made
once with the demo's set-based INSERT … SELECT when the database has none), then

* the statistics of every area and year recomputed as the background task does
  (`refresh_statistics`: one INSERT … SELECT), with the plan and buffers of the
  statement (EXPLAIN ANALYZE, rolled back);
* the cluster pages' and the dashboard's enterprise figures computed as the task
  worker does (they are served precomputed);
* cluster pages, their statistics pages, the comparison of clusters, the
  statistics page and the staff dashboard served in process, p50/p95, with the
  SQL statements of one request of each and a check (EXPLAIN) that none of them
  scans the enterprise, cluster membership or figure tables;
* the annual report workbook (XLSX) built for the newest year;

against the budgets of issue 18 (≤ 30 s, ≤ 100 ms p95, ≤ 60 s). Exits non-zero
on a miss. Run by bench/run.py after the search benchmark, or alone:

    BENCH_ENTERPRISES=10000 .venv/bin/python bench/surveys.py [--runs 20]

At 1,000,000 (the default BENCH_ENTERPRISES, var/bench-pg) the figures are made
in one INSERT … SELECT for about 70 % of the firms, three years (~2.1M rows).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402  (the bench database and settings; django.setup)

# isort: split

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (
    CaptureQueriesContext,  # noqa: E402
    override_settings,  # noqa: E402
)
from django.utils import timezone  # noqa: E402

from clusters.figures import compute_cluster_figures  # noqa: E402
from clusters.models import Cluster  # noqa: E402
from core.permissions import staff_group  # noqa: E402
from dashboard.figures import compute_dashboard_data, shared_cache  # noqa: E402
from demo.surveys import seed_survey_figures  # noqa: E402
from surveys.models import EnterpriseFigures, Statistic  # noqa: E402
from surveys.report import report_workbook  # noqa: E402
from surveys.statistics import PLANNER_SETTINGS, _sql  # noqa: E402
from surveys.tasks import refresh_statistics  # noqa: E402

REFRESH_S = 30
PAGE_P95_MS = 100
WORKBOOK_S = 60


def ensure_figures() -> int:
    count = EnterpriseFigures.objects.count()
    if count:
        print(f"Reusing {count:,} figure rows.")
        return count
    started = time.monotonic()
    count = seed_survey_figures(seed=2026, today=timezone.localdate())
    with connection.cursor() as cursor:  # plans of the refresh know the new rows
        cursor.execute(f'ANALYZE "{EnterpriseFigures._meta.db_table}"')  # noqa: S608
    print(f"Recorded {count:,} figure rows in {time.monotonic() - started:.1f} s.")
    return count


# Tables that grow with the enterprises: no request may scan them.
LARGE_TABLES = (
    run.Enterprise._meta.db_table,
    run.Enterprise.clusters.through._meta.db_table,
    EnterpriseFigures._meta.db_table,
)


def request_statements(client: Client, path: str) -> tuple[int, list[str]]:
    """The SQL statements of one request of ``path``, and those of them whose
    plan scans a large table whole (EXPLAIN, not run)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)  # noqa: S101
    scans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if any(f"Seq Scan on {table} " in plan for table in LARGE_TABLES):
                scans.append(sql[:160])
    return len(queries.captured_queries), scans


def explain_refresh() -> None:
    """The refresh's statement with EXPLAIN (ANALYZE, BUFFERS), rolled back: its
    time in PostgreSQL and the pages it read, which do not depend on load."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PLANNER_SETTINGS)
        cursor.execute(f'DELETE FROM "{Statistic._meta.db_table}"')  # noqa: S608
        for statement in _sql():
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement  # noqa: S608
            )
            plan = cursor.fetchone()[0][0]
            top = plan["Plan"]
            print(
                f"EXPLAIN ANALYZE: {plan['Execution Time']:,.1f} ms, shared hit "
                f"{top.get('Shared Hit Blocks', 0):,}, read "
                f"{top.get('Shared Read Blocks', 0):,}, temp written "
                f"{top.get('Temp Written Blocks', 0):,} blocks"
            )
            _print_plan(top, 1)
        transaction.set_rollback(True)


def _print_plan(node: dict, depth: int) -> None:
    relation = f" on {node['Relation Name']}" if "Relation Name" in node else ""
    print(
        "  " * depth + f"{node['Node Type']}{relation} rows={node.get('Actual Rows')} "
        f"ms={node.get('Actual Total Time')}"
    )
    for child in node.get("Plans", []):
        _print_plan(child, depth + 1)


def timed(client: Client, paths: list[str], runs: int) -> list[float]:
    for path in paths:  # warm up templates and connections
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)  # noqa: S101
    times = []
    for i in range(runs):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)  # noqa: S101
    return times


def staff_user():
    users = get_user_model().objects
    staff = users.filter(groups=staff_group(), is_active=True).order_by("id").first()
    if staff is not None:
        return staff, False
    staff = users.create_user("bench-surveys-staff")
    staff.groups.add(staff_group())
    return staff, True


def main() -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    run.ensure_data()
    enterprises = run.Enterprise.objects.count()
    figures = ensure_figures()

    print(f"\nStatistics recomputed ({figures:,} figure rows, {enterprises:,} firms):")
    explain_refresh()
    started = time.monotonic()
    refresh_statistics.call()  # the background task's work, in process
    refresh_s = time.monotonic() - started
    stats = Statistic.objects.count()
    print(f"refresh_statistics: {stats:,} statistics in {refresh_s:.2f} s")

    slugs = list(Cluster.objects.order_by("slug").values_list("slug", flat=True))
    year = Statistic.objects.order_by("-year").values_list("year", flat=True).first()
    compare = "/clusters/compare/?" + "&".join(f"c={s}" for s in slugs[:5])
    public = Client(SERVER_NAME="localhost")
    staff, temporary = staff_user()
    staff_client = Client(SERVER_NAME="localhost")
    staff_client.force_login(staff)
    groups = [
        ("cluster pages", public, [f"/clusters/{s}/" for s in slugs]),
        (
            "cluster statistics",
            public,
            [f"/statistics/clusters/{s}/" for s in slugs],
        ),
        ("cluster comparison", public, [compare, compare + f"&year={year}"]),
        # Printed, not a budget of issue 18 (cluster pages and the dashboard).
        ("statistics page*", public, ["/statistics/", "/statistics/?figure=exports"]),
        (
            "dashboard (staff)",
            staff_client,
            ["/dashboard/", "/dashboard/?figure=employees"],
        ),
    ]
    checks = [("statistics recomputed (s)", refresh_s, REFRESH_S)]
    print(
        f"\nPages served in process, ms ({args.runs} requests each, warm; * no budget)"
    )
    scanned = []
    try:
        shared_cache().clear()
        # The task worker's work, in process: the pages read its figures.
        for name, compute in (
            ("cluster figures", compute_cluster_figures),
            ("dashboard figures", compute_dashboard_data),
        ):
            started = time.monotonic()
            compute()
            print(f"  {name} computed (worker) in {time.monotonic() - started:.2f} s")
        for label, client, paths in groups:
            times = timed(client, paths, args.runs)
            p95 = run.pct(times, 0.95)
            statements, scans = request_statements(client, paths[0])
            print(
                f"  {label:<22} p50 {statistics.median(times):7.1f}  "
                f"p95 {p95:7.1f}  max {max(times):7.1f}  "
                f"SQL {statements:3d}  large scans {len(scans)}"
            )
            for sql in scans:
                print(f"    scans a large table: {sql}")
            if not label.endswith("*"):
                checks.append((f"{label} p95 (ms)", p95, PAGE_P95_MS))
                if scans:
                    scanned.append(label)
        started = time.monotonic()
        book = report_workbook(AnonymousUser(), year) if year else b""
        workbook_s = time.monotonic() - started
        print(f"\nReport workbook {year}: {len(book):,} bytes in {workbook_s:.2f} s")
        checks.append(("report workbook (s)", workbook_s, WORKBOOK_S))
    finally:
        if temporary:
            staff.delete()

    print(f"\nSurvey budgets at {enterprises:,} enterprises")
    missed = []
    for label, value, budget in checks:
        ok = value <= budget
        if not ok:
            missed.append(label)
        print(f"  {label:<34} {value:8.2f}  <= {budget:<6} {'ok' if ok else 'MISSED'}")
    if scanned:
        print("Requests scanning a large table: " + ", ".join(scanned))
    if missed:
        print("Survey budgets missed: " + ", ".join(missed))
    return 1 if missed or scanned else 0


if __name__ == "__main__":
    # Production serves hashed static names (collectstatic); plain names here.
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ):
        code = main()
    if run.embedded() and not os.environ.get("BENCH_KEEP_RUNNING"):
        from core import db

        connection.close()
        db.stop()
    sys.exit(code)
