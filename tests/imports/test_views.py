"""The /imports/ pages and the export of search results."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.factories import EnterpriseFactory
from tests.imports.helpers import HEADER, csv_bytes, row, uscc
from tests.spreadsheets import ods_table, xls_table

pytestmark = pytest.mark.django_db

LIST = reverse("imports:import-list")


def upload(client, data: bytes, name="directory.csv", kind="enterprises"):
    return client.post(
        LIST,
        {"kind": kind, "file": SimpleUploadedFile(name, data)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.fixture
def job(staff):
    from imports.jobs import import_job_check, import_job_create

    data = csv_bytes([row(name="页面企业有限公司", uscc=uscc(20))])
    created = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="a.csv", enqueue=False
    )
    return import_job_check(job_id=created.pk)


def _urls(job):
    return [
        ("get", LIST),
        ("get", reverse("imports:import-detail", args=[job.pk])),
        ("post", reverse("imports:import-apply", args=[job.pk])),
        ("post", reverse("imports:import-undo", args=[job.pk])),
        ("get", reverse("imports:import-template", args=["enterprises", "xlsx"])),
        ("get", reverse("imports:export", args=["enterprises"])),
    ]


def test_anonymous_is_sent_to_login(client, job):
    for method, url in _urls(job):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_non_staff_get_404_and_change_nothing(client, user, job):
    client.force_login(user)
    for method, url in _urls(job):
        assert getattr(client, method)(url).status_code == 404, url
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_staff_upload_dry_run_apply_and_undo(
    client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    data = csv_bytes([row(name="上传企业有限公司", uscc=uscc(21), products="泳装")])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:import-detail", args=[job.pk])
    assert job.status == ImportJob.Status.CHECKED
    assert job.created_by == staff and job.file_name == "directory.csv"
    assert len(job.sha256) == 64 and job.size == len(data)
    page = client.get(response["Location"])
    assert b'data-action="create"' in page.content
    assert "上传企业有限公司" in page.content.decode()
    assert not Enterprise.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import-apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert job.applied_by == staff
    assert Enterprise.objects.filter(uscc=uscc(21)).exists()
    history = client.get(LIST).content.decode()
    assert f'data-job="{job.pk}" data-status="applied"' in history

    # Undoing asks to confirm first (a page of its own; asking changes nothing).
    undo_url = reverse("imports:import-undo", args=[job.pk])
    assert (
        f'href="{undo_url}"'
        in client.get(reverse("imports:import-detail", args=[job.pk])).content.decode()
    )
    confirm = client.get(undo_url)
    assert confirm.status_code == 200
    assert "data-confirm-button" in confirm.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED
    # Undo is queued as a task (run at once by the tests' task backend).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("imports:import-undo", args=[job.pk]))
    assert len(callbacks) == 1
    assert response["Location"] == reverse("imports:import-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE, job.message
    assert job.undone_by == staff and job.undone_at
    assert not Enterprise.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="undone"' in page and "Undo this import" not in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (bytes(range(256)) * 10, "photo.csv", "binary data"),
        (b"PK\x03\x04" + b"\x00" * 50, "cut.xlsx", "damaged or incomplete"),
        ("公司,地区\n甲,乙\n".encode("gb18030"), "wrong.csv", "does not match"),
    ],
)
def test_malformed_upload_gets_one_message_and_records_nothing(
    client, staff, data, name, message
):
    client.force_login(staff)
    response = upload(client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_over_the_size_limit(client, staff, settings):
    settings.IMPORT_MAX_BYTES = 500
    client.force_login(staff)
    response = upload(client, csv_bytes([row(name="x" * 10)] * 20))
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_progress_fragment_polls_while_running_then_refreshes(client, staff, job):
    client.force_login(staff)
    url = reverse("imports:import-detail", args=[job.pk]) + "?fragment=progress"
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.APPLY_QUEUED, progress_done=3, progress_total=10
    )
    response = client.get(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="3"' in body
    assert "<html" not in body and "HX-Refresh" not in response
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLIED)
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "every 1s" not in response.content.decode()


def test_a_job_whose_worker_died_is_reported_failed(client, staff):
    from imports.jobs import import_job_create

    data = csv_bytes([row(name="中断企业有限公司")])
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="a.csv", enqueue=False
    )
    # Marked as applying, but no session holds its lock: the worker died.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)
    client.force_login(staff)
    page = client.get(reverse("imports:import-detail", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert 'data-status="failed"' in page.content.decode()


def test_export_streams_exactly_the_search_result(client, staff):
    EnterpriseFactory(name="兴城泳装甲有限公司", products="泳装")
    EnterpriseFactory(name="辽阳袜业乙有限公司", products="袜子", region_id="211021")
    EnterpriseFactory(name="未发布泳装丙有限公司", products="泳装", published=False)
    client.force_login(staff)
    page = client.get(reverse("enterprises:enterprise-list") + "?q=泳装")
    assert b"data-export" in page.content
    assert b"format=csv&amp;q=" in page.content
    response = client.get(reverse("imports:export", args=["enterprises"]) + "?q=泳装")
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "兴城泳装甲有限公司" in text and "未发布泳装丙有限公司" in text
    assert "辽阳袜业" not in text
    xlsx = client.get(
        reverse("imports:export", args=["enterprises"]) + "?q=袜子&format=xlsx"
    )
    assert b"".join(xlsx.streaming_content).startswith(b"PK")


def test_export_button_only_for_staff(client, user):
    EnterpriseFactory()
    assert (
        b"data-export" not in client.get(reverse("enterprises:enterprise-list")).content
    )
    client.force_login(user)
    assert (
        b"data-export" not in client.get(reverse("enterprises:enterprise-list")).content
    )


def test_template_downloads(client, staff):
    client.force_login(staff)
    response = client.get(reverse("imports:import-template", args=["markets", "csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "标识 / Slug" in response.content.decode("utf-8-sig")
    assert (
        client.get(reverse("imports:import-template", args=["nope", "csv"])).status_code
        == 404
    )


def test_uploaded_files_are_stored_outside_the_public_media_folder(
    client, staff, settings, django_capture_on_commit_callbacks
):
    """Leak: staff import files (with contact phones and e-mails) were stored under
    MEDIA_ROOT, which the media URL serves."""
    client.force_login(staff)
    data = csv_bytes([row(name="私密文件企业有限公司", uscc=uscc(22))])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data)
    job = ImportJob.objects.get()
    stored = Path(job.file.path).resolve()
    assert stored.is_file() and stored.read_bytes() == data
    media = Path(settings.MEDIA_ROOT).resolve()
    assert not stored.is_relative_to(media)
    assert not any(p.is_file() for p in media.rglob("*") if "imports" in p.parts)


def test_migration_moves_the_files_of_existing_jobs(tmp_path, staff):
    from importlib import import_module

    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    migration = import_module("imports.migrations.0002_import_files_private")
    public = FileSystemStorage(location=tmp_path / "media")
    private = FileSystemStorage(location=tmp_path / "media-private")
    name = public.save("imports/old-enterprises.bin", ContentFile(b"name,phone"))
    public.save(name + ".prepared", ContentFile(b"cache"))
    ImportJob.objects.create(kind="enterprises", file=name, file_name="old.csv")
    migration.move_files(apps, None, source=public, target=private)
    assert not public.exists(name) and not public.exists(name + ".prepared")
    with private.open(name) as handle:
        assert handle.read() == b"name,phone"


@pytest.mark.parametrize(
    ("make", "name"),
    [(xls_table, "legacy.xls"), (ods_table, "libreoffice.ods"), (xls_table, "a.csv")],
)
def test_xls_and_ods_uploads_are_checked_like_the_others(
    client, staff, django_capture_on_commit_callbacks, make, name
):
    """The format comes from the content (a .csv name does not matter)."""
    client.force_login(staff)
    data = make([HEADER, row(name="表格企业有限公司", uscc=uscc(22))])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, name=name)
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED, job.message
    assert job.counts["create"] == 1
    assert job.report[0]["label"] == "表格企业有限公司"
