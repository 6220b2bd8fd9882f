"""Finding duplicate candidates over a generated table of N entries (default
1,000,000): the finder's own SQL (``moderation.duplicates``) over a scratch copy
of the enterprise columns it reads, with about 1% duplicated names, 0.5% shared
phones, e-mails and websites and 0.2% shared organisation codes.

    DJANGO_DEBUG=1 .venv/bin/python bench/duplicates.py [--rows 1000000]

Runs against whatever database is configured; the scratch table is dropped.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from moderation.duplicates import duplicates_find  # noqa: E402

SCRATCH = "bench_duplicate_entries"
BUDGET_SECONDS = 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        started = time.perf_counter()
        # i % 100 = 0: the name of entry i - 1; i % 200 = 1: the phone, e-mail and
        # website of entry i - 1; i % 500 = 2: the organisation code of i - 2.
        cursor.execute(
            f"""
            CREATE UNLOGGED TABLE {SCRATCH} AS
            SELECT i AS id,
                   '企业' || (CASE WHEN i %% 100 = 0 THEN i - 1 ELSE i END) AS name_key,
                   (210000 + (i %% 97))::text AS region_id,
                   '9121' || lpad((CASE WHEN i %% 500 = 2 THEN i - 2 ELSE i END)::text,
                                  13, '0') || 'X' AS uscc,
                   '0429-' || (CASE WHEN i %% 200 = 1 THEN i - 1 ELSE i END)
                       AS contact_phone,
                   'info' || (CASE WHEN i %% 200 = 1 THEN i - 1 ELSE i END)
                       || '@example.com' AS contact_email,
                   'https://www.firm' || (CASE WHEN i %% 200 = 1 THEN i - 1 ELSE i END)
                       || '.cn/' AS website,
                   NULL::integer AS merged_into_id
            FROM generate_series(1, %s) i
            """,  # noqa: S608
            [rows],
        )
        # The name rule groups by county too: give a copied name its source's.
        cursor.execute(
            f"UPDATE {SCRATCH} SET region_id = (210000 + ((id - 1) % 97))::text "  # noqa: S608
            "WHERE id % 100 = 0"
        )
        cursor.execute(f"ANALYZE {SCRATCH}")
        print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    found = duplicates_find(table=SCRATCH, keep=False)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SCRATCH}")
    verdict = "ok" if seconds <= BUDGET_SECONDS else "OVER BUDGET"
    print(
        f"duplicate candidates over {rows:,} entries: {found:,} pairs in "
        f"{seconds:.1f} s (budget {BUDGET_SECONDS} s: {verdict})"
    )


if __name__ == "__main__":
    main()
