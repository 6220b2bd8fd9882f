"""Load over loopback against `make serve` (scripts/serve.sh, DEBUG off) with the
demo's 10,000 entries: LOAD_CLIENTS (50) concurrent clients for LOAD_SECONDS (60)
on a mix of the home page, searches (the mixed log of bench/querymix.py, drawn
from the data), enterprise pages and the API, with the API
throttles raised for the run, after LOAD_WARM_UP_REQUESTS (2,000) untimed requests
of the same mix (the server's start moves the page cache's generation on, so it
starts empty; a number of requests, not a time, so that a busy machine starts the
run with as much cached as a quiet one). Then the same run again while the task
worker is killed once (SIGKILL) and started again by the supervisor. Printed per
run: CPU per request of the served stack, of PostgreSQL and of the load generator
(figures a busy machine changes little), and the load average.

Prints throughput and latency percentiles per run and checks: no response other
than 2xx and p99 <= 500 ms on the first run, no failed request on the second. Its
own embedded database in var/load-pg (LOAD_PG_DIR), seeded once and reused; or
LOAD_DATABASE_URL. LOAD_ENTERPRISES=1000000 runs the same against a million entries
(var/load-pg-1000000; figures printed, the p99 budget is for 10,000). Exits
non-zero when a check fails. Run by `make bench` after bench/run.py, or alone:
.venv/bin/python bench/load.py
"""

