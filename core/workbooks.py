"""Workbooks (XLSX, ODS and legacy XLS) read through python-calamine, safely.

calamine reads the first sheet into memory as a dense grid from its first to its
last value cell, so a few cells far apart (a stray value in XFD1048576, or a row of
an ODS sheet repeated a million times: a file of a kilobyte) would take gigabytes.
Before calamine sees a ZIP workbook, every part of it is inflated here once, to
exactly its declared size with its CRC checked (a ZIP whose sizes lie is refused),
XML that declares a DTD is refused (entity bombs), and the extent of each sheet is
worked out from its XML as it streams by: a sheet spanning more than
MAX_SHEET_CELLS is refused. A legacy XLS (at most 65,536 x 256 cells) is checked
once read. What is wrong is raised as `BadWorkbook`, whose reason
`core.tabular` turns into a message.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

MAX_SHEET_CELLS = 10_000_000  # e.g. 250,000 rows of 40 columns
# All parts of a ZIP workbook, inflated: at most MAX_UNPACKED_BYTES, and at most
# MAX_RATIO times the file's own size above RATIO_FLOOR (an export of 100,000 rows
# inflates 48 times, files LibreOffice saves 4 to 5 times; a ZIP bomb hundreds of
# times). Checked on the sizes the archive declares before anything is inflated,
# then on the bytes as they are inflated.
MAX_UNPACKED_BYTES = 500_000_000
MAX_RATIO = 200
RATIO_FLOOR = 20_000_000
MAX_TEXT_BYTES = 1_000_000  # between two tags of the XML (a cell's text)
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_PIECE = 4 * 1024 * 1024  # bytes of a part scanned at a time

DAMAGED = "damaged"
NOT_A_WORKBOOK = "not_a_workbook"
NO_SHEET = "no_sheet"
TOO_LARGE = "too_large"
NO_SUCH_SHEET = "no_such_sheet"
UNPACKS_TOO_LARGE = "unpacks_too_large"
CELL_TOO_LARGE = "cell_too_large"


def unpacked_limit(packed: int) -> int:
    """How many bytes the parts of a ZIP workbook of `packed` bytes may inflate
    to."""
    return min(MAX_UNPACKED_BYTES, max(RATIO_FLOOR, packed * MAX_RATIO))


class BadWorkbook(Exception):
    """Why a workbook cannot be read: `reason` (one of the constants above) and
    `params` (rows and columns of a sheet too large; the sheet asked for and
    the sheets there are)."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass
class Sheet:
    format: str  # "xlsx", "ods" or "xls"
    rows: Iterator[tuple[int, list[Any]]]  # (row number, cell values)
    estimated_rows: int
    name: str = ""


def open_workbook(data: bytes, *, zip_container: bool) -> Sheet:
    """The first sheet of a workbook: a ZIP container (XLSX, ODS) or an OLE2 one
    (XLS). Raises BadWorkbook; calamine's errors while reading rows are raised
    from the row iterator as they are (the caller reports damage)."""
    _names, sheets = open_sheets(data, zip_container=zip_container)
    return next(sheets)


def open_sheets(
    data: bytes, *, zip_container: bool, only: str = ""
) -> tuple[list[str], Iterator[Sheet]]:
    """The names of a workbook's sheets and the sheets themselves, in order (or
    the one named `only`), each read when the iterator reaches it. Raises
    BadWorkbook (also from the iterator, for a sheet too large)."""
    fmt = _check_zip(data) if zip_container else "xls"
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except CalamineError as exc:
        raise BadWorkbook(DAMAGED) from exc
    except (ValueError, OSError) as exc:  # not a workbook calamine knows
        raise BadWorkbook(DAMAGED) from exc
    if not names:
        raise BadWorkbook(NO_SHEET)
    if only and only not in names:
        raise BadWorkbook(NO_SUCH_SHEET, sheet=only, sheets=names)

    def sheets() -> Iterator[Sheet]:
        for index, name in enumerate(names):
            if only and name != only:
                continue
            try:
                sheet = workbook.get_sheet_by_index(index)
            except CalamineError as exc:
                raise BadWorkbook(DAMAGED, format=fmt) from exc
            except (ValueError, OSError) as exc:
                raise BadWorkbook(DAMAGED, format=fmt) from exc
            if sheet.height * sheet.width > MAX_SHEET_CELLS:
                raise BadWorkbook(TOO_LARGE, rows=sheet.height, columns=sheet.width)
            start = sheet.start or (0, 0)
            yield Sheet(
                fmt,
                _numbered(sheet.iter_rows(), start),
                max(sheet.height - 1, 0),
                name,
            )

    return names, sheets()


