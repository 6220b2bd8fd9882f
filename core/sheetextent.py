"""The extent of a workbook's sheet from its XML, fed in pieces as it is
inflated (`core.workbooks` refuses a sheet spanning more cells than it reads
before calamine makes its grid): `XlsxExtent` for an XLSX worksheet part,
`OdsExtent` for an ODS ``content.xml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from core.sheetwriter import column_letters

PIECE = 4 * 1024 * 1024  # bytes of a part scanned at a time (core.workbooks)


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
            if found is None and len(data) < PIECE:
                self.rest = data
                return
            self.prefix = (found.group(1) or b"") if found else b""
        end_tag = b"</" + self.prefix + b"row>"
        end = data.rfind(end_tag)  # scan whole rows
        cut = end + len(end_tag) if end >= 0 else 0
        if not cut and len(data) > 16 * PIECE:  # a huge row: whole tags
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
    letters = _greater(column_letters(columns), letters=True)
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
