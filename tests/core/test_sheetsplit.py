"""A large sheet read by two processes (core.sheetsplit) gives what one parse
gives: the same header, rows, row numbers and cells (numbers as NumberCell), on
files saved by LibreOffice and on random ones; a hostile sheet is refused as when
it is read in one piece."""

import datetime as dt
import io
import multiprocessing
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.utils import translation

from core import sheetsplit, workbooks
from core.sheetwriter import write_xlsx
from core.tabular import TabularError, read_table
from tests.spreadsheets import ods_bytes, ods_cell, text_cell, xlsx_sheet

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"
WORKBOOKS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".xlsx", ".ods"))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def splits(monkeypatch):
    """Every workbook's sheet part is cut (at CUT_AT); the count of sheets given
    to two processes, and of those read in two halves."""
    monkeypatch.setattr(sheetsplit, "SPLIT_MIN_BYTES", 1)
    read = sheetsplit.read_split
    count = [0, 0]

    def counted(*args, **kwargs):
        count[1] += 1
        result = read(*args, **kwargs)
        count[0] += 1
        return result

    monkeypatch.setattr(sheetsplit, "read_split", counted)
    return count


def snapshot(data: bytes, **kwargs):
    """What a reader of the table sees, cell classes included."""
    table = read_table(data, **kwargs)
    rows = [
        (n, [(c.__class__.__name__, str(c)) for c in cells]) for n, cells in table.rows
    ]
    return table.header, table.skipped, table.sheet, table.sheets, rows


def unsplit(data: bytes, **kwargs):
    saved = sheetsplit.SPLIT_MIN_BYTES
    sheetsplit.SPLIT_MIN_BYTES = 10**15
    try:
        return snapshot(data, **kwargs)
    finally:
        sheetsplit.SPLIT_MIN_BYTES = saved


def is_header(cells: list[str]) -> bool:
    return any("USCC" in c for c in cells)


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_libreoffice_files_read_in_halves_as_in_one(path, splits, monkeypatch):
    data = path.read_bytes()
    whole = unsplit(data, is_header=is_header)
    assert whole[4], "the fixture has rows"
    for step in range(20):  # the second half starting at each row in turn
        monkeypatch.setattr(sheetsplit, "CUT_AT", step / 20)
        assert snapshot(data, is_header=is_header) == whole
    if path.name != "second-sheet.ods":  # two tables: read in one piece
        assert splits[0] > 0, "some cuts fell within the rows"
    else:
        assert splits[0] == 0


def random_rows(rng: random.Random) -> list[list[object]]:
    words = ["兴城", "泳装", "a&b", "<x>", " padded ", "'=1+1", "Ltd.", "0042", "7"]
    rows: list[list[object]] = []
    width = rng.randint(1, 12)
    for _ in range(rng.randint(2, 60)):
        kind = rng.random()
        if kind < 0.1:
            rows.append([])  # an empty row
            continue
        row: list[object] = []
        for _ in range(rng.randint(1, width)):
            pick = rng.random()
            if pick < 0.2:
                row.append("")
            elif pick < 0.35:
                row.append(rng.randint(-(10**12), 10**18))
            elif pick < 0.45:
                row.append(rng.random() * 1000)
            elif pick < 0.5:
                day = dt.timedelta(days=rng.randint(0, 9000))
                row.append(dt.date(2000, 1, 1) + day)
            else:
                row.append("".join(rng.choice(words) for _ in range(rng.randint(1, 4))))
        rows.append(row)
    return rows