def _numbered(rows: Iterator[list[Any]], start: tuple[int, int]):
    """Rows numbered as in the sheet (1 = its first row), each padded from column
    A (calamine's grid starts at the first value cell)."""
    pad = [""] * start[1]
    for number, row in enumerate(rows, start=start[0] + 1):
        yield number, pad + row if pad else row


# --- ZIP containers ------------------------------------------------------------------


def _check_zip(data: bytes) -> str:
    """Check a ZIP workbook part by part (see the module doc); its format."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
        names = {i.filename for i in infos}
        if {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            fmt = "xlsx"
        elif {"mimetype", "content.xml"} <= names and (
            archive.read("mimetype").strip() == ODS_MIMETYPE
        ):
            fmt = "ods"
        else:
            raise BadWorkbook(NOT_A_WORKBOOK)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadWorkbook(DAMAGED) from exc
    try:
        _check_parts(data, infos, fmt)
    except BadWorkbook as exc:
        exc.params.setdefault("format", fmt)
        raise
    return fmt


def _check_parts(data: bytes, infos: list[zipfile.ZipInfo], fmt: str) -> None:
    limit = unpacked_limit(len(data))
    declared = sum(i.file_size for i in infos)
    if declared > limit:  # before anything is inflated
        raise BadWorkbook(UNPACKS_TOO_LARGE, size=declared, limit=limit)
    inflated = 0
    for info in infos:
        name = info.filename
        extent: XlsxExtent | OdsExtent | None = None
        if fmt == "xlsx" and name.startswith("xl/worksheets/"):
            extent = XlsxExtent()
        elif fmt == "ods" and name == "content.xml":
            extent = OdsExtent()
        xml = name.endswith((".xml", ".rels", ".vml"))
        tail = b""
        texts = _TextRuns(MAX_TEXT_BYTES)
        for piece in _inflate(data, info):
            inflated += len(piece)
            if inflated > limit:  # each part stops at its declared size anyway
                raise BadWorkbook(UNPACKS_TOO_LARGE, size=inflated, limit=limit)
            if xml:
                window = tail + piece
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                    raise BadWorkbook(DAMAGED)
                tail = window[-8:]
                texts.feed(piece)
            if extent is not None:
                extent.feed(piece)
        if extent is not None:
            rows, columns = extent.finish()
            if rows * columns > MAX_SHEET_CELLS and isinstance(extent, XlsxExtent):
                # The quick bound counts every row with cells: look at each value
                # cell once.
                extent = XlsxExtent(exact=True)
                for piece in _inflate(data, info):
                    extent.feed(piece)
                rows, columns = extent.finish()
            if rows * columns > MAX_SHEET_CELLS:
                raise BadWorkbook(TOO_LARGE, rows=rows, columns=columns)


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes, inflated from its own data (not trusting the reader of the
    ZIP to stop where the sizes say): exactly `file_size` bytes with the CRC the
    archive names, else BadWorkbook."""
    if info.flag_bits & 0x1:  # encrypted
        raise BadWorkbook(DAMAGED)
    offset = info.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04":
        raise BadWorkbook(DAMAGED)
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise BadWorkbook(DAMAGED)
    size = crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), _PIECE):
            piece = bytes(raw[at : at + _PIECE])
            size += len(piece)
            crc = zlib.crc32(piece, crc)
            yield piece
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        for at in range(0, len(raw), _PIECE):
            pending = bytes(raw[at : at + _PIECE])
            while pending:
                try:
                    piece = inflater.decompress(pending, _PIECE)
                except zlib.error as exc:
                    raise BadWorkbook(DAMAGED) from exc
                pending = inflater.unconsumed_tail
                size += len(piece)
                if size > info.file_size:
                    raise BadWorkbook(DAMAGED)
                crc = zlib.crc32(piece, crc)
                yield piece
        if not inflater.eof:
            raise BadWorkbook(DAMAGED)
    else:
        raise BadWorkbook(DAMAGED)
    if size != info.file_size or crc != info.CRC:
        raise BadWorkbook(DAMAGED)


