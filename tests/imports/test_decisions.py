"""The decisions of the dry-run page: a USCC that names another company is a
warning to accept, warnings are accepted row by row, bad rows can be skipped (and
downloaded), and the dry-run report downloads as XLSX."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from core.messages import render_message
from enterprises.models import Enterprise
from imports import prepare
from imports.jobs import apply_file, import_job_check, import_job_create
from imports.models import ImportJob, PreparedChunk
from imports.plan import ImportRefused, Options
from tests.factories import EnterpriseFactory
from tests.imports.helpers import HEADER, bad_check, csv_bytes, row, uscc, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def checked(staff, data: bytes, name="d.csv") -> ImportJob:
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=data,
        file_name=name,
        language="en",
        enqueue=False,
    )
    return import_job_check(job_id=job.pk)


def post_apply(client, job, capture, **data):
    with capture(execute=True):
        response = client.post(
            reverse("imports:import-apply", args=[job.pk]),
            data,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    job.refresh_from_db()
    return response


def sheet_rows(data: bytes) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(0).to_python()


# --- A USCC that names another company -------------------------------------------


def test_a_uscc_naming_another_company_is_a_warning_naming_both(staff):
    entry = EnterpriseFactory(uscc=uscc(401), name="兴城泳装有限公司", products="泳衣")
    data = csv_bytes([row(name="葫芦岛针织有限公司", uscc=uscc(401), products="泳衣")])
    job = checked(staff, data)
    [report] = job.report
    assert report["action"] == "update" and report["target"] == entry.pk
    [warning] = map(render_message, report["warnings"])
    assert "兴城泳装有限公司" in warning and "葫芦岛针织有限公司" in warning
    assert report["duplicate"]["kind"] == "renamed"
    assert job.counts["warning"] == 1 and job.flagged["warning"] == [2]
    # Not silently applied: refused unless accepted for that row.
    with pytest.raises(ImportRefused, match="not accepted"):
        apply_file(job=job, actor=staff, data=data, options=Options())
    entry.refresh_from_db()
    assert entry.name == "兴城泳装有限公司"
    apply_file(
        job=job, actor=staff, data=data, options=Options(accept_rows=frozenset({2}))
    )
    entry.refresh_from_db()
    assert entry.name == "葫芦岛针织有限公司"


def test_the_same_uscc_and_name_is_a_plain_update(staff):
    entry = EnterpriseFactory(uscc=uscc(402), name="兴城泳装有限公司", products="泳衣")
    job = checked(
        staff, csv_bytes([row(name=entry.name, uscc=uscc(402), products="袜子")])
    )
    [report] = job.report
    assert report["action"] == "update" and not report.get("warnings")
    assert report["changes"]["products"] == ["泳衣", "袜子"]
    assert "name" not in report["changes"]


def test_an_export_row_with_its_id_renames_without_a_warning(staff):
    entry = EnterpriseFactory(uscc=uscc(403), name="旧名服饰有限公司")
    job = checked(
        staff, csv_bytes([row(id=entry.pk, name="新名服饰有限公司", uscc=uscc(403))])
    )
    [report] = job.report
    assert report["action"] == "update" and not report.get("warnings")


# --- Warnings accepted row by row, bad rows skipped ----------------------------------


def warned_file():
    return csv_bytes(
        [
            row(name="校验甲有限公司", uscc=bad_check(uscc(411))),
            row(name="校验乙有限公司", uscc=bad_check(uscc(412))),
            row(name="正常丙有限公司", uscc=uscc(413)),
        ]
    )


def test_the_page_offers_each_warned_row_and_applies_only_the_accepted(
    client, staff, django_capture_on_commit_callbacks
):
    job = checked(staff, warned_file())
    client.force_login(staff)
    page = client.get(
        reverse("imports:import-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'name="accept" value="2"' in page and 'name="accept" value="3"' in page
    assert 'name="accept" value="4"' not in page  # no warning there
    assert 'id="accept-all"' in page and 'id="skip-bad"' in page
    # Accepting one of two warned rows, without skipping, is refused at once.
    post_apply(client, job, django_capture_on_commit_callbacks, accept=["2"])
    assert job.status == ImportJob.Status.CHECKED
    assert not Enterprise.objects.filter(
        name__endswith="有限公司",
        uscc__in=[bad_check(uscc(411)), bad_check(uscc(412)), uscc(413)],
    ).exists()
    page = client.get(
        reverse("imports:import-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "warnings not accepted (rows 3)" in page
    # Row 2 accepted, the rest applied, row 3 skipped.
    post_apply(
        client, job, django_capture_on_commit_callbacks, accept=["2"], skip_bad="1"
    )
    assert job.status == ImportJob.Status.APPLIED, job.message
    accepted = Enterprise.objects.get(uscc=bad_check(uscc(411)))
    assert accepted.uscc_check_override is True
    assert not Enterprise.objects.filter(uscc=bad_check(uscc(412))).exists()
    assert Enterprise.objects.filter(uscc=uscc(413)).exists()
    assert job.counts["skip"] == 1 and job.counts["create"] == 2
    assert [r for r, _m in job.result["skipped"]] == [3]


def test_accept_all_accepts_every_row(
    client, staff, django_capture_on_commit_callbacks
):
    job = checked(staff, warned_file())
    client.force_login(staff)
    post_apply(client, job, django_capture_on_commit_callbacks, accept_warnings="1")
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert Enterprise.objects.filter(uscc_check_override=True).count() == 2


def test_rows_with_errors_are_skipped_and_download_with_their_message(
    client, staff, django_capture_on_commit_callbacks
):
    data = csv_bytes(
        [
            row(name="好行一有限公司", uscc=uscc(421), contact_phone="04118888888"),
            row(name="坏行有限公司", uscc=uscc(422), founded_year="1700"),
            row(name="好行二有限公司", uscc=uscc(423)),
        ]
    )
    job = checked(staff, data)
    assert job.flagged["error"] == [3]
    client.force_login(staff)
    post_apply(client, job, django_capture_on_commit_callbacks)  # not skipping
    assert job.status == ImportJob.Status.CHECKED
    assert not Enterprise.objects.filter(uscc=uscc(421)).exists()
    post_apply(client, job, django_capture_on_commit_callbacks, skip_bad="1")
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert set(
        Enterprise.objects.filter(
            uscc__in=[uscc(421), uscc(422), uscc(423)]
        ).values_list("uscc", flat=True)
    ) == {uscc(421), uscc(423)}
    page = client.get(
        reverse("imports:import-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 row was skipped" in page
    csv_text = client.get(
        reverse("imports:import-skipped", args=[job.pk, "csv"]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(HEADER[0]) and lines[0].endswith("Message")
    assert "坏行有限公司" in lines[1] and uscc(422) in lines[1] and "1700" in lines[1]
    xlsx = client.get(
        reverse("imports:import-skipped", args=[job.pk, "xlsx"]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    rows = sheet_rows(xlsx.content)
    assert rows[0][-1] == "Message" and len(rows) == 2
    assert rows[1][HEADER.index(HEADER[5])] == uscc(422)  # the code stays text
    assert "1800" in rows[1][-1]  # the message says what is wrong
    # Undo takes back the rows applied.
    from imports.undo import import_job_undo

    import_job_undo(actor=staff, job=job)
    assert not Enterprise.objects.filter(uscc__in=[uscc(421), uscc(423)]).exists()


def test_a_file_of_errors_only_cannot_be_applied_even_skipping(staff):
    from imports.jobs import import_job_request_apply

    job = checked(staff, csv_bytes([row(name="坏行有限公司", founded_year="1700")]))
    with pytest.raises(ValidationError, match="nothing to apply"):
        import_job_request_apply(actor=staff, job=job, skip_bad=True)


# --- The dry-run report -------------------------------------------------------------


def test_the_dry_run_report_downloads_as_xlsx(client, staff):
    entry = EnterpriseFactory(uscc=uscc(431), name="报告甲有限公司", products="衬衫")
    data = xlsx_bytes(
        [
            row(name="报告甲有限公司", uscc=uscc(431), products="泳衣"),
            row(name="报告乙有限公司", uscc=bad_check(uscc(432))),
            row(name="报告丙有限公司", founded_year="1700"),
        ]
    )
    job = checked(staff, data, name="r.xlsx")
    client.force_login(staff)
    response = client.get(
        reverse("imports:import-report", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument"
    )
    rows = sheet_rows(b"".join(response.streaming_content))
    assert rows[0] == ["Row", "Action", "Entry", "Changed fields", "Messages"]
    by_row = {int(r[0]): r for r in rows[1:]}
    assert by_row[2][1] == "update" and f"#{entry.pk}" in by_row[2][2]
    assert "衬衫 → 泳衣" in by_row[2][3]
    assert by_row[3][1] == "create" and "check character" in by_row[3][4]
    assert by_row[4][1] == "error" and by_row[4][4]


def test_a_dry_run_that_found_errors_keeps_no_prepared_rows(staff, monkeypatch):
    monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    good = checked(staff, csv_bytes([row(name="准备好有限公司", uscc=uscc(441))]))
    assert PreparedChunk.objects.filter(job=good).exists()  # the other case
    bad = checked(
        staff,
        csv_bytes(
            [
                row(name="准备坏有限公司", founded_year="1700"),
                row(name="准备好二有限公司", uscc=uscc(442)),
            ]
        ),
    )
    assert bad.status == ImportJob.Status.CHECKED and bad.counts["error"] == 1
    assert not PreparedChunk.objects.filter(job=bad).exists()
