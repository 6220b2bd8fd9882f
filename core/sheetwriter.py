"""The XLSX writer: a streaming SpreadsheetML writer for exports and templates.

Each column has a kind: ``text`` cells are inline strings and the column (so also a
cell typed into it later, in Excel, WPS or LibreOffice) is formatted as text, so a
USCC or a phone stays the digits typed instead of becoming a rounded number;
``number`` cells are numbers; ``date`` cells are dates (shown yyyy-mm-dd). The
header row is bold and frozen, columns are as wide as their header. Small extra
sheets (an instructions sheet, code lists) and drop-down lists (data validation
against a range of another sheet) are for the import templates.

The first sheet's XML is written straight into the ZIP entry as rows come, so memory
stays constant (openpyxl's write-only mode managed about 2,000 rows a second and kept
every string in memory; XlsxWriter's constant-memory mode writes a cell per Python
call: this builds a row with a few C-level string operations and writes ten times as
many). A text cell is neutralised (`core.tabular.neutralise`) so no cell is a
formula.
"""

from __future__ import annotations

import datetime as dt
import math
import queue
import re
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

TEXT, NUMBER, DATE = "text", "number", "date"
_STYLE = {TEXT: 1, NUMBER: 2, DATE: 3}  # cellXfs index per kind; 4 is the header
_HEADER_STYLE = 4
_EPOCH = dt.date(1899, 12, 30)  # day 0 of the 1900 date system
_NUMBER_TYPES = (int, float, Decimal)
_FORMULA_CHARS = frozenset(("=", "+", "-", "@", "\t", "\r"))
_SHEET_TITLE_ILLEGAL = re.compile(r"[\\/*?:\[\]]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SEPARATOR = "\uffff"  # not allowed in XML, so never part of a written cell
# Characters XML cannot hold but the separator and the markers of number cells
# (counted apart): a row with one is written cell by cell.
_XML_CARE_UNMARKED = re.compile("[\x00\x04-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
    "</border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


@dataclass
class ExtraSheet:
    """A small sheet after the first: rows of text, the first one bold."""

    title: str
    rows: list[list[Any]]
    widths: list[int] = field(default_factory=list)


@dataclass
class DropDown:
    """A data validation: the cells of `column` (0-based) of the first sheet take
    one of the values in `source` (a range such as ``'Codes'!$B$2:$B$9``); not
    `strict`, the list is only offered (a cell may hold several values)."""

    column: int
    source: str
    strict: bool = True


def _xml_text(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def _attribute(value: str) -> str:
    return _xml_text(_XML_ILLEGAL.sub("", value)).replace('"', "&quot;")


def sheet_title(title: str, default: str = "Sheet1") -> str:
    return _SHEET_TITLE_ILLEGAL.sub("", title or default)[:31] or default


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _safe_texts(row: Iterable[Any]) -> list[str]:
    """Each cell as text, neutralised (no formula)."""
    cells = [v if v.__class__ is str else "" if v is None else str(v) for v in row]
    return ["'" + c if c[:1] in _FORMULA_CHARS else c for c in cells]


def _date_serial(value: Any) -> str | None:
    """A date's serial number (text), or None for a value that is no date."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime.combine(_EPOCH, dt.time())
        return repr(delta.days + delta.seconds / 86400)
    if isinstance(value, dt.date):
        return str((value - _EPOCH).days)
    return None


def _number(value: Any) -> str | None:
    """A number's text for a <v>, or None for a value that is no finite number."""
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


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


_TEXT_OPEN = '<c t="inlineStr" s="1"><is><t xml:space="preserve">'
_TEXT_CLOSE = "</t></is></c>"
# A number or date cell is first written as a text cell whose text is marked
# (a start marker, its value, the end marker); replacing the marked openings and
# closings over a chunk of rows makes them number cells. The markers are control
# characters, which no written cell holds: a row with one goes cell by cell.
_NUMBER_MARK, _DATE_MARK, _END_MARK = "\x01", "\x03", "\x02"
_MARKED = {
    _TEXT_OPEN + _NUMBER_MARK + _END_MARK + _TEXT_CLOSE: f'<c s="{_STYLE[NUMBER]}"/>',
    _TEXT_OPEN + _DATE_MARK + _END_MARK + _TEXT_CLOSE: f'<c s="{_STYLE[DATE]}"/>',
    _TEXT_OPEN + _TEXT_CLOSE: f'<c s="{_STYLE[TEXT]}"/>',
    _TEXT_OPEN + _NUMBER_MARK: f'<c s="{_STYLE[NUMBER]}"><v>',
    _TEXT_OPEN + _DATE_MARK: f'<c s="{_STYLE[DATE]}"><v>',
    _END_MARK + _TEXT_CLOSE: "</v></c>",
}
_CELL_NEXT = _TEXT_CLOSE + _TEXT_OPEN


class _Cells:
    """The XML of the cells of rows of given column kinds."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = list(kinds)
        self.numbers = [i for i, k in enumerate(self.kinds) if k == NUMBER]
        self.dates = [i for i, k in enumerate(self.kinds) if k == DATE]
        self.marks = len(self.numbers) + len(self.dates)

    def row(self, number: int, row: Sequence[Any]) -> str:
        if len(row) != len(self.kinds):
            return self.careful(number, row)
        cells = _safe_texts(row)
        for i in self.numbers:
            value = row[i]
            kind = value.__class__
            if kind is int or value is None:  # (not a bool: a bool is no int)
                text = cells[i] if value is None or value >= 0 else str(value)
                cells[i] = _NUMBER_MARK + text + _END_MARK
            elif kind is Decimal or kind is float:
                if not (value.is_finite() if kind is Decimal else math.isfinite(value)):
                    return self.careful(number, row)
                cells[i] = _NUMBER_MARK + str(value) + _END_MARK
            elif value == "":
                cells[i] = _NUMBER_MARK + _END_MARK
            else:
                return self.careful(number, row)
        for i in self.dates:
            value = row[i]
            if value.__class__ is dt.date:
                cells[i] = _DATE_MARK + str((value - _EPOCH).days) + _END_MARK
            elif value is None or value == "":
                cells[i] = _DATE_MARK + _END_MARK
            else:
                return self.careful(number, row)
        text = _SEPARATOR.join(cells)
        if (
            text.count(_SEPARATOR) != len(cells) - 1
            or text.count(_END_MARK) != self.marks
            or text.count(_NUMBER_MARK) != len(self.numbers)
            or text.count(_DATE_MARK) != len(self.dates)
            or _XML_CARE_UNMARKED.search(text)
        ):
            return self.careful(number, row)
        return (
            f'<row r="{number}">{_TEXT_OPEN}'
            f"{_xml_text(text).replace(_SEPARATOR, _CELL_NEXT)}"
            f"{_TEXT_CLOSE}</row>"
        )

    def careful(self, number: int, row: Sequence[Any]) -> str:
        """A row cell by cell: XML-illegal characters dropped, a value that is not
        of its column's kind written as text, cells beyond the kinds as text."""
        out = [f'<row r="{number}">']
        for i, value in enumerate(row):
            kind = self.kinds[i] if i < len(self.kinds) else TEXT
            if value is None or value == "":
                out.append(f'<c s="{_STYLE[kind]}"/>')
                continue
            text = (
                _number(value)
                if kind == NUMBER
                else _date_serial(value)
                if kind == DATE
                else None
            )
            if text is not None:
                out.append(f'<c s="{_STYLE[kind]}"><v>{text}</v></c>')
                continue
            cell = _xml_text(_XML_ILLEGAL.sub("", _safe_texts([value])[0]))
            out.append(_TEXT_OPEN + cell + _TEXT_CLOSE if cell else "<c/>")
        out.append("</row>")
        return "".join(out)

    @staticmethod
    def finish(chunk: str) -> str:
        for marked, cell in _MARKED.items():
            if marked in chunk:  # (a search is cheaper than a replace's copy)
                chunk = chunk.replace(marked, cell)
        return chunk


def _header_row(header: Sequence[Any]) -> str:
    cells = [
        '<c t="inlineStr" s="4"><is><t xml:space="preserve">'
        + _xml_text(_XML_ILLEGAL.sub("", text))
        + "</t></is></c>"
        for text in _safe_texts(header)
    ]
    return '<row r="1">' + "".join(cells) + "</row>"


def _sheet_start(kinds: Sequence[str], widths: Sequence[int]) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1" '
        f'style="{_STYLE[kind]}"/>'
        for i, (kind, width) in enumerate(zip(kinds, widths, strict=True), start=1)
    )
    return (
        _XML_HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
        'topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
        "</sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


def _sheet_end(dropdowns: Sequence[DropDown]) -> str:
    out = "</sheetData>"
    if dropdowns:
        out += f'<dataValidations count="{len(dropdowns)}">'
        for d in dropdowns:
            letters = column_letters(d.column + 1)
            out += (
                '<dataValidation type="list" allowBlank="1" '
                f'showErrorMessage="{int(d.strict)}" '
                f'sqref="{letters}2:{letters}100000"><formula1>'
                f"{_xml_text(d.source)}</formula1></dataValidation>"
            )
        out += "</dataValidations>"
    return out + "</worksheet>"


def _widths(header: Sequence[Any], kinds: Sequence[str]) -> list[int]:
    out = []
    for text, kind in zip(header, kinds, strict=False):
        width = display_width(str(text or "")) + 2
        if kind == DATE:
            width = max(width, 12)
        out.append(min(max(width, 10), 40))
    return out


def _package(titles: list[str]) -> dict[str, str]:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(titles) + 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(titles) + 1)
    )
    styles_id = len(titles) + 1
    entries = "".join(
        f'<sheet name="{_attribute(t)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, t in enumerate(titles, start=1)
    )
    return {
        "[Content_Types].xml": (
            _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + sheets
            + '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/_rels/workbook.xml.rels": (
            _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">' + rels + "<Relationship "
            f'Id="rId{styles_id}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            _XML_HEAD
            + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + entries
            + "</sheets></workbook>"
        ),
        "xl/styles.xml": _STYLES,
    }


def write_xlsx(
    out: IO[bytes],
    header: list[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "",
    kinds: Sequence[str] | None = None,
    extra_sheets: Sequence[ExtraSheet] = (),
    dropdowns: Sequence[DropDown] = (),
) -> None:
    """Write an XLSX workbook: `header` and `rows` on the first sheet, each column
    of its kind in `kinds` (all text by default), then `extra_sheets`."""
    kinds = list(kinds) if kinds is not None else [TEXT] * len(header)
    kinds += [TEXT] * (len(header) - len(kinds))
    titles = [sheet_title(title)] + [sheet_title(s.title) for s in extra_sheets]
    cells = _Cells(kinds)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in _package(titles).items():
            archive.writestr(name, text)
        with (
            archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet,
            _BackgroundWriter(sheet) as background,
        ):
            parts = [_sheet_start(kinds, _widths(header, kinds)), _header_row(header)]
            for number, row in enumerate(rows, start=2):
                parts.append(cells.row(number, row))
                if len(parts) >= 1000:
                    background.write(cells.finish("".join(parts)).encode("utf-8"))
                    parts.clear()
            parts.append(_sheet_end(dropdowns))
            background.write(cells.finish("".join(parts)).encode("utf-8"))
        for i, extra in enumerate(extra_sheets, start=2):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", _extra_sheet(extra))


def _extra_sheet(extra: ExtraSheet) -> str:
    width = max((len(r) for r in extra.rows), default=0)
    kinds = [TEXT] * width
    widths = list(extra.widths) + [
        min(
            max(
                (display_width(str(r[i])) for r in extra.rows if i < len(r) and r[i]),
                default=8,
            )
            + 2,
            60,
        )
        for i in range(len(extra.widths), width)
    ]
    cells = _Cells(kinds)
    body = [_sheet_start(kinds, widths)]
    for number, row in enumerate(extra.rows, start=1):
        body.append(_header_row(row) if number == 1 else cells.careful(number, row))
    body.append(_sheet_end(()))
    return cells.finish("".join(body))
