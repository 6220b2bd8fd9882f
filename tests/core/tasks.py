"""A task for the worker tests: it records each of its runs."""

import os
import time

from django.db import connection
from django.tasks import task

RUNS_TABLE = "test_task_runs"


@task
def record_run(number: int) -> None:
    time.sleep(0.01)  # long enough for the workers to interleave
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (number, pid) VALUES (%s, %s)",  # noqa: S608
            [number, os.getpid()],
        )


@task
def sleep_for(seconds: float) -> None:
    """A long task: the worker running it is killed in the test."""
    time.sleep(seconds)
