"""Spreadsheets written for tests the way other programs write them: ODS content,
XLSX sheet markup, legacy XLS (xlwt)."""

import io
import zipfile
from xml.sax.saxutils import escape


def ods_cell(text: str) -> str:
    return (
        '<table:table-cell office:value-type="string">'
        f"<text:p>{escape(text)}</text:p></table:table-cell>"
    )


def ods_bytes(rows: str) -> bytes:
    """An ODS spreadsheet with one table of these rows (content.xml markup)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="S">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
        )
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/>'
            "</manifest:manifest>",
        )
    return buffer.getvalue()


def xlsx_sheet(sheet_data: str) -> bytes:
    """An XLSX workbook whose one sheet has this <sheetData> markup."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml"'
            ' ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{office}"><sheets><sheet name="S" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{sheet_data}</sheetData></worksheet>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def ods_table(rows: list[list[str]]) -> bytes:
    """An ODS spreadsheet of text cells."""
    return ods_bytes(
        "".join(
            "<table:table-row>"
            + "".join(ods_cell(c) if c else "<table:table-cell/>" for c in row)
            + "</table:table-row>"
            for row in rows
        )
    )


def xls_table(rows: list[list[str]]) -> bytes:
    """A legacy XLS workbook of text cells."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell:
                sheet.write(r, c, cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bomb(rows: int, cells: int, text: str, *, header: list[str] | None = None):
    """An XLSX workbook of `rows` rows of `cells` identical text cells, deflated as
    hard as zlib can (a few hundred kilobytes that inflate to hundreds of
    megabytes), written in pieces so the test does not hold it inflated."""
    plain = xlsx_sheet("")
    source = zipfile.ZipFile(io.BytesIO(plain))
    buffer = io.BytesIO()
    cell = f'<c t="inlineStr"><is><t>{text}</t></is></c>'
    line = ("<row>" + cell * cells + "</row>").encode()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, source.read(info))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
            sheet.write(f'<worksheet xmlns="{main}"><sheetData>'.encode())
            if header:
                sheet.write(
                    (
                        "<row>"
                        + "".join(
                            f'<c t="inlineStr"><is><t>{escape(h)}</t></is></c>'
                            for h in header
                        )
                        + "</row>"
                    ).encode()
                )
            block = line * 1000
            for _ in range(rows // 1000):
                sheet.write(block)
            sheet.write(line * (rows % 1000))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def xlsx_long_cell(
    size: int, *, header: list[str] | None = None, random_text: bool = False
) -> bytes:
    """An XLSX workbook whose second row holds one text cell of `size` bytes: of
    "a", or with `random_text` of "a" with one "b" in 16 at random (deflated
    about 10 times)."""
    import os

    plain = xlsx_sheet("")
    source = zipfile.ZipFile(io.BytesIO(plain))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, source.read(info))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
            sheet.write(f'<worksheet xmlns="{main}"><sheetData><row r="1">'.encode())
            for i, h in enumerate(header or ["名称"]):
                sheet.write(text_cell(f"{chr(65 + i)}1", escape(h)).encode())
            sheet.write(b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>')
            piece = b"a" * (1 << 20)
            table = bytes(98 if i < 16 else 97 for i in range(256))
            for _ in range(size >> 20):
                sheet.write(
                    os.urandom(1 << 20).translate(table) if random_text else piece
                )
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return buffer.getvalue()
