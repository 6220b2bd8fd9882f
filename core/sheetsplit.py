"""One large sheet of a ZIP workbook (XLSX, ODS) read by two processes at once.

calamine has no streaming reader: it parses a whole sheet into a grid, holding
the GIL (about 4 s CPU for an XLSX of 100,000 rows of 40 columns) and, for an
ODS, the whole ``content.xml`` with it (a peak of almost 500 MB). A sheet part
whose XML inflates to more than SPLIT_MIN_BYTES is therefore cut at a row
boundary near its middle, and each of two forked processes makes a workbook of
its own half: the part's XML before its first row (the sheet's head), its half
of the rows and what follows the rows (the tail), the workbook's other parts
copied. Each inflates the part from the archive (its CRC and size checked as
`core.workbooks` checks them), refuses a DTD or an oversized cell anywhere in
it, works out the extent of its own half before calamine sees it
(`core.sheetextent`), parses the half with calamine and sends its rows, as text
cells, to the reading process: the first half's rows, then the second's, in the
order and with the numbers a single parse gives them.

A part is cut only where that is plain: an XLSX sheet whose row at the cut
carries its number (``r="…"``); an ODS with one table and no row groups or
header rows (the second half's row numbers then count the rows before it,
repeats included). Otherwise `NoSplit` is reported and the sheet is read in
one piece, as before.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from python_calamine import CalamineWorkbook

from core import workbooks
from core.sheetextent import PIECE, OdsExtent, XlsxExtent

SPLIT_MIN_BYTES = 24_000_000  # inflated XML of a sheet part worth two processes
BATCH_ROWS = 2000  # rows sent to the reading process at a time
CUT_AT = 0.5  # where in the part's XML the second half starts (at the next row)

_NAME_ENDS = frozenset(b" \t\r\n/>")  # the bytes that end a tag's name
_WORKSHEET = re.compile(rb"<(\w+:)?worksheet\b")
_ODS_TABLE = re.compile(rb"<table:table[\s>]")
_ODS_GROUPS = (
    b"<table:table-row-group",
    b"<table:table-header-rows",
    b"<table:table-rows",
)
_ODS_REPEATS = re.compile(
    rb'<table:table-row\b[^>]*?table:number-rows-repeated="(\d+)"'
)
_ROW_NUMBER = re.compile(rb'\sr="\d+"')
_EMPTY_XLSX_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData/></worksheet>"
)

HEAD, FIRST, SECOND, TAIL = range(4)


class NoSplit(Exception):  # noqa: N818 - not an error: read the sheet in one piece
    """The part is not cut (see the module doc)."""


def candidate(fmt: str, infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The part to cut, from the sizes the archive declares: an ODS's
    ``content.xml``, an XLSX's largest worksheet; either above SPLIT_MIN_BYTES."""
    if fmt == "ods":
        parts = [i for i in infos if i.filename == "content.xml"]
    else:
        parts = [i for i in infos if i.filename.startswith("xl/worksheets/")]
    info = max(parts, key=lambda i: i.file_size, default=None)
    if info is None or info.file_size < SPLIT_MIN_BYTES:
        return None
    return info


def sheet_index(data: bytes, fmt: str, part: str) -> int | None:
    """The index of the sheet read from `part` (once the workbook's other parts
    are checked), or None."""
    return 0 if fmt == "ods" else _xlsx_sheet_index(data, part)


def _xlsx_sheet_index(data: bytes, part: str) -> int | None:
    """The position in the workbook's list of sheets (calamine's order) of the
    sheet whose XML is `part`, from xl/workbook.xml and its relationships."""
    with zipfile.ZipFile(_Reader(data)) as archive:
        workbook = archive.read("xl/workbook.xml")
        try:
            rels = archive.read("xl/_rels/workbook.xml.rels")
        except KeyError:
            return None
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(rb'\sId="([^"]*)"', tag)
        target = re.search(rb'\sTarget="([^"]*)"', tag)
        if rid and target:
            path = target.group(1).decode()
            path = path[1:] if path.startswith("/") else "xl/" + path
            targets[rid.group(1)] = path
    sheets = re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook)
    for index, tag in enumerate(sheets):
        rid = re.search(rb'\s\w+:id="([^"]*)"', tag)
        if rid and targets.get(rid.group(1)) == part:
            return index
    return None


def _Reader(data: bytes):  # noqa: N802 - a file over the bytes
    import io

    return io.BytesIO(data)


# --- The two processes ---------------------------------------------------------------


