"""A staff member uploads a spreadsheet, reads the dry run, applies it while the
progress bar updates by itself, then undoes it (also a background task)."""

import pytest
from playwright.sync_api import expect

from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.factories import EnterpriseFactory, StaffFactory
from tests.imports.helpers import csv_bytes, row, uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US"}


def login(page, live_server, user):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-2026")
    page.locator("form [type=submit]").last.click()


def test_upload_dry_run_apply_with_progress_and_undo(
    live_server, page, console_errors, tmp_path
):
    staff = StaffFactory()
    existing = EnterpriseFactory(uscc=uscc(40), name="旧企业有限公司", name_en="")
    EnterpriseFactory(name="大连大杨集团有限责任公司", region_id="210202")
    path = tmp_path / "企业名录.csv"
    path.write_bytes(
        csv_bytes(
            [
                row(name="旧企业有限公司", uscc=uscc(40), products="泳装"),
                row(name="大连大杨集团有限公司", region="210202"),
                *[row(name=f"浏览器企业{i}有限公司") for i in range(30)],
            ],
            encoding="gb18030",
        )
    )
    login(page, live_server, staff)
    page.goto(live_server.url + "/imports/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload and check").click()

    # The dry run (run by the task backend) shows each row's outcome.
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "checked")
    expect(page.locator('[data-count="create"]')).to_contain_text("30")
    expect(page.locator('[data-count="update"]')).to_contain_text("1")
    update = page.locator('tr[data-action="update"]')
    expect(update).to_contain_text("泳装")
    duplicate = page.locator('tr[data-duplicate="name"]')
    expect(duplicate).to_contain_text("大连大杨集团有限责任公司")
    assert Enterprise.objects.count() == 2

    # Applying queues a task; the page polls its progress until it is done.
    page.get_by_role("button", name="Apply this import").click()
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-status", "applied", timeout=20_000
    )
    assert Enterprise.objects.count() == 32  # the duplicate was skipped
    existing.refresh_from_db()
    assert existing.products == "泳装"

    # Undoing queues a task too; the page follows it until it is undone.
    page.get_by_role("link", name="Undo this import…").click()
    page.get_by_role("button", name="Undo the import").click()
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-status", "undone", timeout=20_000
    )
    expect(page.locator("#job-status")).to_have_text("Undone")
    expect(page.get_by_role("link", name="Undo this import…")).to_have_count(0)
    assert Enterprise.objects.count() == 2
    existing.refresh_from_db()
    assert existing.products == ""
    assert console_errors == []


def test_progress_bar_updates_by_itself(live_server, page, console_errors):
    """The bar follows a running job without reloading the page."""
    from imports.jobs import import_job_create

    staff = StaffFactory()
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name="进度企业有限公司")]),
        file_name="p.csv",
        enqueue=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.APPLY_QUEUED, progress_done=10, progress_total=100
    )
    login(page, live_server, staff)
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    bar = page.locator("#job-bar")
    expect(bar).to_have_attribute("value", "10")
    ImportJob.objects.filter(pk=job.pk).update(progress_done=60)
    expect(bar).to_have_attribute("value", "60", timeout=5_000)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.APPLIED, progress_done=100
    )
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-status", "applied", timeout=5_000
    )
    expect(page.locator("#job-bar")).to_have_count(0)
    assert console_errors == []


def test_warnings_accepted_row_by_row_and_bad_rows_skipped(
    live_server, page, console_errors, tmp_path
):
    from tests.imports.helpers import bad_check

    staff = StaffFactory()
    renamed = EnterpriseFactory(uscc=uscc(41), name="原名浏览器有限公司")
    path = tmp_path / "decisions.csv"
    path.write_bytes(
        csv_bytes(
            [
                row(name="改名浏览器有限公司", uscc=uscc(41)),
                row(name="校验浏览器有限公司", uscc=bad_check(uscc(42))),
                row(name="错误浏览器有限公司", founded_year="1700"),
                row(name="正常浏览器有限公司", uscc=uscc(43)),
            ]
        )
    )
    login(page, live_server, staff)
    page.goto(live_server.url + "/imports/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "checked")
    expect(page.locator('tr[data-row="2"]')).to_contain_text("原名浏览器有限公司")
    expect(page.locator('tr[data-row="2"]')).to_contain_text("改名浏览器有限公司")
    expect(page.locator("#report-download")).to_be_visible()
    # Accept the rename only; skip the rest that is bad.
    page.locator('tr[data-row="2"] input[name=accept]').check()
    page.locator("#skip-bad").check()
    page.get_by_role("button", name="Apply this import").click()
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-status", "applied", timeout=20_000
    )
    renamed.refresh_from_db()
    assert renamed.name == "改名浏览器有限公司"
    assert Enterprise.objects.filter(uscc=uscc(43)).exists()
    assert not Enterprise.objects.filter(uscc=bad_check(uscc(42))).exists()
    expect(page.locator("#import-downloads")).to_contain_text("2 rows were skipped")
    with page.expect_download() as download:
        page.locator("#skipped-csv").click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    assert "校验浏览器有限公司" in text and "错误浏览器有限公司" in text
    assert console_errors == []
