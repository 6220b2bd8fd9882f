"""Survey figures through the import: dry run, atomic apply, undo."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.jobs import import_job_apply, import_job_check, import_job_request_apply
from imports.models import ImportJob
from imports.undo import import_job_request_undo, import_job_run_undo
from surveys.importing import SURVEY_COLUMNS
from surveys.models import EnterpriseFigures
from surveys.services import figures_record
from tests.factories import EnterpriseFactory
from tests.imports.helpers import csv_bytes, uscc, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [c.header for c in SURVEY_COLUMNS]
FIELDS = [c.field for c in SURVEY_COLUMNS]


def row(**values) -> list[str]:
    return [str(values.get(f, "")) for f in FIELDS]


def upload(client, data, name="figures.csv"):
    from surveys.models import Survey

    Survey.objects.get_or_create(
        year=2025, defaults={"opens_on": "2026-01-01", "closes_on": "2026-03-31"}
    )
    response = client.post(
        reverse("surveys:survey-detail", args=[2025]),
        {"file": SimpleUploadedFile(name, data)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return response


def test_dry_run_apply_and_undo(client, staff, django_capture_on_commit_callbacks):
    by_id = EnterpriseFactory()
    by_code = EnterpriseFactory(uscc=uscc(501))
    old = figures_record(
        actor=staff,
        enterprise_id=by_code.pk,
        year=2025,
        values={"employees": 40, "revenue": Decimal("300")},
        source="staff",
    )
    data = xlsx_bytes(
        [
            row(year=2025, id=by_id.pk, revenue="1500", employees=120, exports=300,
                export_jp=200, export_us=100),
            row(year=2025, uscc=uscc(501), employees=45, revenue="300"),
        ],
        header=HEADER,
    )  # fmt: skip
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, "figures.xlsx")
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.kind == "survey" and job.status == "checked"
    assert job.counts["create"] == 1 and job.counts["update"] == 1
    update = next(r for r in job.report if r["action"] == "update")
    assert update["changes"] == {"employees": [40, 45]}
    assert EnterpriseFigures.objects.count() == 1  # the dry run changed nothing
    page = client.get(reverse("imports:import-detail", args=[job.pk])).content
    # The changed field, named in the reader's language (Chinese by default).
    assert "<li>从业人数：<del>".encode() in page and b"/ Employees" not in page

    import_job_request_apply(actor=staff, job=job)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_apply(job_id=job.pk)
    assert job.status == "applied", job.message
    new = EnterpriseFigures.objects.get(enterprise=by_id, current=True)
    assert new.source == "import" and new.import_job_id == job.pk
    assert new.export_split == {"jp": "200.0", "us": "100.0"}
    old.refresh_from_db()
    assert not old.current  # replaced, kept
    assert (
        EnterpriseFigures.objects.get(enterprise=by_code, current=True).employees == 45
    )

    import_job_request_undo(actor=staff, job=job)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run_undo(job_id=job.pk)
    assert job.status == "undone"
    old.refresh_from_db()
    assert old.current
    assert list(EnterpriseFigures.objects.all()) == [old]


def test_rows_with_errors_change_nothing(staff):
    from imports.jobs import import_job_create

    EnterpriseFactory(uscc=uscc(502))
    data = csv_bytes(
        [
            row(year=2025, uscc=uscc(502), revenue="100"),
            row(year=2025, id=999999, revenue="100"),
            row(year=2025, revenue="100"),
            row(year=1800, uscc=uscc(502)),
            row(year=2025, uscc=uscc(502), exports=10, export_jp=20),
            row(year=2025, uscc=uscc(502), revenue="-5"),
        ],
        header=HEADER,
    )
    job = import_job_create(
        actor=staff, kind="survey", data=data, file_name="f.csv", enqueue=False
    )
    job = import_job_check(job_id=job.pk)
    assert job.status == "checked"
    assert job.counts["error"] == 5 and job.counts["create"] == 1
    assert job.message  # blocking
    assert not EnterpriseFigures.objects.exists()
    with pytest.raises(Exception):  # noqa: B017 - ValidationError
        import_job_request_apply(actor=staff, job=job)
