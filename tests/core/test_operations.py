"""Operations endpoints: /readyz, /metrics (staff or a configured address), and
the task worker's reaper."""

import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from core.management.commands.task_worker import WORKER_SEEN_KEY, reap_once
from imports.models import ImportJob
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_readyz_reports_database_and_task_queue(client):
    caches["shared"].set(WORKER_SEEN_KEY, time.time() - 5)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["task_queue"] == "ok"
    assert body["tasks_ready"] == 0
    assert 4 <= body["worker_seen_seconds_ago"] < 60


def test_readyz_is_unready_when_the_task_queue_cannot_be_read(client, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    def broken(*args, **kwargs):
        raise RuntimeError("no table")

    monkeypatch.setattr(DBTaskResult.objects, "ready", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["task_queue"] == "unreadable"


def test_metrics_are_a_404_for_visitors_and_other_users(client):
    assert client.get("/metrics").status_code == 404
    client.force_login(UserFactory())
    assert client.get("/metrics").status_code == 404


def test_metrics_for_staff_show_latency_by_view_queue_and_imports(client):
    ImportJob.objects.create(
        kind="enterprises", status=ImportJob.Status.APPLIED, file_name="a.csv"
    )
    client.get(reverse("enterprises:enterprise-list"))
    client.force_login(StaffFactory())
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        'directory_request_duration_seconds_count{method="GET",status="2xx",'
        'view="enterprises:enterprise-list"}' in text
    )
    assert "directory_task_queue_depth 0.0" in text
    assert 'directory_import_jobs{status="applied"} 1.0' in text


def test_metrics_for_a_configured_address(client, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 404


def test_the_reaper_fails_a_job_whose_worker_died_and_leaves_others():
    dead = ImportJob.objects.create(
        kind="enterprises", status=ImportJob.Status.APPLYING, file_name="d.csv"
    )
    undoing = ImportJob.objects.create(
        kind="enterprises", status=ImportJob.Status.UNDOING, file_name="u.csv"
    )
    done = ImportJob.objects.create(
        kind="enterprises", status=ImportJob.Status.APPLIED, file_name="a.csv"
    )
    assert reap_once() == 2
    dead.refresh_from_db()
    undoing.refresh_from_db()
    done.refresh_from_db()
    assert dead.status == ImportJob.Status.FAILED
    assert undoing.status == ImportJob.Status.APPLIED  # the undo changed nothing
    assert done.status == ImportJob.Status.APPLIED
    assert caches["shared"].get(WORKER_SEEN_KEY) is not None


def test_the_reaper_leaves_a_job_whose_worker_holds_its_lock():
    from django.db import connections

    from imports.progress import LOCK_NAMESPACE

    running = ImportJob.objects.create(
        kind="enterprises", status=ImportJob.Status.APPLYING, file_name="r.csv"
    )
    worker = connections.create_connection("default")  # the live worker's session
    try:
        with worker.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, running.pk]
            )
        assert reap_once() == 0
        running.refresh_from_db()
        assert running.status == ImportJob.Status.APPLYING
    finally:
        worker.close()
