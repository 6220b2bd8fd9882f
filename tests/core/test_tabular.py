"""Reading real files: encodings, XLSX, XLS and ODS, malformed and oversized files;
writing: BOM, neutralising."""

import io

import openpyxl
import pytest

from core.tabular import (
    TabularError,
    csv_chunks,
    neutralise,
    read_table,
    unneutralise,
    write_xlsx,
)
from tests.spreadsheets import ods_bytes, ods_cell, text_cell, xlsx_sheet

ROWS = [["大连大杨集团有限公司", "210202"], ["兴城泳装厂", "211481"]]


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (they are translated for users)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _read(data: bytes):
    table = read_table(data, max_bytes=1_000_000)
    return table, [cells for _n, cells in table.rows]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_csv_encodings_are_detected(tmp_path, encoding, expected):
    path = tmp_path / f"{encoding}.csv"
    text = "名称,区县代码\r\n" + "".join(f"{a},{b}\r\n" for a, b in ROWS)
    path.write_bytes(text.encode(encoding))
    table, rows = _read(path.read_bytes())
    assert table.encoding == expected
    assert table.header == ["名称", "区县代码"]
    assert rows == ROWS


def test_xlsx_is_read_by_content_with_numbers_as_text(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["名称", "成立年份"])
    workbook.active.append(["大连大杨集团有限公司", 1979])
    path = tmp_path / "renamed.csv"  # the content decides, not the name
    workbook.save(path)
    table, rows = _read(path.read_bytes())
    assert table.format == "xlsx"
    assert rows == [["大连大杨集团有限公司", "1979"]]


def _xlsx(tmp_path) -> bytes:
    path = tmp_path / "ok.xlsx"
    write_xlsx(path.open("wb"), ["名称"], [["a"]] * 500)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: _xlsx(tmp)[: len(_xlsx(tmp)) // 2], "damaged"),
        (lambda tmp: bytes(range(256)) * 20, "binary"),
        (lambda tmp: b"", "empty"),
        (lambda tmp: b"\r\n\r\n", "empty"),
        (lambda tmp: b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "XLS file is damaged"),
        (lambda tmp: b"\x80\xff" * 100, "encoding"),  # no BOM, neither UTF-8 nor GB
    ],
)
def test_malformed_files_get_one_clear_message(tmp_path, make, message):
    with pytest.raises(TabularError) as info:
        table = read_table(make(tmp_path), max_bytes=1_000_000)
        list(table.rows)
    assert message in str(info.value.message)


def test_file_over_the_size_limit_is_refused():
    with pytest.raises(TabularError, match="too large"):
        read_table(b"a,b\n" * 1000, max_bytes=1000)


def test_csv_is_written_with_bom_and_neutralised():
    data = b"".join(
        csv_chunks(["名称", "电话"], [["=HYPERLINK(1)", "+86 411"], ["@a", "-1"]])
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert "'+86 411" in text
    assert "'@a" in text
    # Reading undoes the neutralisation exactly.
    _table, rows = _read(data)
    assert rows == [["=HYPERLINK(1)", "+86 411"], ["@a", "-1"]]


def test_xlsx_is_written_without_formulas():
    out = io.BytesIO()
    write_xlsx(out, ["a"], [["=1+1"], ["普通"]])
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == "'=1+1"
    assert sheet["A3"].value == "普通"


def test_neutralise_round_trip():
    for value in ["=x", "+1", "-2", "@y", "\tz", "ok", "'quoted", ""]:
        assert unneutralise(neutralise(value)) == value


def _excel_workbook(date1904: bool = False) -> bytes:
    """A sheet the way Excel writes one: shared strings, styles, gaps, types."""
    import datetime as dt

    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    workbook = openpyxl.Workbook()
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["名称", "成立年份", "比例", "日期", "出口", "时间"])
    sheet.append(["大连大杨集团有限公司", 1979, 12.5, dt.date(2024, 3, 1), True])
    sheet["F2"] = dt.datetime(2024, 3, 1, 14, 30)  # noqa: DTZ001 - as in sheets
    sheet["A4"] = CellRichText("辽宁", TextBlock(InlineFont(b=True), "蓝海"), "泳装")
    sheet["C4"] = 3.0
    sheet["E4"] = False
    # before Excel's 29 February 1900 (in the 1900 system)
    sheet["D5"] = dt.date(1950, 2, 1) if date1904 else dt.date(1900, 2, 1)
    sheet["G6"] = "beyond the header"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


