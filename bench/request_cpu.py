"""CPU per kind of request of bench/load.py's mix, in one process (Django's test
client, DEBUG off, no server, no threads), against bench/load.py's database
(var/load-pg; run bench/load.py once first to seed it) or LOAD_DATABASE_URL.

A figure that a busy machine changes little (CPU time of this process, not wall
time; PostgreSQL's own time is not in it). Three passes over the same addresses:
the page cache off (every request built), on and cold (the first sight of each
address is built and kept), on and warm (every request a hit). Run:
.venv/bin/python bench/request_cpu.py [requests, default 400]
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("DJANGO_SECRET_KEY", "request-cpu-bench-only")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
os.environ["API_RATE_ANON"] = "1000000/min"
if os.environ.get("LOAD_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["LOAD_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["EMBEDDED_PG_DIR"] = os.environ.get(
        "LOAD_PG_DIR", str(ROOT / "var" / "load-pg")
    )

import gc  # noqa: E402

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.test import Client  # noqa: E402

from bench import querymix  # noqa: E402
from bench.load import kind_of, mix  # noqa: E402
from core.textsearch.text import warm_up  # noqa: E402
from enterprises.models import Enterprise  # noqa: E402


def get(client: Client, path: str):
    for _hop in range(3):
        response = client.get(path)
        location = response.get("Location", "")
        if response.status_code not in (301, 302) or not location.startswith("/"):
            return response
        path = location
    return response


def measure(paths: list[str], label: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", SERVER_NAME="127.0.0.1")
    kinds: dict[str, list[float]] = {}
    started = time.process_time()
    for path in paths:
        before = time.process_time()
        response = get(client, path)
        if response.status_code != 200:
            sys.exit(f"{path}: {response.status_code}")
        kinds.setdefault(kind_of(path), []).append(time.process_time() - before)
    total = time.process_time() - started
    print(f"{label}: {total * 1000 / len(paths):5.1f} ms CPU per request")
    for kind, values in sorted(kinds.items()):
        mean, median = statistics.mean(values), statistics.median(values)
        print(
            f"    {kind:<12} {len(values):>4} req  mean {mean * 1000:5.1f}"
            f"  median {median * 1000:5.1f} ms"
        )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    warm_up()
    gc.freeze()  # as config/wsgi.py
    searches = [query for _kind, query in querymix.queries(200)]
    ids = list(
        Enterprise.objects.filter(published=True, merged_into=None)
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    rng = random.Random(1)  # noqa: S311
    paths = [mix(ids, searches, rng) for _ in range(count)]
    seconds = settings.PAGE_CACHE_SECONDS
    settings.PAGE_CACHE_SECONDS = 0
    measure(paths[: count // 4], "warming (not counted)")
    measure(paths, "page cache off")
    settings.PAGE_CACHE_SECONDS = seconds
    caches["pages"].clear()
    measure(paths, "page cache on, cold")
    measure(paths, "page cache on, warm")


if __name__ == "__main__":
    main()
