"""`manage.py task_worker`: django-tasks-db's `db_worker` (same options) with a
reaper beside it.

Every ``TASK_REAP_SECONDS`` (15) the reaper thread calls the functions named in
``settings.TASK_WORKER_REAPERS``; each finds work whose worker died (a killed
process: PostgreSQL rolled its transaction back) and marks it failed, nothing
changed. It runs at start too, so a worker restarted after a crash reports its
predecessor's job at once. It also records when a worker was last seen (the shared
cache), for /readyz and /metrics, and a heartbeat per worker id: a task result left
RUNNING by a worker whose heartbeat stopped is marked failed by
``dead_task_results_reap`` (one of the reapers), so no task stays "running" for ever.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.module_loading import import_string
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("core.worker")
WORKER_SEEN_KEY = "task-worker-last-seen"
ALIVE_KEY = "task-worker-alive:{}"
# A worker is dead when its heartbeat is older than this many reap intervals.
ALIVE_INTERVALS = 3


def _reap_interval() -> float:
    return float(getattr(settings, "TASK_REAP_SECONDS", 15))


def heartbeat(worker_id: str) -> None:
    """Record that ``worker_id`` lives; it expires after ALIVE_INTERVALS intervals."""
    timeout = max(1, round(_reap_interval() * ALIVE_INTERVALS))
    caches["shared"].set(ALIVE_KEY.format(worker_id), time.time(), timeout=timeout)


def dead_task_results_reap() -> int:
    """Mark failed every task result RUNNING under a worker whose heartbeat stopped
    (its process was killed: nothing will ever finish it); the number marked."""
    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    grace = timezone.now() - datetime.timedelta(seconds=_reap_interval())
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=grace
    ).only("id", "worker_ids")
    cache = caches["shared"]
    reaped = 0
    for result in running:
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker and cache.get(ALIVE_KEY.format(worker)) is not None:
            continue
        reaped += DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="core.management.commands.task_worker.WorkerDied",
            traceback=f"The task worker {worker or '?'} stopped while running this "
            "task (no heartbeat); it did not finish.",
        )
    return reaped


def reap_once(worker_id: str = "") -> int:
    """Run every reaper once; the number of jobs they marked failed. Records the
    heartbeat of ``worker_id`` (the calling worker) first."""
    if worker_id:
        try:
            heartbeat(worker_id)
        except Exception:
            logger.exception("could not record the worker's heartbeat")
    reaped = 0
    for path in getattr(settings, "TASK_WORKER_REAPERS", []):
        try:
            count = import_string(path)()
        except Exception:
            logger.exception("reaper %s failed", path)
            continue
        if count:
            logger.warning("%s: %d job(s) whose worker died marked failed", path, count)
            reaped += count
    try:
        caches["shared"].set(WORKER_SEEN_KEY, time.time(), timeout=None)
    except Exception:
        logger.exception("could not record the worker's heartbeat")
    return reaped


def _reap_forever(interval: float, stop: threading.Event, worker_id: str) -> None:
    while not stop.is_set():
        try:
            reap_once(worker_id)
        finally:
            connection.close()  # this thread's own connection
        stop.wait(interval)


class Command(db_worker.Command):
    help = "Run the task worker (db_worker) with the reaper of jobs whose worker died"

    def handle(self, *args, **options):
        stop = threading.Event()
        interval = _reap_interval()
        reaper = threading.Thread(
            target=_reap_forever,
            args=(interval, stop, options["worker_id"]),
            name="reaper",
            daemon=True,
        )
        reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