class _TextRuns:
    """Refuses an XML part with more than `limit` bytes between two ``<`` (a
    cell's text: a cell of 300 MB would take more than that in memory twice, in
    calamine and in Python), fed in pieces. A piece is searched for a ``<`` in
    windows of half the limit, so a piece of ordinary XML costs a few searches;
    only around a window without one is the stretch measured."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.run = 0  # bytes since the last "<" of the pieces so far

    def _check(self, length: int) -> None:
        if length > self.limit:
            raise BadWorkbook(CELL_TOO_LARGE, size=length, limit=self.limit)

    def feed(self, piece: bytes) -> None:
        first = piece.find(b"<")
        if first < 0:
            self.run += len(piece)
            self._check(self.run)
            return
        self._check(self.run + first)
        step = max(self.limit // 2, 1)
        for start in range(first + 1, len(piece), step):
            end = start + step
            if end <= len(piece) and piece.find(b"<", start, end) < 0:
                following = piece.find(b"<", end)
                if following < 0:
                    break  # the piece's tail, measured below
                self._check(following - piece.rfind(b"<", 0, start) - 1)
        self.run = len(piece) - piece.rfind(b"<") - 1
        self._check(self.run)


# --- Sheet extents -------------------------------------------------------------------


class XlsxExtent:
    """The rows and columns from A1 to the last value cell of an XLSX sheet, from
    its XML fed in pieces. A cell carries its reference (``r="AB12"``) or follows
    the one before; a value cell is one that is neither self-closing nor empty.

    Quickly, the height is bounded by the number of the last row with cells, and
    a regular expression finds only the value cells beyond the extent known so
    far (in a sheet written row by row, the first rows give the width), so a piece
    costs a few searches whatever its cells. Cells without a reference first
    (their place depends on the cells before) are bounded by the widest reference
    and the fullest row. `exact` reads the reference of every value cell instead
    (for a sheet the quick bound finds too large)."""

    def __init__(self, *, exact: bool = False) -> None:
        self.exact = exact
        self.rows = self.columns = 0
        self.unnumbered = 0  # rows without a number (each follows the one before)
        self.prefix: bytes | None = None
        self.rest = b""

    def feed(self, piece: bytes) -> None:
        data = self.rest + piece
        if self.prefix is None:
            found = re.search(rb"<(\w+:)?worksheet\b", data)
            if found is None and len(data) < _PIECE:
                self.rest = data
                return
            self.prefix = (found.group(1) or b"") if found else b""
        end_tag = b"</" + self.prefix + b"row>"
        end = data.rfind(end_tag)  # scan whole rows
        cut = end + len(end_tag) if end >= 0 else 0
        if not cut and len(data) > 16 * _PIECE:  # a huge row: whole tags
            cut = data.rfind(b">") + 1
        self.rest, data = data[cut:], data[:cut]
        if data:
            self._scan(data)

    def finish(self) -> tuple[int, int]:
        if self.rest:
            self._scan(self.rest)
            self.rest = b""
        return self.rows + self.unnumbered, self.columns

    def _scan(self, data: bytes) -> None:
        patterns = _xlsx_patterns(self.prefix or b"")
        numbered = patterns.row_numbers.findall(data)
        if not self.exact:
            self.rows = max(
                self.rows,
                max((int(n) for n, closed in numbered if not closed), default=0),
            )
        if patterns.unnumbered_row.search(data):
            self.unnumbered += patterns.row_tag.count(data) - len(numbered)
        if patterns.unreferenced_cell.search(data):
            self._scan_unreferenced(data, patterns, numbered)
        if self.exact or patterns.beyond(self.rows, self.columns).search(data):
            for letters, digits in patterns.value_refs.findall(data):
                self.columns = max(self.columns, _column_number(letters))
                self.rows = max(self.rows, int(digits))

    def _scan_unreferenced(
        self, data: bytes, patterns: _XlsxPatterns, numbered: list
    ) -> None:
        refs = _cell_refs(data, patterns)
        widest = max((_column_number(letters) for letters, _d in refs), default=0)
        lowest = max((int(digits) for _l, digits in refs), default=0)
        # The cells of the fullest row: "<c" counts a row's cells and more (the
        # <cols> of the sheet's start; counted in, a sheet of our own export
        # looked twice as wide as it is), so a row that would be the fullest is
        # counted again by its cell tags alone.
        cell = b"<" + (self.prefix or b"") + b"c"
        fullest = 0
        for row in data.split(b"row>"):
            if row.count(cell) > fullest:
                fullest = max(fullest, len(patterns.cell_tag.findall(row)))
        self.columns = max(self.columns, widest + fullest)
        highest = max((int(n) for n, _closed in numbered), default=0)
        self.rows = max(self.rows, highest, lowest)


def _cell_refs(data: bytes, patterns: _XlsxPatterns) -> list[tuple[bytes, bytes]]:
    """The references (column, row) of the cells that carry one: each ``r="…"``
    of letters and digits found by a search for its fixed text that stands in
    the tag of a cell (after a ``<c`` and whitespace, with no ``>`` between, and
    not the end of a longer name). One pattern for all of it tried every cell
    of a sheet written without references: 1.3 of the 2.8 s CPU of checking a
    sheet of 100,000 rows."""
    refs = []
    for found in patterns.ref_texts.finditer(data):
        start = found.start()
        if _WORD_BYTE.fullmatch(data[start - 1 : start]):
            continue
        tag_end = data.rfind(b">", 0, start)
        if patterns.cell_open.search(data, tag_end + 1, start):
            refs.append((found.group(1), found.group(2)))
    return refs


_WORD_BYTE = re.compile(rb"\w")


@dataclass(frozen=True)
class _XlsxPatterns:
    prefix: bytes
    row_numbers: re.Pattern[bytes]  # (a row's number, "/" if self-closing)
    unnumbered_row: re.Pattern[bytes]  # a row whose first attribute is no number
    row_tag: _Counter  # the row tags
    unreferenced_cell: re.Pattern[bytes]  # a cell whose first attribute is no r
    value_refs: re.Pattern[bytes]  # the reference of a value cell
    ref_texts: re.Pattern[bytes]  # what reads as a cell's reference (column, row)
    cell_open: re.Pattern[bytes]  # the start of a cell's tag with attributes
    cell_tag: re.Pattern[bytes]  # the start of a cell's tag

    def beyond(self, rows: int, columns: int) -> re.Pattern[bytes]:
        """Value cells beyond `rows` rows or `columns` columns."""
        return _beyond(self.prefix, rows, columns)


@dataclass(frozen=True)
class _Counter:
    tags: tuple[bytes, ...]

    def count(self, data: bytes) -> int:
        return sum(data.count(tag) for tag in self.tags)


@cache
def _xlsx_patterns(prefix: bytes) -> _XlsxPatterns:
    p = re.escape(prefix)
    return _XlsxPatterns(
        prefix,
        re.compile(rb"<" + p + rb'row\b[^>]*?\sr="(\d{1,10})"[^>]*?(/?)>'),
        re.compile(rb"<" + p + rb'row(?:>|\s+(?!r="))'),
        _Counter((b"<" + prefix + b"row ", b"<" + prefix + b"row>")),
        re.compile(rb"<" + p + rb'c(?:>|\s+(?!r="))'),
        re.compile(
            rb"<"
            + p
            + rb'c r="([A-Za-z]{1,4})(\d{1,10})"[^>]*(?<!/)>(?!</'
            + p
            + rb"c>)"
        ),  # fmt: skip
        re.compile(rb'r="([A-Za-z]{1,4})(\d{0,10})"'),
        re.compile(rb"<" + p + rb"c\s"),
        re.compile(rb"<" + p + rb"c[\s/>]"),
    )


@lru_cache(maxsize=64)
def _beyond(prefix: bytes, rows: int, columns: int) -> re.Pattern[bytes]:
    p = re.escape(prefix)
    letters = _greater(_column_letters(columns), letters=True)
    digits = _greater(str(rows), letters=False)
    ref = b"(?:" + letters + rb"\d+|[A-Za-z]+" + digits + b")"
    return re.compile(
        rb"<" + p + rb'c r="' + ref + rb'"[^>]*(?<!/)>(?!</' + p + rb"c>)"
    )


def _greater(text: str, *, letters: bool) -> bytes:
    """A pattern of the column letters (or row numbers) after `text`: longer
    ones, or as long and larger at the first character that differs."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if letters else "0123456789"

    def one_of(chars: str) -> str:
        return "[" + chars + chars.lower() + "]" if letters else "[" + chars + "]"

    parts = [one_of(alphabet) + f"{{{len(text) + 1},}}"]
    for i, char in enumerate(text):
        higher = alphabet[alphabet.index(char.upper()) + 1 :]
        if higher:
            same = "".join(one_of(c) if letters else c for c in text[:i])
            rest = one_of(alphabet) + f"{{{len(text) - i - 1}}}"
            parts.append(same + one_of(higher) + rest)
    return ("(?:" + "|".join(parts) + ")").encode()


