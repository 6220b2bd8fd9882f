"""The XLSX export and templates as a spreadsheet opens them, the export page's
advice, and exports refused for a filter they cannot read."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.fields import EXPORT_COLUMNS
from imports.exports import export_chunks
from imports.jobs import dry_run
from imports.models import ImportJob
from imports.plan import Options
from tests.factories import EnterpriseFactory
from tests.imports.helpers import FIELDS, HEADER, uscc, xlsx_bytes
from tests.imports.test_spreadsheet_software import FILES

pytestmark = pytest.mark.django_db


def _column(name: str) -> str:
    return openpyxl.utils.get_column_letter(FIELDS.index(name) + 1)


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_export_keeps_codes_as_text_numbers_as_numbers_dates_as_dates(staff):
    EnterpriseFactory(
        uscc=uscc(6),
        contact_phone="04295551234",
        founded_year=1998,
        latitude="40.617000",
        longitude="120.726100",
        datum="gcj02",
        last_confirmed_on=dt.date(2025, 6, 30),
    )
    sheet = _sheet(b"".join(export_chunks("enterprises", "xlsx", staff)))
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == HEADER + [c.header for c in EXPORT_COLUMNS]
    assert sheet[1][0].font.b
    code, phone = sheet[_column("uscc") + "2"], sheet[_column("contact_phone") + "2"]
    assert (code.data_type, code.value) == ("s", uscc(6))
    assert (phone.data_type, phone.value) == ("s", "04295551234")
    # The whole column is text-formatted, so a code typed below stays text.
    for name in ("uscc", "contact_phone", "region", "name"):
        assert sheet.column_dimensions[_column(name)].number_format == "@", name
        assert code.number_format == "@"
    year = sheet[_column("founded_year") + "2"]
    assert (year.data_type, year.value) == ("n", 1998)
    latitude = sheet[_column("latitude") + "2"]
    assert latitude.data_type == "n" and Decimal(str(latitude.value)) == Decimal(
        "40.617"
    )
    confirmed = sheet[_column("last_confirmed_on") + "2"]
    assert confirmed.is_date and confirmed.value.date() == dt.date(2025, 6, 30)
    assert sheet.column_dimensions[_column("uscc")].width >= 20
    assert sheet.column_dimensions[_column("name")].width >= 12


def test_xlsx_template_formats_its_columns_like_the_export(client, staff):
    client.force_login(staff)
    for kind in ("enterprises", "markets"):
        response = client.get(reverse("imports:import-template", args=[kind, "xlsx"]))
        sheet = _sheet(response.content)
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["B"].number_format == "@"  # name
    sheet = _sheet(
        client.get(
            reverse("imports:import-template", args=["enterprises", "xlsx"])
        ).content
    )
    assert sheet.column_dimensions[_column("uscc")].number_format == "@"
    assert sheet.column_dimensions[_column("founded_year")].number_format == "General"


def test_the_export_pages_say_xlsx_is_the_format_for_editing(client, staff):
    EnterpriseFactory()
    client.force_login(staff)
    for url in (reverse("enterprises:enterprise-list"), reverse("imports:import-list")):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "To edit and re-import, use XLSX" in page, url


@pytest.mark.parametrize(
    "query",
    ["county=%3Cscript%3E", "updated=yesterday", "stale=maybe", "sort=cheapest"],
)
def test_an_export_with_a_filter_it_cannot_read_is_refused(client, staff, query):
    EnterpriseFactory(name="兴城泳装甲有限公司")
    client.force_login(staff)
    response = client.get(
        reverse("imports:export", args=["enterprises"]) + "?format=csv&" + query,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert not response.streaming
    page = response.content.decode()
    assert "Export refused" in page
    assert 'id="export-errors"' in page
    assert "兴城泳装甲有限公司" not in page


def test_the_uploader_chooses_the_sheet_and_a_missing_sheet_is_named(
    client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    data = (FILES / "second-sheet.xlsx").read_bytes()
    response = client.post(
        reverse("imports:import-list"),
        {
            "kind": "enterprises",
            "sheet": "Nope",
            "file": SimpleUploadedFile("two.xlsx", data),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "no sheet “Nope”; its sheets: 说明, enterprises" in response.content.decode()
    assert not ImportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:import-list"),
            {"kind": "enterprises", "file": SimpleUploadedFile("two.xlsx", data)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    job = ImportJob.objects.get()
    assert job.options["sheet"] == "enterprises"
    job.refresh_from_db()
    assert job.counts["create"] == 4, job.message
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content
    assert "sheet “enterprises”" in page.decode()


def test_xlsx_template_has_instructions_code_lists_drop_downs_and_an_example(
    client, staff
):
    client.force_login(staff)
    data = client.get(
        reverse("imports:import-template", args=["enterprises", "xlsx"]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["enterprises", "说明 Instructions", "代码 Codes"]
    codes = workbook["代码 Codes"]
    lists = {
        cell.value: [c.value for c in column[1:] if c.value]
        for column in codes.iter_cols()
        for cell in column[:1]
    }
    assert "211481" in lists["区县代码 / Region code"]
    assert "Swimwear" in lists["行业 / Sectors"]
    assert len(lists["电话邮箱可见范围 / Contact visibility"]) == 3
    validations = {
        str(v.sqref).split(":")[0]: v
        for v in workbook["enterprises"].data_validations.dataValidation
    }
    region = validations[_column("region") + "2"]
    assert region.showErrorMessage and "'代码 Codes'!$A$2" in region.formula1
    # Several sectors go in one cell: their list is offered, not enforced.
    assert not validations[_column("sectors") + "2"].showErrorMessage
    # The example row imports as it is.
    rows = list(workbook["说明 Instructions"].iter_rows(values_only=True))
    example = rows[rows.index(tuple(HEADER)) + 1]
    plans = list(
        dry_run("enterprises", xlsx_bytes([[v or "" for v in example]]), Options())
    )
    assert [p.action for p in plans] == ["create"], plans[0].errors
    assert not plans[0].warnings
