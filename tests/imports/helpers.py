"""Real spreadsheet files for import tests."""

import csv
import io

import openpyxl

from demo.rows import make_uscc
from imports.columns import ENTERPRISE_COLUMNS

HEADER = [c.header for c in ENTERPRISE_COLUMNS]
FIELDS = [c.field for c in ENTERPRISE_COLUMNS]


def row(**values) -> list[str]:
    """A template row: fields by name, the rest empty."""
    values.setdefault("region", "211481")
    return [str(values.get(f, "")) for f in FIELDS]


def csv_bytes(rows, *, header=None, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def uscc(n: int, county: str = "211481") -> str:
    return make_uscc(county, 70_000_000 + n)


def bad_check(code: str) -> str:
    """The same code with a wrong check character (still well-formed)."""
    return code[:17] + ("1" if code[17] != "1" else "2")


def rendered(stored, language: str) -> str:
    """A stored message (a job's, `core.messages`) as a reader in `language`
    sees it."""
    from django.utils import translation

    from core.messages import render_message

    with translation.override(language):
        return render_message(stored)