def _column_letters(number: int) -> str:
    """1 -> A, 27 -> AA; 0 -> "" (before A)."""
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column_number(letters: bytes) -> int:
    """b"A" -> 1, b"AA" -> 27."""
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


_ODS_TAG = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d{1,10})"')
_ODS_COLUMNS = re.compile(rb'table:number-columns-repeated="(\d{1,10})"')


class OdsExtent:
    """The rows and columns from A1 to the last value cell of the tables of an
    ODS ``content.xml`` fed in pieces, repeated rows and cells counted (a cell is
    a value unless it is self-closing without a value type).

    A piece is looked at in whole rows: each row's last value cell is found from
    its end (a few searches), and its cells before it counted, so a sheet of
    100,000 rows costs a few hundred thousand C-level searches instead of a
    Python call per cell (14 s of CPU). A row longer than a piece is followed tag
    by tag."""

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.table_rows = self.row_repeat = self.column = self.row_last = 0
        self.in_row = False  # within a row followed tag by tag
        self.rest = b""

    def feed(self, piece: bytes) -> None:
        data = self.rest + piece
        end = data.rfind(_ODS_ROW_END)
        if end >= 0 and not self.in_row:
            cut = end + len(_ODS_ROW_END)
            self.rest, data = data[cut:], data[:cut]
            self._rows(data)
        else:
            cut = data.rfind(b">") + 1
            self.rest, data = data[cut:], data[:cut]
            self._tags(data)

    def finish(self) -> tuple[int, int]:
        if self.rest:
            self._tags(self.rest)
            self.rest = b""
        return self.rows, self.columns

    def _rows(self, data: bytes) -> None:
        """Whole rows (and what lies between them)."""
        covered = _ODS_COVERED in data
        parts = [data]
        if b"<table:table " in data or b"<table:table>" in data:
            parts = _ODS_TABLE_OPEN.split(data)
        for number, part in enumerate(parts):
            if number:
                self.table_rows = 0
            for row in part.split(b"<table:table-row")[1:]:
                if row[:1] not in _ODS_AFTER_NAME:
                    continue  # <table:table-rows>, <table:table-row-group>
                head_end = row.find(b">")
                head = row[:head_end]
                repeat = 1
                if b"rows-repeated" in head:
                    found = _ODS_ROWS.search(head)
                    repeat = int(found.group(1)) if found else 1
                last = 0 if head.endswith(b"/") else _last_value_column(row, covered)
                if last:
                    self.columns = max(self.columns, last)
                    self.rows = max(self.rows, self.table_rows + repeat)
                self.table_rows += repeat

    def _tags(self, data: bytes) -> None:
        for closing, tag, attributes, empty in _ODS_TAG.findall(data):
            self._tag(closing == b"/", tag, attributes, bool(empty))

    def _tag(self, closing: bool, tag: bytes, attributes: bytes, empty: bool):
        if tag == b"table":
            if not closing:
                self.table_rows = 0
        elif tag == b"table-row":
            if not closing:
                found = _ODS_ROWS.search(attributes)
                self.row_repeat = int(found.group(1)) if found else 1
                self.column = self.row_last = 0
                self.in_row = not empty
            if closing or empty:
                if self.row_last:
                    self.columns = max(self.columns, self.row_last)
                    self.rows = max(self.rows, self.table_rows + self.row_repeat)
                self.table_rows += self.row_repeat
                self.in_row = False
        elif not closing:  # a cell
            found = _ODS_COLUMNS.search(attributes)
            repeat = int(found.group(1)) if found else 1
            if not empty or b"office:value-type" in attributes:
                self.row_last = self.column + repeat
            self.column += repeat


