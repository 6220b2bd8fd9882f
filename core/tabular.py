"""Reading and writing spreadsheets: CSV, XLSX, XLS and ODS, safely.

Reading
    The format is decided by the content, not the file name: a ZIP container is
    read as an XLSX or ODS workbook and an OLE2 one as a legacy XLS workbook, both
    through python-calamine (`core.workbooks`, which also keeps a workbook from
    taking more memory than its cells need); anything else must be text and is read
    as CSV: UTF-8 (with or without a BOM), else GB18030 (a superset of GBK and
    GB2312, what Chinese Excel writes). Cells are text: numbers without a needless
    ".0", dates as ISO dates. Every problem with the file as a whole raises
    :class:`TabularError` with one translated message; nothing is half-read.

Writing
    CSV is UTF-8 with a BOM (Excel and WPS then read it as UTF-8); XLSX is written
    by our own streaming writer. Both are produced row by row so an export streams
    in constant memory. A cell that starts with ``= + - @`` (or a tab or carriage
    return) is neutralised with a leading apostrophe so a spreadsheet never runs it
    as a formula; reading undoes exactly that, so an export re-imports unchanged.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import queue
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from core import workbooks

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_START)
BOM = codecs.BOM_UTF8
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000


class TabularError(Exception):
    """A file that cannot be read as a table; ``message`` is for the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class Table:
    format: str  # "csv", "xlsx", "xls" or "ods"
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "" (a workbook)
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number, cells as text) after header
    estimated_rows: int = 0  # data rows, roughly (for progress bars)


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
            raise TabularError(
                _("The file starts like UTF-8 text but contains invalid characters.")
            ) from exc
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TabularError(
            _(
                "The file's text encoding was not recognised. Save it as CSV "
                "(UTF-8 or GBK) or as XLSX."
            )
        ) from exc
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
            yield [_clean_cell(c) for c in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise TabularError(
            _("The CSV file is malformed near line %(line)d.")
            % {"line": reader.line_num}
        ) from exc


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


def read_table(data: bytes, *, max_bytes: int | None = None) -> Table:
    """Open CSV, XLSX, XLS or ODS bytes as a table of text cells (header + rows).

    Raises TabularError for an empty, oversized, binary, damaged or header-less file.
    Rows are read lazily; a damage found while iterating also raises TabularError.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise TabularError(
            _("The file is too large: the limit is %(mb)s MB.")
            % {"mb": f"{max_bytes / 1_000_000:g}"}
        )
    if not data.strip():
        raise TabularError(_("The file is empty."))
    if data.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        table = _open_workbook(data)
    else:
        if _looks_binary(data):
            raise TabularError(
                _("This is not a CSV, XLSX, XLS or ODS file (it contains binary data).")
            )
        encoding = detect_encoding(data)
        text = data.decode(encoding)
        rows = enumerate(_csv_rows(text), start=1)
        table = Table("csv", encoding, [], _non_empty(rows), text.count("\n"))
    try:
        _number, header = next(table.rows)
    except StopIteration:
        raise TabularError(_("The file is empty.")) from None
    table.header = header
    return table


def _open_workbook(data: bytes) -> Table:
    try:
        sheet = workbooks.open_workbook(data, zip_container=data.startswith(ZIP_MAGIC))
    except workbooks.BadWorkbook as exc:
        raise TabularError(_workbook_message(exc, data)) from exc
    label = sheet.format.upper()

    def cells() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in sheet.rows:
                cells = [
                    (_clean_cell(v) if v else "")
                    if v.__class__ is str
                    else _clean_cell(_cell_text(v))
                    for v in row[:MAX_COLUMNS]
                ]
                while cells and not cells[-1]:  # the grid pads rows to its width
                    cells.pop()
                yield number, cells
        except Exception as exc:  # noqa: BLE001 - any damage found while reading
            raise TabularError(_damaged(label)) from exc

    return Table(sheet.format, "", [], _non_empty(cells()), sheet.estimated_rows)


def _damaged(label: str) -> str:
    return _("The %(format)s file is damaged or incomplete and cannot be read.") % {
        "format": label
    }


def _workbook_message(exc: workbooks.BadWorkbook, data: bytes) -> Any:
    if exc.reason == workbooks.NOT_A_WORKBOOK:
        return _("This ZIP file is not an XLSX or ODS workbook.")
    if exc.reason == workbooks.NO_SHEET:
        return _("The workbook has no worksheet.")
    if exc.reason == workbooks.TOO_LARGE:
        return _(
            "The sheet is too large: it spans %(rows)s rows and %(columns)s "
            "columns, and at most %(cells)s cells can be read. Delete what lies "
            "beyond the table, or split it into several files."
        ) % {
            "rows": f"{exc.params['rows']:,}",
            "columns": f"{exc.params['columns']:,}",
            "cells": f"{workbooks.MAX_SHEET_CELLS:,}",
        }
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


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_ILLEGAL = re.compile(r"[\\/*?:\[\]]")
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        'main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
        '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf '
        'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}


def _xml_text(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


class _BackgroundWriter:
    """Writes bytes to a file object from a second thread, a few chunks behind:
    zlib compresses without holding the GIL, so the ZIP entry's deflating runs on
    the other core while the next rows are built."""

    def __init__(self, out: IO[bytes], depth: int = 4) -> None:
        self.out = out
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.out.write(data)
                except BaseException as exc:  # noqa: BLE001 - re-raised by the caller
                    self.error = exc

    def write(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def __enter__(self) -> _BackgroundWriter:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc_info[0] is None:
            raise self.error


def write_xlsx(
    out: IO[bytes], header: list[str], rows: Iterable[list[Any]], *, title: str = ""
) -> None:
    """Write an XLSX workbook, every cell a (neutralised) inline string.

    The sheet's XML is written straight into the ZIP entry as rows come, so memory
    stays constant (openpyxl's write-only mode managed about 2,000 rows a second
    and kept every string in memory; this writes ten times as many)."""
    title = _SHEET_TITLE_ILLEGAL.sub("", title or "Sheet1")[:31] or "Sheet1"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="'
            + _xml_text(title).replace('"', "&quot;")
            + '" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with (
            archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet,
            _BackgroundWriter(sheet) as background,
        ):
            background.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                b'2006/main"><sheetData>'
            )
            parts: list[str] = []
            # Cells carry no reference: a row's cells are in column order, an empty
            # one is an empty <c/>. A row is built from its cells joined by a
            # separator, replaced by the XML between two cells in one go.
            for number, row in enumerate(itertools.chain([header], rows), start=1):
                cells = _safe_cells(row)
                text = _SEPARATOR.join(cells)
                if text.count(_SEPARATOR) != len(cells) - 1 or _XML_CARE.search(text):
                    parts.append(_careful_row(number, cells))
                else:
                    parts.append(
                        f'<row r="{number}">{_CELL_START}'
                        f"{_xml_text(text).replace(_SEPARATOR, _CELL_NEXT)}"
                        f"{_CELL_END}</row>"
                    )
                if len(parts) >= 1000:
                    chunk = "".join(parts).replace(_CELL_EMPTY, "<c/>")
                    background.write(chunk.encode("utf-8"))
                    parts.clear()
            parts.append("</sheetData></worksheet>")
            chunk = "".join(parts).replace(_CELL_EMPTY, "<c/>")
            background.write(chunk.encode("utf-8"))


_SEPARATOR = "\uffff"  # not allowed in XML, so never part of a written cell
_CELL_START = '<c t="inlineStr"><is><t xml:space="preserve">'
_CELL_END = "</t></is></c>"
_CELL_NEXT = _CELL_END + _CELL_START
_CELL_EMPTY = _CELL_START + _CELL_END
# Characters XML cannot hold (but the separator): such a row is written cell by cell.
_XML_CARE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe]")


def _careful_row(number: int, cells: list[str]) -> str:
    out = [f'<row r="{number}">']
    for cell in cells:
        cell = _xml_text(_XML_ILLEGAL.sub("", cell))
        out.append(_CELL_START + cell + _CELL_END if cell else "<c/>")
    out.append("</row>")
    return "".join(out)


def xlsx_chunks(
    header: list[str],
    rows: Iterable[list[Any]],
    *,
    title: str = "",
    chunk_size: int = 64 * 1024,
) -> Iterator[bytes]:
    """An XLSX workbook as byte chunks: built in a temporary file, then streamed."""
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(tmp, header, rows, title=title)
        tmp.seek(0)
        while chunk := tmp.read(chunk_size):
            yield chunk
