"""`manage.py task_worker`: django-tasks-db's `db_worker` (same options) with a
reaper beside it.

Every ``TASK_REAP_SECONDS`` (15) the reaper thread calls the functions named in
``settings.TASK_WORKER_REAPERS``; each finds work whose worker died (a killed
process: PostgreSQL rolled its transaction back) and marks it failed, nothing
changed. It runs at start too, so a worker restarted after a crash reports its
predecessor's job at once. It also records when a worker was last seen (the shared
cache), for /readyz and /metrics.
"""

from __future__ import annotations

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


def reap_once() -> int:
    """Run every reaper once; the number of jobs they marked failed."""
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


def _reap_forever(interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            reap_once()
        finally:
            connection.close()  # this thread's own connection
        stop.wait(interval)


class Command(db_worker.Command):
    help = "Run the task worker (db_worker) with the reaper of jobs whose worker died"

    def handle(self, *args, **options):
        stop = threading.Event()
        interval = float(getattr(settings, "TASK_REAP_SECONDS", 15))
        reaper = threading.Thread(
            target=_reap_forever, args=(interval, stop), name="reaper", daemon=True
        )
        reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
