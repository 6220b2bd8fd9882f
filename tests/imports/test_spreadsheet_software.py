"""Files saved by real spreadsheet software (LibreOffice Calc, headless: see
tests/fixtures/spreadsheets/README.md): what a spreadsheet does to codes is a row
error naming the column, never other digits; what keeps them imports exactly."""

from pathlib import Path

import pytest
from django.utils import translation

from core.messages import render_message
from enterprises.models import Enterprise
from imports.jobs import (
    dry_run,
    import_job_check,
    import_job_create,
    import_job_request_apply,
)
from imports.models import ImportJob
from imports.plan import Options

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"
# The source rows (scripts/make_spreadsheet_fixtures.py).
USCCS = [
    "912114817000000606",
    "912114817000000793",
    "91211481700000087X",
    "912114817000001169",
]
PHONES = ["04295551234", "02423456789", "13812345678", "+86 429 555"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _plans(name: str):
    return list(dry_run("enterprises", (FILES / name).read_bytes(), Options()))


def _errors(plan) -> str:
    return " ".join(map(render_message, plan.errors))


@pytest.mark.parametrize(
    "name", ["csv-saved-as.xlsx", "csv-saved-as.ods", "csv-saved-as.xls"]
)
def test_codes_a_spreadsheet_stored_as_numbers_are_row_errors(name):
    """The CSV export opened in a spreadsheet and saved as a workbook: the
    all-digit USCCs became rounded numbers (…0606 became …1024) and the phones
    lost their leading 0. Each such row is an error naming the column and saying
    how to fix it; no row carries other digits."""
    plans = _plans(name)
    assert len(plans) == 4
    for index in (0, 1, 3):
        text = _errors(plans[index])
        assert plans[index].action == "error"
        assert "USCC: the cell holds the number" in text
        assert "Format the column as text" in text
    for index in (0, 1):
        assert "Phone: the cell holds the number" in _errors(plans[index])
    # A code with a letter stays text, a mobile number and a region code are the
    # same as numbers: that row imports, with its code as typed.
    assert plans[2].action == "create", plans[2].errors
    assert not plans[2].warnings


def test_codes_in_scientific_notation_and_phones_without_their_zero_are_row_errors():
    """The CSV export opened and saved as CSV: "9.12114817000001E+017" and
    "4295551234" (for 0429 555 1234)."""
    plans = _plans("csv-saved-as.csv")
    for index in (0, 1, 3):
        text = _errors(plans[index])
        assert "USCC: “9.12114817000001E+017” is a number in scientific" in text
    assert "Phone: “4295551234” looks like a phone number that lost its leading 0" in (
        _errors(plans[0])
    )
    assert "Phone: “2423456789” looks like" in _errors(plans[1])
    assert plans[2].action == "create", plans[2].errors


@pytest.mark.parametrize(
    "name",
    [
        "export.xlsx",
        "xlsx-saved-as.xlsx",
        "xlsx-saved-as.ods",
        "xlsx-saved-as.xls",
        "xlsx-saved-as.csv",
        "xlsx-saved-as-utf16.txt",
        "title-rows.xlsx",
        "second-sheet.xlsx",
        "second-sheet.ods",
        "empty-first-sheet.xlsx",
    ],
)
def test_the_xlsx_export_saved_by_a_spreadsheet_keeps_every_code(
    staff, name, django_capture_on_commit_callbacks
):
    """The XLSX export (codes as text, numbers as numbers, dates as dates) saved
    again as XLSX, ODS, XLS, CSV or UTF-16 text, below title rows or on a second
    sheet: every row imports with exactly the values exported."""
    plans = _plans(name)
    assert [p.action for p in plans] == ["create"] * 4, [p.errors for p in plans]
    assert not any(p.warnings for p in plans)
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=(FILES / name).read_bytes(),
        file_name=name,
        enqueue=False,
    )
    job = import_job_check(job_id=job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_request_apply(actor=staff, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.error
    entries = Enterprise.objects.order_by("uscc")
    assert [e.uscc for e in entries] == sorted(USCCS)
    by_code = {e.uscc: e for e in entries}
    for code, phone in zip(USCCS, PHONES, strict=True):
        entry = by_code[code]
        assert entry.contact_phone == phone
        assert entry.region_id == "211481"
        assert str(entry.latitude) == "40.617000"
        assert str(entry.last_confirmed_on) == "2025-06-30"
    assert sorted(e.founded_year for e in entries) == [1998, 2003, 2010, 2015]