EXCEL_ROWS = [
    (
        2,
        [
            "大连大杨集团有限公司",
            "1979",
            "12.5",
            "2024-03-01",
            "true",
            "2024-03-01T14:30:00",
        ],
    ),
    (4, ["辽宁蓝海泳装", "", "3", "", "false"]),  # row 3 is empty
    (5, ["", "", "", "1900-02-01"]),
    (6, ["", "", "", "", "", "", "beyond the header"]),
]


@pytest.mark.parametrize("date1904", [False, True])
def test_xlsx_cells_are_read_as_text_with_dates_as_dates(date1904):
    table = read_table(_excel_workbook(date1904))
    assert table.format == "xlsx"
    assert table.header == ["名称", "成立年份", "比例", "日期", "出口", "时间"]
    expected = list(EXCEL_ROWS)
    if date1904:  # before 1904 there is no date in that system
        expected[2] = (5, ["", "", "", "1950-02-01"])
    assert list(table.rows) == expected


def test_xls_is_read_by_content():
    import datetime as dt

    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("企业")
    for column, text in enumerate(["名称", "成立年份", "比例", "日期", "出口"]):
        sheet.write(0, column, text)
    sheet.write(1, 0, "大连大杨集团有限公司")
    sheet.write(1, 1, 1979)
    sheet.write(1, 2, 12.5)
    sheet.write(1, 3, dt.date(2024, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(1, 4, True)
    sheet.write(3, 0, "=HYPERLINK(1)")  # text, as a formula would be neutralised
    buffer = io.BytesIO()
    workbook.save(buffer)
    table, rows = _read(buffer.getvalue())
    assert table.format == "xls"
    assert table.header == ["名称", "成立年份", "比例", "日期", "出口"]
    assert rows == [
        ["大连大杨集团有限公司", "1979", "12.5", "2024-03-01", "true"],
        ["=HYPERLINK(1)"],
    ]


def test_ods_is_read_by_content_with_repeated_cells():
    table, rows = _read(
        ods_bytes(
            "<table:table-row>"
            + ods_cell("名称")
            + ods_cell("成立年份")
            + ods_cell("日期")
            + "</table:table-row>"
            '<table:table-row table:number-rows-repeated="2">'
            + ods_cell("兴城泳装厂")
            + '<table:table-cell office:value-type="float" office:value="1988">'
            "<text:p>1988</text:p></table:table-cell>"
            '<table:table-cell office:value-type="date" office:date-value='
            '"2024-03-01"><text:p>2024-03-01</text:p></table:table-cell>'
            "</table:table-row>"
            '<table:table-row table:number-rows-repeated="1048000">'
            '<table:table-cell table:number-columns-repeated="1024"/>'
            "</table:table-row>"
        )
    )
    assert table.format == "ods"
    assert table.header == ["名称", "成立年份", "日期"]
    assert rows == [["兴城泳装厂", "1988", "2024-03-01"]] * 2


@pytest.mark.parametrize(
    "make",
    [
        # A kilobyte each, gigabytes as calamine's grid.
        lambda: xlsx_sheet(
            '<row r="1">' + text_cell("A1", "名称") + "</row>"
            '<row r="1048576">' + text_cell("XFD1048576", "x") + "</row>"
        ),
        lambda: xlsx_sheet(  # the far cell claims a row of its own
            '<row r="1">'
            + text_cell("A1", "名称")
            + text_cell("CV900000", "x")
            + "</row>"
        ),
        lambda: xlsx_sheet(  # cells without references, then a far one with
            '<row r="1"><c t="inlineStr"><is><t>名称</t></is></c>'
            '<c s="1" r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'
            '<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
        ),
        lambda: ods_bytes(
            "<table:table-row>" + ods_cell("名称") + "</table:table-row>"
            '<table:table-row table:number-rows-repeated="1000000">'
            '<table:table-cell table:number-columns-repeated="100" '
            'office:value-type="string"><text:p>x</text:p></table:table-cell>'
            "</table:table-row>"
        ),
    ],
)
def test_a_sheet_spanning_too_many_cells_is_refused_before_it_is_read(make):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(TabularError, match="The sheet is too large"):
        read_table(make())
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000


def test_far_cells_without_values_do_not_count():
    header = [f"列{i}" for i in range(12)]  # 12 columns x 1,048,575 rows: too many
    table, rows = _read(
        xlsx_sheet(
            '<row r="1">'
            + "".join(text_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(header))
            + '<c r="XFD1" s="1"/></row>'
            '<row r="2">' + text_cell("A2", "兴城泳装厂") + "</row>"
            '<row r="1048576" ht="20" customHeight="1"/>'
            '<row r="1048575"><c r="B1048575" s="1"></c></row>'
        )
    )
    assert table.header == header and rows == [["兴城泳装厂"]]


def test_a_sheet_of_our_own_export_counts_as_wide_as_its_rows(monkeypatch):
    # Its cells carry no references and its columns are described first: a
    # sheet of 1,000 rows of 40 columns is 40,040 cells, not twice that.
    from core import workbooks
    from core.tabular import xlsx_chunks

    monkeypatch.setattr(workbooks, "MAX_SHEET_CELLS", 41_000)
    header = [f"列{i}" for i in range(40)]
    rows = [[f"{r}-{c}" for c in range(40)] for r in range(1000)]
    table, read = _read(b"".join(xlsx_chunks(header, rows)))
    assert table.header == header and read == rows


def test_a_cell_whose_text_reads_like_a_reference_is_no_reference():
    table, rows = _read(
        xlsx_sheet(
            '<row r="1"><c t="inlineStr"><is><t>名称</t></is></c></row>'
            '<row r="2"><c t="inlineStr"><is><t>见 r="XFD1048576"</t></is></c></row>'
        )
    )
    assert table.header == ["名称"] and rows == [['见 r="XFD1048576"']]


def test_a_zip_whose_sizes_lie_is_refused():
    """A part that inflates beyond the size the archive gives it (with the CRC
    of what that size holds) is refused, not handed to calamine."""
    import struct
    import zipfile
    import zlib

    data = bytearray(xlsx_sheet('<row r="1">' + text_cell("A1", "名称") + "</row>"))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    content = zipfile.ZipFile(io.BytesIO(bytes(data))).read(info)
    short = len(content) // 2
    crc = zlib.crc32(content[:short])
    struct.pack_into("<II", data, info.header_offset + 14, crc, info.compress_size)
    struct.pack_into("<I", data, info.header_offset + 22, short)
    entry = bytes(data).index(b"PK\x01\x02")  # the central directory
    while not bytes(data[entry + 46 :]).startswith(info.filename.encode()):
        entry = bytes(data).index(b"PK\x01\x02", entry + 4)  # next directory entry
    struct.pack_into("<I", data, entry + 16, crc)
    struct.pack_into("<I", data, entry + 24, short)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).testzip() is None  # looks fine
    with pytest.raises(TabularError, match="XLSX file is damaged"):
        read_table(bytes(data))


def test_a_workbook_without_its_parts_gets_the_clear_message():
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_excel_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/_rels/workbook.xml.rels":
                target.writestr(item, source.read(item.filename))
    with pytest.raises(TabularError, match="damaged or incomplete"):
        read_table(buffer.getvalue())


def test_a_zip_of_something_else_is_not_a_workbook():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(TabularError, match="not an XLSX or ODS workbook"):
        read_table(buffer.getvalue())


def test_a_sheet_declaring_entities_is_refused():
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_excel_workbook()))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if content.startswith(b"<?xml"):
                    content = content.split(b"?>", 1)[1]
                content = bomb + content
            target.writestr(item, content)
    with pytest.raises(TabularError, match="damaged or incomplete"):
        table = read_table(buffer.getvalue())
        list(table.rows)


