"""The extent of an ODS sheet, worked out before calamine reads it (a sheet
spanning too many cells is refused unread): the same whatever the pieces the XML
arrives in, with repeated rows and cells, merged (covered) cells, header rows and
row groups as LibreOffice writes them."""

import pytest

from core.workbooks import OdsExtent

CONTENT = (
    '<office:spreadsheet><table:table table:name="A">'
    '<table:table-column table:number-columns-repeated="40"/>'
    "<table:table-header-rows><table:table-row>"
    '<table:table-cell office:value-type="string"><text:p>名称</text:p>'
    "</table:table-cell>"
    '<table:table-cell office:value-type="string"><text:p>x</text:p>'
    "</table:table-cell></table:table-row></table:table-header-rows>"
    '<table:table-row-group><table:table-row table:number-rows-repeated="3">'
    "<table:table-cell/>"
    '<table:covered-table-cell table:number-columns-repeated="2"/>'
    '<table:table-cell office:value-type="float" office:value="1"/>'
    '<table:table-cell table:number-columns-repeated="1000"/>'
    "</table:table-row></table:table-row-group>"
    '<table:table-row table:number-rows-repeated="1000000">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    '</table:table><table:table table:name="B"><table:table-row>'
    '<table:table-cell table:number-columns-repeated="3"/>'
    '<table:table-cell table:number-columns-repeated="3" '
    'office:value-type="string"><text:p>y</text:p></table:table-cell>'
    '</table:table-row><table:table-row table:number-rows-repeated="9"/>'
    "</table:table></office:spreadsheet>"
).encode()


@pytest.mark.parametrize("piece", [1, 7, 64, 1000, len(CONTENT)])
def test_an_ods_sheet_extent_counts_repeats_to_the_last_value_cell(piece):
    extent = OdsExtent()
    for start in range(0, len(CONTENT), piece):
        extent.feed(CONTENT[start : start + piece])
    # A: the header row and three repeated rows with a value in column D (the
    # empty rows and cells after them do not count); B: a value repeated to F.
    assert extent.finish() == (4, 6)
