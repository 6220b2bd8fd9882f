"""The first worksheet of an XLSX file as rows of text, streamed.

openpyxl's read-only mode read about 1,300 rows of 40 columns a second, so reading
a 100,000-row sheet took over a minute before the import could look at it. This
reads the sheet's XML with one pass of the (defused) ElementTree parser and turns
each cell into the text openpyxl would have given (`tabular._xlsx_text`): shared
and inline strings, numbers, booleans, errors and dates (by the cell's number
format). A workbook whose parts it cannot find raises `Unsupported` before any row
is read, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show dates or times (ECMA-376 18.8.30, and the
# East Asian ones Chinese Excel uses).
DATE_FORMAT_IDS = {
    *range(14, 23),
    *range(27, 37),
    *range(45, 48),
    *range(50, 59),
}
_FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_DATE_TOKENS = re.compile(r"[ymdhs]", re.IGNORECASE)
_CELL_COLUMN = re.compile(r"[A-Z]+")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


class Unsupported(Exception):
    """The workbook's structure is not the one this reader knows."""


class _NoDoctype:
    """A part's bytes, refused if they declare a DTD anywhere: no part of a
    workbook has one, and entities are what XML bombs are made of (the standard
    library's parser does not fetch external ones, and expat >= 2.4 limits the
    amplification of internal ones)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        window = self.tail + data
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise Unsupported
        self.tail = window[-8:]
        return data


def _parse(handle: IO[bytes]) -> Iterator:
    # The C parser of the standard library: defusedxml's parser is written in
    # Python and took four fifths of the time of reading a sheet.
    events = ElementTree.iterparse(_NoDoctype(handle), events=("end",))  # noqa: S314
    return (element for _event, element in events)


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, dt.datetime]:
    """The path of the first worksheet, and the workbook's date epoch."""
    try:
        with archive.open("xl/workbook.xml") as handle:
            workbook = list(_parse(handle))[-1]
        with archive.open("xl/_rels/workbook.xml.rels") as handle:
            rels = list(_parse(handle))[-1]
    except KeyError as exc:
        raise Unsupported from exc
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if sheet is None:
        raise Unsupported
    target = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iter(f"{PACKAGE_REL}Relationship")
    }.get(sheet.get(f"{OFFICE_REL}id"))
    if not target:
        raise Unsupported
    path = (
        target.lstrip("/")
        if target.startswith("/")
        else posixpath.normpath(posixpath.join("xl", target))
    )
    if path not in archive.namelist():
        raise Unsupported
    properties = workbook.find(f"{MAIN}workbookPr")
    if properties is not None and properties.get("date1904") in ("1", "true"):
        return path, dt.datetime(1904, 1, 1)  # noqa: DTZ001 - naive, as in sheets
    return path, dt.datetime(1899, 12, 30)  # noqa: DTZ001 - naive, as in sheets


def _text(element) -> str:
    """The text of a string item (<si> or <is>): its runs, without phonetics."""
    parts = []
    for child in element:
        if child.tag == f"{MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{MAIN}t"))
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for element in _parse(handle):
            if element.tag == f"{MAIN}si":
                strings.append(_text(element))
                element.clear()
    return strings


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time."""
    return _DATE_TOKENS.search(_FORMAT_NOISE.sub("", code)) is not None


def _date_styles(archive: zipfile.ZipFile) -> set[str]:
    """The style indices (as in a cell's `s`) whose number format is a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    with archive.open("xl/styles.xml") as handle:
        styles = list(_parse(handle))[-1]
    custom = {
        int(fmt.get("numFmtId", "-1")): fmt.get("formatCode", "")
        for fmt in styles.iter(f"{MAIN}numFmt")
    }
    cell_xfs = styles.find(f"{MAIN}cellXfs")
    dates = set()
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else []):
        number_format = int(xf.get("numFmtId", "0"))
        if number_format in custom:
            if is_date_format(custom[number_format]):
                dates.add(str(index))
        elif number_format in DATE_FORMAT_IDS:
            dates.add(str(index))
    return dates


def _column(reference: str | None, default: int) -> int:
    if not reference:
        return default
    match = _CELL_COLUMN.match(reference)
    if match is None:
        return default
    index = 0
    for letter in match.group():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _number(text: str) -> str:
    if "." not in text and "e" not in text and "E" not in text:
        return str(int(text))
    value = float(text)
    return str(int(value)) if value.is_integer() else str(value)


def _date(text: str, epoch: dt.datetime) -> str:
    serial = float(text)
    if epoch.year == 1899 and 0 < serial < 60:
        serial += 1  # Excel's 29 February 1900, which never was
    # to the millisecond, as Excel stores times
    moment = epoch + dt.timedelta(milliseconds=round(serial * 86_400_000))
    if 0 <= serial < 1:
        return moment.time().isoformat()
    if moment.time() == dt.time(0):
        return moment.date().isoformat()
    return moment.isoformat()


def _estimated_rows(archive: zipfile.ZipFile, path: str) -> int:
    """The sheet's rows, from its dimension or else from the size of its XML."""
    with archive.open(path) as handle:
        head = handle.read(65536)
    found = _DIMENSION.search(head[:4096])
    if found:
        return int(found.group(1))
    rows = head.count(b"<row ") + head.count(b"<row>")
    size = archive.getinfo(path).file_size
    return rows * size // max(len(head), 1)


def sheet_rows(
    archive: zipfile.ZipFile, max_columns: int
) -> tuple[Iterator[list[str]], int]:
    """Every row of the first worksheet (empty rows included, so that the n-th row
    is row n of the sheet), each a list of text cells, and about how many rows
    there are. Raises Unsupported at once (before iterating) for a workbook this
    reader does not know."""
    path, epoch = _first_sheet(archive)
    strings = _shared_strings(archive)
    dates = _date_styles(archive)
    rows = _rows(archive, path, strings, dates, epoch, max_columns)
    return rows, _estimated_rows(archive, path)


def _rows(
    archive: zipfile.ZipFile,
    path: str,
    strings: list[str],
    dates: set[str],
    epoch: dt.datetime,
    max_columns: int,
) -> Iterator[list[str]]:
    cell_tag, row_tag = f"{MAIN}c", f"{MAIN}row"
    value_tag, inline_tag = f"{MAIN}v", f"{MAIN}is"
    cells: dict[int, str] = {}
    last_row = 0
    with archive.open(path) as handle:
        for element in _parse(handle):
            tag = element.tag
            if tag == cell_tag:
                column = _column(element.get("r"), len(cells))
                if column < max_columns:
                    kind = element.get("t")
                    value = element.find(value_tag)
                    text = value.text or "" if value is not None else ""
                    if kind == "s":
                        text = strings[int(text)] if text else ""
                    elif kind == "inlineStr":
                        inline = element.find(inline_tag)
                        text = _text(inline) if inline is not None else ""
                    elif kind == "b":
                        text = ("true" if text == "1" else "false") if text else ""
                    elif text and kind in (None, "n"):
                        if element.get("s") in dates:
                            text = _date(text, epoch)
                        else:
                            text = _number(text)
                    cells[column] = text
            elif tag == row_tag:
                number = int(element.get("r") or last_row + 1)
                for _gap in range(last_row + 1, number):
                    yield []
                last_row = number
                width = max(cells) + 1 if cells else 0
                yield [cells.get(i, "") for i in range(width)]
                cells = {}
                element.clear()