import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
ENTERPRISES = int(os.environ.get("LOAD_ENTERPRISES", "10000"))
P99_BUDGET_MS = 500
WARM_UP_REQUESTS = int(os.environ.get("LOAD_WARM_UP_REQUESTS", "2000"))
# A database per size: var/load-pg (10,000), var/load-pg-1000000 (LOAD_ENTERPRISES).
PG_DIR = os.environ.get(
    "LOAD_PG_DIR",
    str(
        ROOT
        / "var"
        / ("load-pg" if ENTERPRISES == 10_000 else f"load-pg-{ENTERPRISES}")
    ),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "BENCH_", "EMBEDDED_PG", "PROMETHEUS_"))
        and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PORT=str(port),
        SERVE_DEMO="1",
        DEMO_ENTERPRISES=str(ENTERPRISES),
        GUNICORN_ACCESS_LOG="0",
        # Throttles raised for the run: one address makes all the requests.
        API_RATE_ANON="1000000/min",
        API_RATE_TOKEN="1000000/min",  # noqa: S106 - a rate, not a secret
        API_RATE_USER="1000000/min",
    )
    if os.environ.get("LOAD_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["LOAD_DATABASE_URL"]
    else:
        env["EMBEDDED_PG_DIR"] = PG_DIR
    return subprocess.Popen(
        ["bash", "scripts/serve.sh"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """GET ``path``, following a redirect on this site as a browser does (an
    untidy search address or a page past the end redirects to the tidy one)."""
    for _hop in range(3):
        conn.request("GET", path, headers={"Accept-Language": "zh-hans"})
        response = conn.getresponse()
        body = response.read()
        location = response.getheader("Location", "")
        if response.status not in (301, 302) or not location.startswith("/"):
            break
        path = location
    return response.status, body


def wait_up(port: int, server: subprocess.Popen, seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("make serve stopped; see var/load-serve.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if get(conn, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("make serve did not come up; see var/load-serve.log")


def enterprise_ids(port: int) -> list[int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids: list[int] = []
    for page in range(1, 6):
        status, body = get(conn, f"/api/v1/enterprises/?page={page}&page_size=100")
        if status != 200:
            break
        ids += [item["id"] for item in json.loads(body)["results"]]
    if not ids:
        sys.exit("no enterprises found through the API")
    return ids


def search_log(count: int = 200) -> list[str]:
    """Query strings of the mixed search log of bench/querymix.py, drawn from the
    served database's own rows (places, products, names, pinyin, USCCs, filters,
    sorts, page 3), not a fixed list."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "load-bench-only")
    os.environ["DJANGO_DEBUG"] = "0"
    if os.environ.get("LOAD_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["LOAD_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["EMBEDDED_PG_DIR"] = PG_DIR
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from bench import querymix

    try:
        return [query for _kind, query in querymix.queries(count)]
    finally:
        connection.close()


def kind_of(path: str) -> str:
    if path == "/":
        return "home"
    if path.startswith("/api/"):
        return "API search" if "?" in path else "API detail"
    return "search" if "?" in path else "detail"


def mix(ids: list[int], searches: list[str], rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return "/"
    if roll < 0.45:
        return "/enterprises/?" + rng.choice(searches)
    if roll < 0.75:
        return f"/enterprises/{rng.choice(ids)}/"
    if roll < 0.85:
        # An API client follows the `next` links: no page that may not exist.
        query = urllib.parse.parse_qs(rng.choice(searches))
        query.pop("page", None)
        return "/api/v1/enterprises/?" + urllib.parse.urlencode(query, doseq=True)
    return f"/api/v1/enterprises/{rng.choice(ids)}/"


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds used so far by the served stack: every process under `make
    serve` (gunicorn's master and workers, the task worker, their supervisors),
    and every one of them that has ended and been reaped (a killed task worker, a
    gunicorn worker replaced): the kernel adds a reaped child's times to its
    parent's ``children_*`` times. Counting only the living, a process that died
    during a run took its CPU out of the difference (a negative figure)."""
    root = psutil.Process(server.pid)
    return _cpu([root, *root.children(recursive=True)])


def _cpu(processes: list) -> float:
    """The CPU seconds of ``processes`` and of their reaped children."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user
        total += times.children_system
    return total


def database_cpu() -> float | None:
    """CPU seconds used so far by the embedded PostgreSQL (the postmaster, its
    backends, and those that ended: reaped by the postmaster); None with
    LOAD_DATABASE_URL."""
    if os.environ.get("LOAD_DATABASE_URL"):
        return None
    try:
        pid = int((Path(PG_DIR) / "postmaster.pid").read_text().split()[0])
        root = psutil.Process(pid)
        processes = [root, *root.children()]
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
    return _cpu(processes)


def run(
    port: int,
    ids: list[int],
    searches: list[str],
    seconds: float,
    name: str,
    server: subprocess.Popen,
    during=None,
    requests: int | None = None,
) -> dict:
    """``CLIENTS`` clients for ``seconds`` (or, with ``requests``, until they
    have made that many between them); each run (``name``) draws its own
    sequence of addresses, so a run does not replay what the warm-up (or the run
    before) asked and found in the page cache."""
    results: list[tuple[str, float, int | str]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    share = None if requests is None else max(1, requests // CLIENTS)

    def client(number: int) -> None:
        rng = random.Random(f"{name}-{number}")  # noqa: S311
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[tuple[str, float, int | str]] = []
        while time.monotonic() < deadline and (share is None or len(mine) < share):
            path = mix(ids, searches, rng)
            started = time.perf_counter()
            try:
                status: int | str = get(conn, path)[0]
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((path, (time.perf_counter() - started) * 1000, status))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    began = time.monotonic()
    cpu_began, server_began = time.process_time(), server_cpu(server)
    database_began = database_cpu()
    for thread in threads:
        thread.start()
    if during:
        during()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    own_cpu = time.process_time() - cpu_began
    web_cpu = server_cpu(server) - server_began
    database_ended = database_cpu()
    database_used = (
        None
        if database_began is None or database_ended is None
        else database_ended - database_began
    )
    times = sorted(r[1] for r in results)
    bad = [r for r in results if not (isinstance(r[2], int) and 200 <= r[2] < 300)]

    def pct(p: float, values: list[float] | None = None) -> float:
        values = times if values is None else values
        return values[min(len(values) - 1, round(p * (len(values) - 1)))]

    kinds: dict[str, list[float]] = {}
    for path, ms, _status in results:
        kinds.setdefault(kind_of(path), []).append(ms)
    return {
        "kinds": {
            kind: (len(v), statistics.median(v), pct(0.99, sorted(v)))
            for kind, v in sorted(kinds.items())
        },
        "slowest": sorted(results, key=lambda r: -r[1])[:5],
        "requests": len(results),
        "throughput": len(results) / elapsed,
        "p50": statistics.median(times),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": times[-1],
        "bad": bad,
        # The load generator's own CPU (its threads), the served stack's
        # (gunicorn workers, task worker) and PostgreSQL's, per request.
        "client_ms": own_cpu * 1000 / max(1, len(results)),
        "server_ms": web_cpu * 1000 / max(1, len(results)),
        "database_ms": None
        if database_used is None
        else database_used * 1000 / max(1, len(results)),
        "client_share": own_cpu / elapsed,
    }


def task_worker_pids(server: subprocess.Popen) -> list[int]:
    pids = []
    for process in psutil.Process(server.pid).children(recursive=True):
        try:
            cmd = " ".join(process.cmdline())
        except psutil.Error:
            continue
        if "task_worker" in cmd and not cmd.startswith("bash"):
            pids.append(process.pid)
    return pids


def report(label: str, figures: dict) -> None:
    print(
        f"{label:<34} {figures['requests']:>7,} req {figures['throughput']:7.1f} req/s"
        f"  p50 {figures['p50']:6.1f}  p95 {figures['p95']:6.1f}"
        f"  p99 {figures['p99']:6.1f}  max {figures['max']:7.1f} ms"
        f"  non-2xx/failed {len(figures['bad'])}"
    )
    database = (
        ""
        if figures["database_ms"] is None
        else f" PostgreSQL {figures['database_ms']:.1f} ms,"
    )
    print(
        f"    CPU per request: web {figures['server_ms']:.1f} ms,{database}"
        f" load generator {figures['client_ms']:.1f} ms"
        f" ({figures['client_share']:.0%} of a core)"
    )
    print(f"    load average at the end: {os.getloadavg()[0]:.1f}")
    for kind, (n, p50, p99) in figures["kinds"].items():
        print(f"    {kind:<12} {n:>6,} req  p50 {p50:6.1f}  p99 {p99:7.1f} ms")
    for path, ms, status in figures["slowest"]:
        print(f"    slowest: {ms:7.0f} ms {status} {urllib.parse.unquote(path)}")
    for path, ms, status in figures["bad"][:5]:
        print(f"    {status} {path} ({ms:.0f} ms)")


def main() -> None:
    port = free_port()
    log = ROOT / "var" / "load-serve.log"
    log.parent.mkdir(exist_ok=True)
    print(f"Starting make serve on 127.0.0.1:{port} ({ENTERPRISES:,} demo entries)...")
    server = start_server(port, log)
    try:
        # Seeding a million demo entries takes a while on the first run.
        wait_up(port, server, 900 if ENTERPRISES <= 10_000 else 4 * 3600)
        ids = enterprise_ids(port)
        searches = search_log()
        workers = (
            len(
                [
                    p
                    for p in psutil.Process(server.pid).children(recursive=True)
                    if "gunicorn" in " ".join(p.cmdline())
                ]
            )
            - 1
        )
        print(
            f"gunicorn workers: {workers}; {CLIENTS} clients, {SECONDS:.0f} s per run"
        )
        # Warm the workers' caches and connections: a fixed number of requests
        # of the same mix (not a time), so that the page cache holds as much at
        # the start of the first run on a busy machine as on a quiet one.
        run(port, ids, searches, 600, "warm-up", server, requests=WARM_UP_REQUESTS)
        first = run(port, ids, searches, SECONDS, "first", server)
        report("home/search/detail/API", first)

        killed: list[int] = []

        def kill_worker_once() -> None:
            time.sleep(SECONDS / 4)
            pids = task_worker_pids(server)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        second = run(
            port, ids, searches, SECONDS, "second", server, during=kill_worker_once
        )
        report("same, task worker killed once", second)
        restarted = [p for p in task_worker_pids(server) if p not in killed]
        print(f"task worker killed: {bool(killed)}, running again: {bool(restarted)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    checks = {
        "no non-2xx response": not first["bad"],
        # The budget is for the demo's 10,000; a larger directory prints figures.
        f"p99 <= {P99_BUDGET_MS} ms": first["p99"] <= P99_BUDGET_MS
        or ENTERPRISES > 10_000,
        "no failed request while the worker restarts": not second["bad"],
        "the task worker was killed and started again": bool(killed and restarted),
    }
    for name, ok in checks.items():
        print(f"  {'ok ' if ok else 'NO '} {name}")
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
