"""Row cleaning speed: microseconds per row for the rows of the import bench file
(the enterprise template's 40 columns), cleaned in this process by the import's
row cleaner; the bench file of `bench/imports.py`, read once beforehand.

    DJANGO_DEBUG=1 .venv/bin/python bench/cleaning.py [--rows 20000] [--repeat 5]

Prints the best of the repeats (the machine may be shared).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import translation

    from bench.imports import build_csv
    from imports.cleaning import RowCleaner
    from imports.columns import SECTIONS
    from imports.plan import open_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        build_csv(path, args.rows)
        data = path.read_bytes()
    with translation.override("zh-hans"):
        table, fields = open_table(data, "enterprises")
        rows = [
            {name: cells[i] for i, name in enumerate(fields) if name}
            for _number, cells in table.rows
        ]
        present = [f for f in fields if f]
        best = float("inf")
        for _ in range(args.repeat):
            cleaner = RowCleaner(SECTIONS["enterprises"], present)  # per import
            start = time.perf_counter()
            errors = 0
            for row in rows:
                _values, problems = cleaner.clean(dict(row))
                errors += bool(problems)
            best = min(best, time.perf_counter() - start)
    assert errors == 0, errors  # noqa: S101
    print(
        f"cleaning {len(rows):,} rows x {len(present)} columns: "
        f"{best / len(rows) * 1e6:.1f} us per row (best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