def test_xlsx_cells_are_written_by_their_column_kind_and_read_back():
    """Numbers as numbers (negative ones too), dates as dates, text as text; a
    value not of its column's kind (text in a number column, NaN, a cell XML
    cannot hold) is written as text, and every cell reads back as it was."""
    import datetime as dt
    from decimal import Decimal

    from core.sheetwriter import DATE, NUMBER, TEXT

    rows = [
        [1, "=1+1", dt.date(2025, 6, 30), Decimal("40.617000"), "0411"],
        [-5, "a\x01b", None, "not a number", ""],
        [None, "", "", Decimal("NaN"), "&<>"],
    ]
    out = io.BytesIO()
    write_xlsx(
        out,
        ["n", "t", "d", "x", "code"],
        rows,
        kinds=[NUMBER, TEXT, DATE, NUMBER, TEXT],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [(c.data_type, c.value) for c in sheet[2]][:2] == [("n", 1), ("s", "'=1+1")]
    assert sheet["C2"].is_date and sheet["C2"].value.date() == dt.date(2025, 6, 30)
    assert sheet["D2"].value == pytest.approx(40.617)
    assert sheet["A3"].value == -5 and sheet["B3"].value == "ab"
    assert (sheet["D3"].data_type, sheet["D3"].value) == ("s", "not a number")
    assert sheet["D4"].value == "NaN" and sheet["E4"].value == "&<>"
    _table, read = _read(out.getvalue())
    assert read == [
        ["1", "=1+1", "2025-06-30", "40.617", "0411"],
        ["-5", "ab", "", "not a number"],
        ["", "", "", "NaN", "&<>"],
    ]
