"""Regenerate tests/fixtures/spreadsheets/: files saved by real spreadsheet software.

The directory's own CSV and XLSX exports of a few enterprises (written by
`core.tabular`, as the export pages write them) are opened in LibreOffice Calc
(headless) and saved again as XLSX, ODS, XLS, CSV and UTF-16 text, the way staff in
Excel, WPS or LibreOffice work; so are a sheet below title rows and workbooks whose
data is on the second sheet. The tests read the committed files, so CI needs no
LibreOffice. Run (needs `soffice`, e.g. Debian's libreoffice-calc-nogui):

    .venv/bin/python scripts/make_spreadsheet_fixtures.py

Each file and how it was made is listed in the directory's README.md (written here).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess  # noqa: S404 - runs LibreOffice on files this script wrote
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "spreadsheets"
CSV_IN = "CSV:44,34,76,1"  # comma, double quote, UTF-8, from line 1
CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76,1"
UTF16_OUT = "txt:Text - txt - csv (StarCalc):9,34,65535,1"  # tab, UTF-16


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


def source_rows() -> list[list[object]]:
    """Rows as an export writes them: all-digit USCCs (which a spreadsheet turns
    into rounded numbers), one with a letter, phones with leading zeros."""
    import datetime as dt
    from decimal import Decimal

    from demo.rows import make_uscc
    from imports.columns import ENTERPRISE_COLUMNS

    fields = [c.field for c in ENTERPRISE_COLUMNS]
    people = [
        ("兴城泳装一厂", make_uscc("211481", 70_000_006), "04295551234", 1998),
        ("兴城泳装二厂", make_uscc("211481", 70_000_007), "02423456789", 2003),
        ("兴城泳装三厂", make_uscc("211481", 70_000_008), "13812345678", 2010),
        ("兴城泳装四厂", make_uscc("211481", 70_000_011), "+86 429 555", 2015),
    ]
    rows = []
    for name, uscc, phone, year in people:
        values: dict[str, object] = {
            "name": name,
            "uscc": uscc,
            "region": "211481",
            "founded_year": year,
            "contact_phone": phone,
            "latitude": Decimal("40.617000"),
            "longitude": Decimal("120.726100"),
            "datum": "gcj02",
            "products": "泳装",
            "last_confirmed_on": dt.date(2025, 6, 30),
        }
        rows.append([values.get(f, "") for f in fields])
    return rows


def _convert(source: Path, fmt: str, target: Path, *, infilter: str = "") -> None:
    with tempfile.TemporaryDirectory() as work:
        command = [
            "soffice",
            f"-env:UserInstallation=file://{work}/profile",
            "--headless",
            "--norestore",
        ]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", fmt, "--outdir", work, str(source)]
        subprocess.run(command, check=True, capture_output=True, timeout=180)  # noqa: S603
        made = [p for p in Path(work).iterdir() if p.is_file()]
        if len(made) != 1:
            raise RuntimeError(f"LibreOffice made {made} from {source}")
        shutil.move(made[0], target)


def main() -> None:
    _setup()
    import openpyxl

    from core.tabular import csv_chunks, write_xlsx
    from imports.exports import column_kinds, header

    OUT.mkdir(parents=True, exist_ok=True)
    head, rows = header("enterprises"), source_rows()
    made: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        export_csv = work / "export.csv"
        export_csv.write_bytes(b"".join(csv_chunks(head, rows)))
        export_xlsx = work / "export.xlsx"
        with export_xlsx.open("wb") as handle:
            write_xlsx(
                handle,
                head,
                rows,
                title="enterprises",
                kinds=column_kinds("enterprises"),
            )
        shutil.copy(export_csv, OUT / "export.csv")
        shutil.copy(export_xlsx, OUT / "export.xlsx")
        made += [
            ("export.csv", "the CSV export of the rows (core.tabular.csv_chunks)"),
            ("export.xlsx", "the XLSX export of the rows (core.tabular.write_xlsx)"),
        ]
        for fmt, suffix in (("xlsx", "xlsx"), ("ods", "ods"), ("xls", "xls")):
            name = f"csv-saved-as.{suffix}"
            _convert(export_csv, fmt, OUT / name, infilter=CSV_IN)
            made.append((name, f"export.csv opened in LibreOffice, saved as {fmt}"))
            name = f"xlsx-saved-as.{suffix}"
            _convert(export_xlsx, fmt, OUT / name)
            made.append((name, f"export.xlsx opened in LibreOffice, saved as {fmt}"))
        _convert(export_csv, CSV_OUT, OUT / "csv-saved-as.csv", infilter=CSV_IN)
        made.append(("csv-saved-as.csv", "export.csv opened and saved as CSV"))
        _convert(export_xlsx, CSV_OUT, OUT / "xlsx-saved-as.csv")
        made.append(("xlsx-saved-as.csv", "export.xlsx saved as CSV (UTF-8)"))
        _convert(export_xlsx, UTF16_OUT, OUT / "xlsx-saved-as-utf16.txt")
        made.append(
            (
                "xlsx-saved-as-utf16.txt",
                "export.xlsx saved as Unicode (UTF-16) tab-separated text",
            )
        )
        # Title rows above the header, and the data on a second sheet.
        workbook = openpyxl.load_workbook(export_xlsx)
        sheet = workbook.active
        sheet.insert_rows(1, 3)
        sheet["A1"] = "辽宁省纺织企业名录（2025年普查）"
        sheet["A2"] = "填报单位：兴城市工信局"
        titled = work / "titled.xlsx"
        workbook.save(titled)
        _convert(titled, "xlsx", OUT / "title-rows.xlsx")
        made.append(
            (
                "title-rows.xlsx",
                "export.xlsx with two title rows and a "
                "blank row above the header, saved by LibreOffice",
            )
        )
        workbook = openpyxl.load_workbook(export_xlsx)
        notes = workbook.create_sheet("说明", 0)
        notes.append(["本表为兴城市纺织企业名录，数据在第二个工作表。"])
        two = work / "two.xlsx"
        workbook.save(two)
        for fmt in ("xlsx", "ods"):
            _convert(two, fmt, OUT / f"second-sheet.{fmt}")
            made.append(
                (
                    f"second-sheet.{fmt}",
                    "a notes sheet first, the export "
                    f"on the second sheet, saved by LibreOffice as {fmt}",
                )
            )
        workbook = openpyxl.load_workbook(export_xlsx)
        workbook.create_sheet("Sheet0", 0)
        empty = work / "empty.xlsx"
        workbook.save(empty)
        _convert(empty, "xlsx", OUT / "empty-first-sheet.xlsx")
        made.append(
            (
                "empty-first-sheet.xlsx",
                "an empty first sheet, the export on the second, saved by LibreOffice",
            )
        )
    version = subprocess.run(  # noqa: S603
        ["soffice", "--version"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    readme = io.StringIO()
    readme.write(
        "# Spreadsheets saved by real spreadsheet software\n\n"
        "Made by `scripts/make_spreadsheet_fixtures.py` (run it to regenerate them) "
        f"with {version}, headless. The source rows are four enterprises with "
        "all-digit USCCs (one with a letter) and phones with leading zeros.\n\n"
    )
    for name, how in made:
        readme.write(f"- `{name}`: {how}.\n")
    (OUT / "README.md").write_text(readme.getvalue())


if __name__ == "__main__":
    main()
