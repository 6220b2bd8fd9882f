"""Several task workers at once (django-tasks-db's ``db_worker``) never run a task
twice: each claims its next task with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks
it running in the same transaction (django_tasks_db.models.DBTaskResultQuerySet
.get_locked, db_worker's loop)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.core.tasks import RUNS_TABLE, record_run, sleep_for

ROOT = Path(__file__).resolve().parents[2]
TASKS = 200
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def runs_table():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {RUNS_TABLE} (number integer, pid integer)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {RUNS_TABLE}")


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
            "--interval",
            "0.01",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_two_workers_run_every_task_exactly_once(settings, runs_table):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    for number in range(TASKS):
        record_run.enqueue(number)

    workers = [start_worker(settings) for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err.decode()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number, count(*) FROM {RUNS_TABLE} GROUP BY number")  # noqa: S608
        runs = dict(cursor.fetchall())
        cursor.execute(f"SELECT count(DISTINCT pid) FROM {RUNS_TABLE}")  # noqa: S608
        (processes,) = cursor.fetchone()
    assert runs == dict.fromkeys(range(TASKS), 1)
    assert processes == 2  # both took tasks: they did run side by side
    assert DBTaskResult.objects.successful().count() == TASKS


def start_task_worker(settings, reap_seconds: str = "1") -> subprocess.Popen:
    """`manage.py task_worker` (db_worker with the reaper), reaping every second."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "WORKER_DB_NAME": connection.settings_dict["NAME"],
        "WORKER_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASK_REAP_SECONDS": reap_seconds,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--no-startup-delay"]
        + ["--no-reload", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for_status(result_id, statuses, seconds: float) -> DBTaskResult:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = DBTaskResult.objects.get(pk=result_id)
        if result.status in statuses:
            return result
        time.sleep(0.2)
    raise AssertionError(f"task {result_id} still {result.status} after {seconds} s")


def test_a_task_whose_worker_was_killed_is_marked_failed_by_another_worker(settings):
    """A killed worker leaves its task RUNNING in the table; the next worker's reaper
    marks it failed once the dead worker's heartbeat has expired (3 reap intervals),
    and leaves a task whose worker still lives."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    doomed = sleep_for.enqueue(120)
    first = start_task_worker(settings)
    second = None
    try:
        wait_for_status(doomed.id, {"RUNNING"}, 60)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        killed = time.monotonic()
        second = start_task_worker(settings)
        living = sleep_for.enqueue(120)
        wait_for_status(living.id, {"RUNNING"}, 60)
        failed = wait_for_status(doomed.id, {"FAILED"}, 60)
        assert time.monotonic() - killed < 60
        assert "stopped while running" in failed.traceback
        time.sleep(4)  # more than the 3 intervals after which a heartbeat expires
        assert DBTaskResult.objects.get(pk=living.id).status == "RUNNING"
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