_ODS_ROW_END = b"</table:table-row>"
_ODS_TABLE_OPEN = re.compile(rb"<table:table[\s>]")
_ODS_AFTER_NAME = (b" ", b"\t", b"\r", b"\n", b">", b"/")  # ends a tag's name
_ODS_CELL = b"<table:table-cell"
_ODS_COVERED = b"<table:covered-table-cell"


def _last_value_column(row: bytes, covered: bool) -> int:
    """The column (1 = A) of the last value cell of a row's XML, repeats
    counted; 0 for a row without one. `covered`: whether there may be covered
    cells (of merged ones)."""
    end = len(row)
    while True:
        at = row.rfind(_ODS_CELL, 0, end)
        if covered:
            at = max(at, row.rfind(_ODS_COVERED, 0, end))
        if at < 0:
            return 0
        tag_end = row.find(b">", at)
        if tag_end < 0:
            return 0
        tag = row[at : tag_end + 1]
        if not tag.endswith(b"/>") or b"office:value-type" in tag:
            break  # a value cell
        end = at
    before = row[: tag_end + 1]
    column = before.count(_ODS_CELL)
    if covered:
        column += before.count(_ODS_COVERED)
    if b"columns-repeated" in before:
        column += sum(int(n) - 1 for n in _ODS_COLUMNS.findall(before))
    return column
