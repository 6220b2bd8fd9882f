"""The environment of the in-process bench scripts (statements.py, paradedb.py):
the bench database bench/run.py uses (BENCH_ENTERPRISES, var/bench-pg or
var/bench-pg-<N>, or BENCH_DATABASE_URL), Django set up with DEBUG off."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = int(os.environ.get("BENCH_ENTERPRISES", "1000000"))


def setup() -> None:
    default_dir = "bench-pg" if TARGET == 1_000_000 else f"bench-pg-{TARGET}"
    os.environ.setdefault("EMBEDDED_PG_DIR", str(ROOT / "var" / default_dir))
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault(
        "DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production"
    )
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
