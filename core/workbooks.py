"""Workbooks (XLSX, ODS and legacy XLS) read through python-calamine, safely.

calamine reads the first sheet into memory as a dense grid from its first to its
last value cell, so a few cells far apart (a stray value in XFD1048576, or a row of
an ODS sheet repeated a million times: a file of a kilobyte) would take gigabytes.
Before calamine sees a ZIP workbook, every part of it is inflated here once, to
exactly its declared size with its CRC checked (a ZIP whose sizes lie is refused),
XML that declares a DTD is refused (entity bombs), and the extent of each sheet is
worked out from its XML as it streams by (`core.sheetextent`): a sheet spanning
more than MAX_SHEET_CELLS is refused. A legacy XLS (at most 65,536 x 256 cells)
is checked once read. What is wrong is raised as `BadWorkbook`, whose reason
`core.tabular` turns into a message.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from core.sheetextent import PIECE, OdsExtent, XlsxExtent

__all__ = ["OdsExtent", "XlsxExtent"]  # the extent scanners live in core.sheetextent

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
    converted: bool = False  # rows of cells `convert` made (`core.sheetsplit`)


def open_workbook(data: bytes, *, zip_container: bool) -> Sheet:
    """The first sheet of a workbook: a ZIP container (XLSX, ODS) or an OLE2 one
    (XLS). Raises BadWorkbook; calamine's errors while reading rows are raised
    from the row iterator as they are (the caller reports damage)."""
    _names, sheets = open_sheets(data, zip_container=zip_container)
    return next(sheets)


def open_sheets(
    data: bytes,
    *,
    zip_container: bool,
    only: str = "",
    convert: Callable[[list[Any]], list[str]] | None = None,
) -> tuple[list[str], Iterator[Sheet]]:
    """The names of a workbook's sheets and the sheets themselves, in order (or
    the one named `only`), each read when the iterator reaches it. Raises
    BadWorkbook (also from the iterator, for a sheet too large). With `convert`
    (a row's values to text cells), a large sheet of a ZIP workbook is read in two
    processes (`core.sheetsplit`), its rows converted there."""
    from core import sheetsplit  # it builds on this module

    split = None
    if zip_container:
        fmt, split = _check_zip(data, split=convert is not None)
    else:
        fmt = "xls"
    if split is not None and fmt == "ods":
        assert convert is not None  # noqa: S101
        info, _index = split
        try:
            names, estimated, rows = sheetsplit.read_split(data, fmt, info, 0, convert)
        except sheetsplit.NoSplit:
            _check_parts(data, [info], fmt)
        else:
            if only and only not in names:
                rows.close()
                raise BadWorkbook(NO_SUCH_SHEET, sheet=only, sheets=names)
            return names, iter([Sheet(fmt, rows, estimated, names[0], True)])
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
        nonlocal split
        for index, name in enumerate(names):
            if only and name != only:
                continue
            if split is not None and index == split[1]:
                assert convert is not None  # noqa: S101
                try:
                    _names, estimated, rows = sheetsplit.read_split(
                        data, fmt, split[0], index, convert
                    )
                except sheetsplit.NoSplit:
                    _check_parts(data, [split[0]], fmt)
                    split = None
                else:
                    yield Sheet(fmt, rows, estimated, name, True)
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
                numbered(sheet.iter_rows(), start),
                max(sheet.height - 1, 0),
                name,
            )

    return names, sheets()


def numbered(rows: Iterator[list[Any]], start: tuple[int, int]):
    """Rows numbered as in the sheet (1 = its first row), each padded from column
    A. calamine's grid starts at the first value cell, but its rows come from the
    sheet's first row, those above that cell empty: they are passed over."""
    pad = [""] * start[1]
    rows = itertools.islice(rows, start[0], None)
    for number, row in enumerate(rows, start=start[0] + 1):
        yield number, pad + row if pad else row


# --- ZIP containers ------------------------------------------------------------------


def _check_zip(data: bytes, *, split: bool = False) -> tuple[str, Any]:
    """Check a ZIP workbook part by part (see the module doc); its format and,
    with `split`, the part left for two processes to check and read
    (`core.sheetsplit.candidate`: the part and its sheet's index) or None."""
    from core import sheetsplit

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
    deferred = sheetsplit.candidate(fmt, infos) if split else None
    try:
        _check_parts(data, infos, fmt, skip=deferred)
        if deferred is not None:
            index = sheetsplit.sheet_index(data, fmt, deferred.filename)
            if index is None:
                _check_parts(data, [deferred], fmt)
                return fmt, None
            return fmt, (deferred, index)
    except BadWorkbook as exc:
        exc.params.setdefault("format", fmt)
        raise
    return fmt, None


def _check_parts(
    data: bytes,
    infos: list[zipfile.ZipInfo],
    fmt: str,
    *,
    skip: zipfile.ZipInfo | None = None,
) -> None:
    """Check the parts `infos` (all but `skip`, whose size is counted)."""
    limit = unpacked_limit(len(data))
    declared = sum(i.file_size for i in infos)
    if declared > limit:  # before anything is inflated
        raise BadWorkbook(UNPACKS_TOO_LARGE, size=declared, limit=limit)
    inflated = 0
    for info in infos:
        if info is skip:
            continue
        name = info.filename
        extent: XlsxExtent | OdsExtent | None = None
        if fmt == "xlsx" and name.startswith("xl/worksheets/"):
            extent = XlsxExtent()
        elif fmt == "ods" and name == "content.xml":
            extent = OdsExtent()
        xml = name.endswith((".xml", ".rels", ".vml"))
        tail = b""
        texts = TextRuns(MAX_TEXT_BYTES)
        for piece in inflate(data, info):
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
                for piece in inflate(data, info):
                    extent.feed(piece)
                rows, columns = extent.finish()
            if rows * columns > MAX_SHEET_CELLS:
                raise BadWorkbook(TOO_LARGE, rows=rows, columns=columns)


def inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
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
        for at in range(0, len(raw), PIECE):
            piece = bytes(raw[at : at + PIECE])
            size += len(piece)
            crc = zlib.crc32(piece, crc)
            yield piece
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        for at in range(0, len(raw), PIECE):
            pending = bytes(raw[at : at + PIECE])
            while pending:
                try:
                    piece = inflater.decompress(pending, PIECE)
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


class TextRuns:
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
