"""Imports through the real database task backend and a `db_worker` process,
including a worker killed (SIGKILL) in the middle of an apply."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from enterprises.models import ChangeRecord, Enterprise
from imports.jobs import (
    import_job_check,
    import_job_create,
    import_job_refresh,
    import_job_request_apply,
    job_is_alive,
)
from imports.models import ImportJob
from tests.factories import EnterpriseFactory, StaffFactory
from tests.imports.helpers import csv_bytes, rendered, row, uscc

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    return settings


def start_worker(settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "WORKER_DB_NAME": connection.settings_dict["NAME"],
        "WORKER_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--queue-name",
            "default",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its pool processes die with it
    )


def queued_job(staff, data: bytes) -> ImportJob:
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="w.csv", enqueue=False
    )
    job = import_job_check(job_id=job.pk)
    assert job.status == ImportJob.Status.CHECKED, job.message
    return import_job_request_apply(actor=staff, job=job)  # enqueued on commit


def test_worker_applies_a_queued_import(db_tasks):
    staff = StaffFactory()
    job = queued_job(staff, csv_bytes([row(name="工人企业有限公司", uscc=uscc(30))]))
    worker = start_worker(db_tasks)
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert Enterprise.objects.filter(uscc=uscc(30)).exists()


def test_killing_the_worker_mid_apply_changes_nothing(db_tasks):
    staff = StaffFactory()
    existing = EnterpriseFactory(uscc=uscc(31), name="原有企业有限公司", name_en="")
    before = (Enterprise.objects.count(), ChangeRecord.objects.count())
    rows = [row(name="原有企业有限公司", uscc=uscc(31), products="改过的产品")]
    # Enough rows that the apply is still running well after the first chunk.
    rows += [
        row(name=f"批量企业{i}有限公司", uscc=uscc(1000 + i)) for i in range(20000)
    ]
    job = queued_job(staff, csv_bytes(rows))

    worker = start_worker(db_tasks)
    try:
        deadline = time.monotonic() + 120
        while True:
            job.refresh_from_db()
            if job.status == ImportJob.Status.APPLYING and job.progress_done >= 1000:
                break
            assert job.status != ImportJob.Status.APPLIED, "finished before the kill"
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    # PostgreSQL rolls the open transaction back once it sees the client gone.
    deadline = time.monotonic() + 60
    while job_is_alive(job.pk):
        assert time.monotonic() < deadline
        time.sleep(0.1)

    assert (Enterprise.objects.count(), ChangeRecord.objects.count()) == before
    existing.refresh_from_db()
    assert existing.products == ""
    assert not Enterprise.objects.filter(name__startswith="批量企业").exists()
    job = import_job_refresh(ImportJob.objects.get(pk=job.pk))
    assert job.status == ImportJob.Status.FAILED
    assert "The import stopped before it finished" in rendered(job.message, "en")
    assert "导入未完成即已停止" in rendered(job.message, "zh-hans")
