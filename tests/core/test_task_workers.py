"""Several task workers at once (django-tasks-db's ``db_worker``) never run a task
twice: each claims its next task with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks
it running in the same transaction (django_tasks_db.models.DBTaskResultQuerySet
.get_locked, db_worker's loop)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.core.tasks import RUNS_TABLE, record_run

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