class _Cutter:
    """Routes a part's XML, in pieces that end before a ``<`` (whole tags), to
    the half of process `half` (0 or 1): `write` gets what its workbook keeps."""

    def __init__(self, fmt: str, half: int, middle: int, write: Callable) -> None:
        self.fmt, self.half, self.middle, self.write = fmt, half, middle, write
        self.row = b"<table:table-row"
        self.end = b"</table:table>"
        self.phase = HEAD
        self.offset = 0  # ODS rows before the second half (repeats counted)
        self.tables = 0

    def feed(self, at: int, segment: bytes) -> None:
        """`segment` starts at byte `at` of the part."""
        if self.fmt == "xlsx" and not at:
            found = _WORKSHEET.search(segment)
            prefix = (found.group(1) or b"") if found else b""
            self.row, self.end = b"<" + prefix + b"row", b"</" + prefix + b"sheetData>"
        if self.fmt == "ods":
            if any(group in segment for group in _ODS_GROUPS):
                raise NoSplit
            self.tables += len(_ODS_TABLE.findall(segment))
            if self.tables > 1:
                raise NoSplit
        pos = 0
        while pos < len(segment):
            pos = self._step(at, segment, pos)

    def _row(self, segment: bytes, pos: int) -> int:
        """Where the next row tag starts, or -1."""
        while True:
            found = segment.find(self.row, pos)
            if found < 0:
                return found
            after = found + len(self.row)
            if after < len(segment) and segment[after] in _NAME_ENDS:
                return found
            pos = after

    def _step(self, at: int, segment: bytes, pos: int) -> int:
        if self.phase == HEAD:
            found = self._row(segment, pos)
            stop = found if found >= 0 else len(segment)
            self.write(segment[pos:stop])
            if found >= 0:
                self.phase = FIRST
            return stop
        if self.phase == FIRST:
            closing = segment.find(self.end, pos)
            found = self._row(segment, max(pos + 1, self.middle - at))
            if found >= 0 and (closing < 0 or found < closing):
                stop = found
                if self.fmt == "xlsx":
                    tag = segment[stop : segment.find(b">", stop) + 1]
                    if not _ROW_NUMBER.search(tag):
                        raise NoSplit
            elif closing >= 0:
                raise NoSplit  # the rows end before the middle
            else:
                stop = len(segment)
            self._first(segment[pos:stop])
            if stop < len(segment):
                self.phase = SECOND
            return stop
        if self.phase == SECOND:
            closing = segment.find(self.end, pos)
            stop = closing if closing >= 0 else len(segment)
            if self.half:
                self.write(segment[pos:stop])
            if closing >= 0:
                self.phase = TAIL
            return stop
        self.write(segment[pos:])
        return len(segment)

    def _first(self, rows: bytes) -> None:
        if not self.half:
            self.write(rows)
        elif self.fmt == "ods":
            self.offset += rows.count(b"<table:table-row")
            if b"number-rows-repeated" in rows:
                self.offset += sum(int(n) - 1 for n in _ODS_REPEATS.findall(rows))

    def finish(self) -> None:
        if self.phase != TAIL:
            raise NoSplit


