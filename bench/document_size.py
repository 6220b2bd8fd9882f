"""The size of the search document and its GIN index, per way of building it.

Rebuilding the documents of 1,000,000 entries takes long, so this measures on a
repeatable block sample of the bench database (DOC_SAMPLE_ROWS, 20,000): for each
variant it builds the sample's documents in Python, writes them into a scratch
table (dropped afterwards), and reports the lexemes per document, the sum of
pg_column_size and the size of a GIN index on them, and both extrapolated to the
whole table (times reltuples / sample rows: an extrapolation, not a measurement).
It also reports the stored column and index as they are.

    BENCH_ENTERPRISES=1000000 .venv/bin/python bench/document_size.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _env  # noqa: E402

_env.setup()

from django.db import connection  # noqa: E402

from enterprises.models import Enterprise  # noqa: E402
from enterprises.search.indexing import search_document  # noqa: E402
from enterprises.services import index_data_for  # noqa: E402

ROWS = int(os.environ.get("DOC_SAMPLE_ROWS", "20000"))
SCRATCH = "bench_document_sample"
VARIANTS = {
    "pinyin of every weight (before)": "ABCD",
    "pinyin of names and products (now)": "AB",
}


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def main() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class "
            "WHERE oid = 'enterprises_enterprise'::regclass"
        )
        total = float(cursor.fetchone()[0])
        percent = min(100.0, 100.0 * ROWS * 1.2 / max(total, 1.0))
        cursor.execute(
            "SELECT id FROM enterprises_enterprise "  # noqa: S608
            f"TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (11) LIMIT %s",
            [ROWS],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT sum(pg_column_size(search_vector)), avg(length(search_vector)) "
            "FROM enterprises_enterprise WHERE id = ANY(%s)",
            [ids],
        )
        stored_sum, stored_lexemes = cursor.fetchone()
        cursor.execute(
            "SELECT pg_relation_size('enterprise_search_gin'), "
            "pg_relation_size('enterprise_search_name_gin'), "
            "pg_relation_size('enterprise_search_products_gin')"
        )
        gin, gin_name, gin_products = cursor.fetchone()
    scale = total / max(len(ids), 1)
    print(f"{total:,.0f} entries; sample of {len(ids):,} (scale x{scale:,.1f})")
    print(
        f"stored now: {float(stored_lexemes):.0f} lexemes/document, column "
        f"~{mb(stored_sum * scale)} (sample sum x scale); GIN indexes (measured): "
        f"whole {mb(gin)}, names {mb(gin_name)}, names+products {mb(gin_products)}"
    )
    started = time.monotonic()
    data = []
    for start in range(0, len(ids), 2000):
        chunk = (
            Enterprise.objects.filter(id__in=ids[start : start + 2000])
            .select_related("region", "city")
            .prefetch_related(
                "clusters",
                "certifications",
                "designations",
                "participations__programme",
            )
            .defer("search_vector")
        )
        data += [(e.id, index_data_for(e)) for e in chunk]
    print(f"read the sample's values in {time.monotonic() - started:.0f} s")
    print(
        f"\n{'variant':<38} {'lexemes':>8} {'column':>12} {'GIN':>10}"
        f" {'column x scale':>15} {'GIN x scale':>12}"
    )
    with connection.cursor() as cursor:
        for label, weights in VARIANTS.items():
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
            cursor.execute(f"CREATE TABLE {SCRATCH} (id bigint, doc tsvector)")
            rows = [(pk, search_document(d, pinyin_weights=weights)) for pk, d in data]
            for start in range(0, len(rows), 2000):
                values = rows[start : start + 2000]
                cursor.execute(
                    f"INSERT INTO {SCRATCH} SELECT * FROM "  # noqa: S608
                    "unnest(%s::bigint[], %s::tsvector[])",
                    [[r[0] for r in values], [r[1] for r in values]],
                )
            cursor.execute(f"CREATE INDEX {SCRATCH}_gin ON {SCRATCH} USING gin (doc)")
            cursor.execute(
                f"SELECT avg(length(doc)), sum(pg_column_size(doc)), "  # noqa: S608
                f"pg_relation_size('{SCRATCH}_gin') FROM {SCRATCH}"
            )
            lexemes, column, index = cursor.fetchone()
            print(
                f"{label:<38} {float(lexemes):8.0f} {mb(column):>12} {mb(index):>10}"
                f" {mb(column * scale):>15} {mb(index * scale):>12}"
            )
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    print(
        "\n(GIN x scale overstates: a GIN index grows slower than its rows, its "
        "posting lists compress better when longer.)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