def ods_of(rows: list[list[object]], rng: random.Random) -> bytes:
    """An ODS table of these rows, equal neighbouring rows (and cells) written
    once with a repeat count, as LibreOffice does, after some empty rows."""

    def cell(value: object) -> str:
        if value == "":
            return "<table:table-cell/>"
        if isinstance(value, int | float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
        )

    markup = []
    if rng.random() < 0.5:
        markup.append(
            f'<table:table-row table:number-rows-repeated="{rng.randint(1, 4)}">'
            "<table:table-cell/></table:table-row>"
        )
    at = 0
    while at < len(rows):
        same = 1
        while at + same < len(rows) and rows[at + same] == rows[at]:
            same += 1
        repeat = f' table:number-rows-repeated="{same}"' if same > 1 else ""
        cells = [cell(v) for v in rows[at] if not isinstance(v, dt.date)] or [
            "<table:table-cell/>"
        ]
        markup.append(f"<table:table-row{repeat}>{''.join(cells)}</table:table-row>")
        at += same
    return ods_bytes("".join(markup))


def xlsx_of(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    width = max((len(r) for r in rows), default=1)
    kinds = ["number" if i % 3 == 1 else "text" for i in range(width)]
    body = [
        [
            v if isinstance(v, str) or kinds[i] == "number" else str(v)
            for i, v in enumerate(r)
        ]
        for r in rows
    ]
    write_xlsx(buffer, [f"h{i}" for i in range(width)], body, kinds=kinds)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(12))
def test_random_sheets_read_in_halves_as_in_one(seed, splits, monkeypatch):
    rng = random.Random(seed)
    for data in (xlsx_of(random_rows(rng)), ods_of(random_rows(rng), rng)):
        whole = unsplit(data)
        for _ in range(6):
            monkeypatch.setattr(sheetsplit, "CUT_AT", rng.random())
            # inflated in pieces that cut tags (and repeat counts) in two
            monkeypatch.setattr(workbooks, "PIECE", rng.choice([7, 100, 4 << 20]))
            assert snapshot(data) == whole
    assert splits[0] > 0


def test_rows_below_empty_rows_keep_their_numbers():
    data = xlsx_sheet(
        '<row r="3">' + text_cell("B3", "USCC") + text_cell("C3", "name") + "</row>"
        '<row r="5">' + text_cell("B5", "x") + "</row>"
    )
    table = read_table(data, is_header=is_header)
    assert table.header == ["", "USCC", "name"]
    assert list(table.rows) == [(5, ["", "x"])]


def refused(data: bytes) -> str:
    with pytest.raises(TabularError) as error:
        list(read_table(data).rows)
    return str(error.value.message)


def test_an_oversized_cell_in_either_half_is_refused(splits, monkeypatch):
    rows = "".join(
        f'<row r="{n}">' + text_cell(f"A{n}", "x" * 40) + "</row>"
        for n in range(1, 200)
    )
    big = '<row r="300">' + text_cell("A300", "y" * 1_200_000) + "</row>"
    for sheet_data in (big + rows.replace('r="1"', 'r="301"', 1), rows + big):
        message = refused(xlsx_sheet(sheet_data))
        assert "cell" in message.lower() and "1 MB" in message
    assert splits[1] == 2


def test_a_dtd_in_the_cut_part_is_refused(splits):
    row = "<table:table-row>" + ods_cell("x") * 2 + "</table:table-row>"
    rows = row * 50
    data = ods_bytes(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    parts["content.xml"] = parts["content.xml"].replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    assert "damaged" in refused(buffer.getvalue())
    assert splits[1] == 1


def test_a_sheet_too_large_in_its_second_half_is_refused(splits):
    value = (
        '<table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell>"
    )
    rows = f"<table:table-row>{value * 3}</table:table-row>" * 40
    huge = (
        '<table:table-row table:number-rows-repeated="5000000">'
        f"{value * 3}</table:table-row>"
    )
    message = refused(ods_bytes(rows + huge))
    assert "5,000,040 rows" in message and "3 columns" in message
    assert splits[1] == 1


def test_a_table_dropped_unread_stops_its_processes(splits):
    rows = "".join(
        f'<row r="{n}">' + text_cell(f"A{n}", f"row {n} " + "x" * 40) + "</row>"
        for n in range(1, 20_000)
    )
    table = read_table(xlsx_sheet(rows))
    assert next(table.rows)[0] == 2
    assert splits == [1, 1]
    del table  # the halves wait to send more rows than a pipe holds
    assert multiprocessing.active_children() == []