def _segments(pieces: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """The pieces cut again before their last ``<``: whole tags (a tag is never
    cut in two), with their offsets in the part."""
    rest, at = b"", 0
    for piece in pieces:
        data = rest + piece
        cut = data.rfind(b"<")
        if cut <= 0:  # no whole tag yet (a text is at most MAX_TEXT_BYTES)
            rest = data
            continue
        rest = data[cut:]
        yield at, data[:cut]
        at += cut
    if rest:
        yield at, rest


def _half_workbook(
    data: bytes, fmt: str, info: zipfile.ZipInfo, half: int, out: Any
) -> tuple[int, int, int]:
    """Write the workbook of one half to the file `out`; its sheet's extent (rows
    counted from the sheet's first row) and the rows before the half (ODS)."""
    extent = OdsExtent() if fmt == "ods" else XlsxExtent()
    texts = workbooks.TextRuns(workbooks.MAX_TEXT_BYTES)
    with (
        zipfile.ZipFile(_Reader(data)) as archive,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as target,
    ):
        for other in archive.infolist():
            if other.is_dir():
                continue
            name = other.filename
            if name == info.filename:
                with target.open(name, "w", force_zip64=True) as part:
                    pending: list[bytes] = []

                    def write(piece: bytes, part=part, pending=pending) -> None:
                        if piece:
                            part.write(piece)
                            pending.append(piece)
                            if sum(map(len, pending)) >= PIECE:
                                extent.feed(b"".join(pending))
                                pending.clear()

                    cutter = _Cutter(fmt, half, int(info.file_size * CUT_AT), write)
                    for at, segment in _segments(_checked(data, info, texts)):
                        cutter.feed(at, segment)
                    cutter.finish()
                    if pending:
                        extent.feed(b"".join(pending))
            elif fmt == "xlsx" and name.startswith("xl/worksheets/"):
                target.writestr(name, _EMPTY_XLSX_SHEET)  # not the one read here
            else:
                target.writestr(name, archive.read(name))
    rows, columns = extent.finish()
    if rows and half:
        rows += cutter.offset
    return rows, columns, cutter.offset


def _checked(data: bytes, info: zipfile.ZipInfo, texts: Any) -> Iterator[bytes]:
    """The part inflated (`workbooks.inflate`), each piece searched for a DTD and
    an oversized text as it comes."""
    tail = b""
    for piece in workbooks.inflate(data, info):
        window = tail + piece
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise workbooks.BadWorkbook(workbooks.DAMAGED)
        tail = window[-8:]
        texts.feed(piece)
        yield piece


def _child(
    data: bytes,
    fmt: str,
    info: zipfile.ZipInfo,
    index: int,
    half: int,
    convert: Callable[[list[Any]], list[str]],
    conn: Any,
) -> None:
    """One process: its half's workbook, its extent, then its rows in batches
    (the second half keeps them until the first half's have been read)."""
    send = conn.send_bytes
    try:
        with tempfile.NamedTemporaryFile(suffix="." + fmt) as out:
            try:
                rows, columns, offset = _half_workbook(data, fmt, info, half, out)
            except NoSplit:
                send(pickle.dumps(("nosplit",)))
                return
            out.flush()
            if rows * columns > workbooks.MAX_SHEET_CELLS:
                raise workbooks.BadWorkbook(
                    workbooks.TOO_LARGE, rows=rows, columns=columns
                )
            workbook = CalamineWorkbook.from_path(out.name)
            send(pickle.dumps(("start", rows, columns, list(workbook.sheet_names))))
            sheet = workbook.get_sheet_by_index(index)
            start = sheet.start or (0, 0)
            kept: list[bytes] = []
            batch: list[tuple[int, list[str]]] = []
            for number, row in workbooks.numbered(sheet.iter_rows(), start):
                batch.append((number + offset, convert(row)))
                if len(batch) >= BATCH_ROWS:
                    message = pickle.dumps(("rows", batch), protocol=5)
                    kept.append(message) if half else send(message)
                    batch = []
            if batch:
                kept.append(pickle.dumps(("rows", batch), protocol=5))
            del sheet, workbook
            for message in kept:
                send(message)
            send(pickle.dumps(("end",)))
    except workbooks.BadWorkbook as exc:
        send(pickle.dumps(("bad", exc.reason, exc.params)))
    except Exception:  # noqa: BLE001 - calamine's, a damaged workbook
        send(pickle.dumps(("damaged",)))
    finally:
        conn.close()


# --- The reading process -------------------------------------------------------------


def read_split(
    data: bytes,
    fmt: str,
    info: zipfile.ZipInfo,
    index: int,
    convert: Callable[[list[Any]], list[str]],
) -> tuple[list[str], int, SplitRows]:
    """Start the two processes; the workbook's sheet names, the sheet's rows
    (estimated) and its rows (converted cells). Raises NoSplit (nothing is left
    running) or BadWorkbook for the sheet; a damage found later is raised from
    the rows as RuntimeError."""
    context = multiprocessing.get_context("fork")
    halves = []
    try:
        for half in (0, 1):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_child,
                args=(data, fmt, info, index, half, convert, send),
                daemon=True,
            )
            process.start()
            send.close()
            halves.append((process, receive))
        starts = [_receive(receive) for _process, receive in halves]
        for message in starts:
            if message[0] == "bad":
                raise workbooks.BadWorkbook(message[1], **{"format": fmt, **message[2]})
        if any(message[0] != "start" for message in starts):
            if any(message[0] == "damaged" for message in starts):
                raise workbooks.BadWorkbook(workbooks.DAMAGED, format=fmt)
            raise NoSplit
        rows = max(message[1] for message in starts)
        columns = max(message[2] for message in starts)
        if rows * columns > workbooks.MAX_SHEET_CELLS:
            raise workbooks.BadWorkbook(workbooks.TOO_LARGE, rows=rows, columns=columns)
    except BaseException:
        _stop(halves)
        raise
    return starts[0][3], max(rows - 1, 0), SplitRows(halves)


def _receive(conn: Any) -> tuple:
    try:
        return pickle.loads(conn.recv_bytes())  # noqa: S301 - from our own fork
    except (EOFError, OSError):
        return ("damaged",)  # the process died


class SplitRows:
    """The rows of the two halves, in order; closing (or dropping) it stops the
    processes."""

    def __init__(self, halves: list) -> None:
        self.halves = halves
        self.owner = os.getpid()  # not a process forked from this one
        self.rows = _rows(halves, self.owner)  # holds the halves, not this object

    def __iter__(self) -> SplitRows:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        return next(self.rows)

    def close(self) -> None:
        if self.owner == os.getpid():
            _stop(self.halves)

    __del__ = close


def _rows(halves: list, owner: int) -> Iterator[tuple[int, list[str]]]:
    try:
        for _process, conn in halves:
            while True:
                message = _receive(conn)
                if message[0] == "end":
                    break
                if message[0] != "rows":
                    raise RuntimeError(f"the sheet was not read: {message[0]}")
                yield from message[1]
    finally:
        if owner == os.getpid():
            _stop(halves)


def _stop(halves: list) -> None:
    for process, conn in halves:
        conn.close()
        if process.is_alive():
            process.terminate()
        process.join()
