"""Server time of the staff dashboard (/dashboard/): p50 and p95 of 20 requests.

Run against whatever database is configured (it does not seed):

    DJANGO_DEBUG=1 .venv/bin/python bench/dashboard.py [--runs 20]

Prints two figures: "live" clears the dashboard's cache before every request, so
each request computes every figure from the data; "served" is what staff get, with
the figures kept for CACHE_SECONDS (the first request of the run computes them).
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from core.permissions import staff_group  # noqa: E402
from dashboard.figures import CACHE_KEY, shared_cache  # noqa: E402
from enterprises.models import Enterprise  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(client: Client, runs: int, *, live: bool) -> list[float]:
    times = []
    for _ in range(runs):
        if live:
            shared_cache().delete(CACHE_KEY)
        started = time.perf_counter()
        response = client.get("/dashboard/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code  # noqa: S101
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    users = get_user_model().objects
    group = staff_group()
    staff = users.filter(groups=group, is_active=True).order_by("id").first()
    temporary = staff is None
    if temporary:
        staff = users.create_user("bench-dashboard-staff", is_staff=True)
        staff.groups.add(group)
    try:
        client = Client(SERVER_NAME="localhost")
        client.force_login(staff)
        rows = Enterprise.objects.count()
        client.get("/dashboard/")  # warm up connections and templates
        for label, live in (("live", True), ("served", False)):
            # "served": the worker has computed the figures (as after seed_demo or
            # an earlier visit); "live": computed in the request every time.
            shared_cache().delete(CACHE_KEY)
            if not live:
                client.get("/dashboard/")
            times = measure(client, args.runs, live=live)
            print(
                f"dashboard {label:6s} {rows:>9,} enterprises  runs={args.runs}  "
                f"p50={statistics.median(times):7.1f} ms  "
                f"p95={percentile(times, 95):7.1f} ms  max={max(times):7.1f} ms"
            )
    finally:
        if temporary:
            staff.delete()


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
        main()
