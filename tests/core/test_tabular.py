"""Reading real files: encodings, XLSX, malformed files; writing: BOM, neutralising."""

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
        (lambda tmp: b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
        (lambda tmp: b"\xff\xfe\xfa\xfb" * 50, "encoding"),
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


@pytest.mark.parametrize("date1904", [False, True])
def test_xlsx_rows_read_as_openpyxl_reads_them(date1904):
    from core import tabular

    data = _excel_workbook(date1904)
    fast = read_table(data)
    assert fast.header == ["名称", "成立年份", "比例", "日期", "出口", "时间"]
    rows = list(fast.rows)
    slow = list(
        tabular._non_empty(
            tabular._xlsx_rows(
                openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            )
        )
    )[1:]

    def trimmed(numbered):  # openpyxl pads every row to the widest one
        return [
            (n, r[: max((i + 1 for i, c in enumerate(r) if c), default=0)])
            for n, r in numbered
        ]

    assert trimmed(rows) == trimmed(slow)
    assert rows[0] == (
        2,
        [
            "大连大杨集团有限公司",
            "1979",
            "12.5",
            "2024-03-01",
            "true",
            "2024-03-01T14:30:00",
        ],
    )
    assert rows[1] == (4, ["辽宁蓝海泳装", "", "3", "", "false"])  # row 3 is empty
    assert rows[2] == (5, ["", "", "", "1950-02-01" if date1904 else "1900-02-01"])
    assert rows[3] == (6, ["", "", "", "", "", "", "beyond the header"])


def test_a_workbook_without_its_parts_gets_the_clear_message():
    import zipfile

    from core import xlsx_reader

    source = zipfile.ZipFile(io.BytesIO(_excel_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/_rels/workbook.xml.rels":
                target.writestr(item, source.read(item.filename))
    with pytest.raises(xlsx_reader.Unsupported):
        xlsx_reader.sheet_rows(zipfile.ZipFile(io.BytesIO(buffer.getvalue())), 10)
    with pytest.raises(TabularError, match="damaged or incomplete"):
        read_table(buffer.getvalue())  # openpyxl, after the fast reader, gives up


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
