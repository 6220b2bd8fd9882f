"""Reading and writing spreadsheets: CSV, XLSX, XLS and ODS, safely.

Reading
    The format is decided by the content, not the file name: a ZIP container is
    read as an XLSX or ODS workbook and an OLE2 one as a legacy XLS workbook, both
    through python-calamine (`core.workbooks`, which also keeps a workbook from
    taking more memory than its cells need); anything else must be text and is read
    as CSV: UTF-8 (with or without a BOM), else GB18030 (a superset of GBK and
    GB2312, what Chinese Excel writes), or UTF-16 with its BOM (Excel's "Unicode
    text", tab-separated). Cells are text: numbers without a needless ".0" (a
    `NumberCell`, so a code column can refuse a code the spreadsheet turned into a
    number), dates as ISO dates. Every problem with the file as a whole raises
    :class:`TabularError` with one translated message; nothing is half-read.

Writing
    CSV is UTF-8 with a BOM (Excel and WPS then read it as UTF-8); XLSX is written
    by our own streaming writer (`core.sheetwriter`: code columns formatted as
    text, numbers as numbers, dates as dates, the header frozen). Both are
    produced row by row so an export streams in constant memory. A cell that
    starts with ``= + - @`` (or a tab or carriage return) is neutralised with a
    leading apostrophe so a spreadsheet never runs it as a formula; reading undoes
    exactly that, so an export re-imports unchanged.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from core import workbooks
from core.messages import StoredMessageError, coded
from core.sheetwriter import write_xlsx

__all__ = ["write_xlsx"]  # the XLSX writer lives in core.sheetwriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_START)
BOM = codecs.BOM_UTF8
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000


class TabularError(StoredMessageError):
    """A file that cannot be read as a table. ``stored`` says why (`core.messages`)."""


@dataclass
class Table:
    format: str  # "csv", "xlsx", "xls" or "ods"
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "utf-16" or "" (a workbook)
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number, cells as text) after header
    estimated_rows: int = 0  # data rows, roughly (for progress bars)
    sheet: str = ""  # the sheet read (a workbook)
    sheets: list[str] = field(default_factory=list)  # the workbook's sheets
    skipped: int = 0  # non-empty rows above the header (titles)


class NumberCell(str):
    """A workbook cell that held a number, as its text ("912108020079393024" for
    9.12108020079393e17): a column of codes tells it from the same digits typed as
    text, which a spreadsheet keeps exactly (`imports.cells.code_cell_error`)."""

    __slots__ = ()


def _number_cell(value: int | float) -> NumberCell:
    if value.__class__ is float and value.is_integer():
        return NumberCell(int(value))
    return NumberCell(value)


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet (no formula)."""
    if value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise` (and only that)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


# --- Reading ------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """The text encoding of CSV bytes: utf-8-sig, utf-8 or gb18030."""
    if data.startswith(BOM):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TabularError(coded("file_bad_utf8")) from exc
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TabularError(coded("file_encoding")) from exc
    return "gb18030"


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls > max(8, len(sample) // 100)


def _clean_cell(value: str) -> str:
    """`unneutralise(value.strip())[:MAX_CELL_CHARS]`, inlined (it runs for every
    cell of an import)."""
    value = value.strip()
    if value[:1] == "'" and len(value) > 1 and value[1] in "=+-@\t\r":
        value = value[1:]
    return value if len(value) <= MAX_CELL_CHARS else value[:MAX_CELL_CHARS]


def _clean_row(cells: list[str]) -> list[str]:
    """`_clean_cell` of each of a row's stripped cells (`NumberCell`s as they
    are). A row without an apostrophe and shorter than MAX_CELL_CHARS in all
    needs no more than the stripping: most rows cost a few C-level calls, not a
    Python call per cell (0.9 of the 1.45 s CPU of turning 100,000 rows of 40
    cells into text)."""
    joined = "\x00".join(cells)
    if "'" in joined or len(joined) > MAX_CELL_CHARS:
        return [c if c.__class__ is NumberCell else _clean_cell(c) for c in cells]
    return cells


def _csv_rows(text: str) -> Iterator[list[str]]:
    sample = text[:8192]
    delimiter = ","
    first_line = sample.split("\n", 1)[0]
    if first_line.count("\t") > first_line.count(",") and "\t" in first_line:
        delimiter = "\t"
    elif first_line.count(";") > first_line.count(",") and ";" in first_line:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield _clean_row([c.strip() for c in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise TabularError(coded("csv_malformed", line=reader.line_num)) from exc


def _cell_text(value: Any) -> str:
    """A workbook cell as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _non_empty(
    rows: Iterable[tuple[int, list[str]]],
) -> Iterator[tuple[int, list[str]]]:
    """Numbered rows, skipping empty ones."""
    for number, row in rows:
        if any(row):
            yield number, row


HEADER_SCAN_ROWS = 30  # rows above the header (titles, notes) looked through


def read_table(
    data: bytes,
    *,
    max_bytes: int | None = None,
    is_header: Callable[[list[str]], bool] | None = None,
    sheet: str = "",
) -> Table:
    """Open CSV, XLSX, XLS or ODS bytes as a table of text cells (header + rows).

    With `is_header`, the header is the first row it accepts among the first
    HEADER_SCAN_ROWS non-empty rows (title rows above it are skipped), on the first
    sheet that has one (else the first row of the first sheet with rows); `sheet`
    names the one sheet to read. Raises TabularError for an empty, oversized,
    binary, damaged or header-less file. Rows are read lazily; a damage found
    while iterating also raises TabularError.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise TabularError(coded("file_too_large", mb=f"{max_bytes / 1_000_000:g}"))
    if not data.strip():
        raise TabularError(coded("file_empty"))
    if data.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        tables = _workbook_tables(data, sheet)
    else:
        tables = iter([_csv_table(data)])
    fallback: Table | None = None
    for table in tables:
        found = _find_header(table, is_header)
        if found is True:
            return table
        if found is False and fallback is None:
            fallback = table
    if fallback is None:
        raise TabularError(coded("file_empty"))
    return fallback


def _find_header(table: Table, is_header: Callable[[list[str]], bool] | None):
    """Set the table's header: True when `is_header` accepted a row (or there is
    no test), False when none was accepted (the header is then the first row and
    the rows the ones after it), None for a table without rows."""
    seen: list[tuple[int, list[str]]] = []
    for number, cells in table.rows:
        if is_header is None or is_header(cells):
            table.header = cells
            table.skipped = len(seen)
            return True
        seen.append((number, cells))
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    if not seen:
        return None
    table.header = seen[0][1]
    table.rows = itertools.chain(seen[1:], table.rows)
    return False


def _csv_table(data: bytes) -> Table:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise TabularError(coded("file_bad_utf16")) from exc
    else:
        if _looks_binary(data):
            raise TabularError(coded("file_binary"))
        encoding = detect_encoding(data)
        text = data.decode(encoding)
    rows = enumerate(_csv_rows(text), start=1)
    return Table("csv", encoding, [], _non_empty(rows), text.count("\n"))


def _workbook_tables(data: bytes, only: str) -> Iterator[Table]:
    try:
        names, sheets = workbooks.open_sheets(
            data,
            zip_container=data.startswith(ZIP_MAGIC),
            only=only,
            convert=_row_cells,
        )
        for sheet in sheets:
            table = _sheet_table(sheet)
            table.sheets = names
            yield table
    except workbooks.BadWorkbook as exc:
        raise TabularError(_workbook_message(exc, data)) from exc


def _row_cells(row: list[Any]) -> list[str]:
    """A workbook row's values as cleaned text cells, the grid's padding after
    the last cell dropped."""
    cells = _clean_row(
        [
            v.strip()
            if v.__class__ is str
            else _number_cell(v)
            if v.__class__ is float or v.__class__ is int
            else _cell_text(v).strip()
            for v in row[:MAX_COLUMNS]
        ]
    )
    while cells and not cells[-1]:  # the grid pads rows to its width
        cells.pop()
    return cells


def _sheet_table(sheet: workbooks.Sheet) -> Table:
    label = sheet.format.upper()

    def cells() -> Iterator[tuple[int, list[str]]]:
        try:
            if sheet.converted:  # by core.sheetsplit's processes
                yield from sheet.rows
                return
            for number, row in sheet.rows:
                yield number, _row_cells(row)
        except Exception as exc:  # noqa: BLE001 - any damage found while reading
            raise TabularError(_damaged(label)) from exc

    return Table(
        sheet.format,
        "",
        [],
        _non_empty(cells()),
        sheet.estimated_rows,
        sheet=sheet.name,
    )


def _damaged(label: str) -> dict[str, Any]:
    return coded("file_damaged", format=label)


def _workbook_message(exc: workbooks.BadWorkbook, data: bytes) -> Any:
    if exc.reason == workbooks.NOT_A_WORKBOOK:
        return coded("zip_not_workbook")
    if exc.reason == workbooks.NO_SHEET:
        return coded("workbook_no_sheet")
    if exc.reason == workbooks.NO_SUCH_SHEET:
        return coded(
            "workbook_no_such_sheet",
            sheet=exc.params["sheet"],
            sheets=list(exc.params["sheets"]),
        )
    if exc.reason == workbooks.TOO_LARGE:
        return coded(
            "sheet_too_large",
            rows=exc.params["rows"],
            columns=exc.params["columns"],
            cells=workbooks.MAX_SHEET_CELLS,
        )
    if exc.reason == workbooks.UNPACKS_TOO_LARGE:
        return coded(
            "unpacks_too_large",
            size=round(exc.params["size"] / 1_000_000),
            limit=round(exc.params["limit"] / 1_000_000),
        )
    if exc.reason == workbooks.CELL_TOO_LARGE:
        return coded("cell_too_large", limit=f"{exc.params['limit'] / 1_000_000:g}")
    label = exc.params.get("format") or (
        "xls" if data.startswith(OLE2_MAGIC) else "xlsx"
    )
    return _damaged(label.upper())


# --- Writing ------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def _safe_cells(row: Iterable[Any]) -> list[str]:
    """`neutralise(_text(v))` for each cell, inlined (it runs for every cell of an
    export)."""
    cells = [v if v.__class__ is str else "" if v is None else str(v) for v in row]
    return ["'" + c if c[:1] in _FORMULA_CHARS else c for c in cells]


def csv_chunks(
    header: list[str], rows: Iterable[list[Any]], *, rows_per_chunk: int = 2000
) -> Iterator[bytes]:
    """CSV (UTF-8 with BOM) as byte chunks, neutralised, for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(_text(h)) for h in header])
    yield BOM + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    batch: list[list[str]] = []
    for row in rows:
        batch.append(_safe_cells(row))
        if len(batch) >= rows_per_chunk:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if batch:
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(
    header: list[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "",
    chunk_size: int = 64 * 1024,
    **options: Any,
) -> Iterator[bytes]:
    """An XLSX workbook as byte chunks: built in a temporary file, then streamed
    (`options` as for `write_xlsx`: column kinds, extra sheets, drop-downs)."""
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(tmp, header, rows, title=title, **options)
        tmp.seek(0)
        while chunk := tmp.read(chunk_size):
            yield chunk
