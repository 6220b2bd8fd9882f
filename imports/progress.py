"""A running import job: its progress, written on a connection of its own, and the
advisory lock its transaction holds (a job marked as running whose lock nobody
holds has died, e.g. a killed worker; PostgreSQL rolled its transaction back)."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, connections

from imports.models import ImportJob

LOCK_NAMESPACE = 61711


class Progress:
    """Writes a job's progress on its own connection (committed at once), so the
    page sees it while the import's transaction is still open."""

    def __init__(self, job_id: int | None, total: int = 0) -> None:
        self.job_id = job_id
        self.total = total
        self.last = 0.0
        self.conn = None
        if job_id is not None:
            self.conn = connections.create_connection("default")

    def update(self, done: int, *, status: str | None = None, force: bool = False):
        if self.conn is None:
            return
        now = time.monotonic()
        if not force and status is None and now - self.last < 0.3:
            return
        self.last = now
        total = max(self.total, done)
        sets = "progress_done = %s, progress_total = %s"
        params: list[Any] = [done, total]
        if status:
            sets += ", status = %s"
            params.append(status)
        with self.conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET {sets} WHERE id = %s",  # noqa: S608
                [*params, self.job_id],
            )

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def lock_job(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, job_id])


def job_is_alive(job_id: int) -> bool:
    """Whether some session holds the job's lock (it is being worked on)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND objsubid = 2 AND granted",
            [LOCK_NAMESPACE, job_id],
        )
        return cursor.fetchone() is not None
