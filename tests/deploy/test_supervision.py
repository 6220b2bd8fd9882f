"""Supervision: under `make serve` a killed gunicorn worker and a killed task
worker are started again while the web keeps answering, and the job of a worker
that died is marked failed by the worker side within a minute, no page opened.
`make run` keeps serving when its task worker dies."""

import os
import signal
import threading
import time

import psutil
import pytest

from imports.models import ImportJob
from tests.deploy.helpers import (
    clean_environ,
    database_url,
    free_port,
    get,
    start,
    stop,
    wait_until_up,
)
from tests.factories import StaffFactory
from tests.imports.helpers import rendered

pytestmark = pytest.mark.django_db(transaction=True)


def stack_env(tmp_path, port: int) -> dict[str, str]:
    return {
        **clean_environ(),
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "DJANGO_LOG_FORMAT": "text",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "TASK_REAP_SECONDS": "2",
    }


def descendants(pid: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of the live processes under pid."""
    found = []
    for process in psutil.Process(pid).children(recursive=True):
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            found.append((process.pid, process.ppid(), " ".join(process.cmdline())))
        except psutil.Error:
            continue
    return found


def task_workers(pid: int) -> list[int]:
    return [
        p
        for p, _parent, cmd in descendants(pid)
        if "task_worker" in cmd and not cmd.startswith("bash")
    ]


def gunicorn_workers(pid: int) -> list[int]:
    procs = descendants(pid)
    gunicorns = {p for p, _parent, cmd in procs if "bin/gunicorn" in cmd}
    masters = {
        p for p, parent, cmd in procs if p in gunicorns and parent not in gunicorns
    }
    return [p for p, parent, _cmd in procs if parent in masters]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds} s")


class Poller(threading.Thread):
    """GETs a page again and again, recording when each request began and how
    it ended."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.results: list[tuple[float, int | str]] = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            began = time.monotonic()
            try:
                status = get(self.url, timeout=20)[0]
            except OSError as exc:
                status = type(exc).__name__
            self.results.append((began, status))
            time.sleep(0.05)

    def failed_since(self, moment: float) -> list:
        return [r for r in self.results if r[0] >= moment and r[1] != 200]


def test_serve_restarts_dead_workers_and_reaps_their_jobs(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    serve = start(["bash", "scripts/serve.sh"], stack_env(tmp_path, port), log)
    poller = Poller(f"http://127.0.0.1:{port}/enterprises/")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", serve, log)
        poller.start()
        wait_for(lambda: len(gunicorn_workers(serve.pid)) == 2, 60, "two web workers")
        wait_for(lambda: task_workers(serve.pid), 60, "a task worker")

        # A gunicorn worker dies: the master starts another, the other serves.
        victim = gunicorn_workers(serve.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed_web = time.monotonic()
        wait_for(
            lambda: (
                len(gunicorn_workers(serve.pid)) == 2
                and victim not in gunicorn_workers(serve.pid)
            ),
            60,
            "a new web worker",
        )

        # The task worker dies in the middle of an apply: what PostgreSQL leaves
        # is a job marked applying whose lock nobody holds.
        (worker,) = task_workers(serve.pid)
        os.kill(worker, signal.SIGKILL)
        job = ImportJob.objects.create(
            kind="enterprises",
            status=ImportJob.Status.APPLYING,
            file_name="big.csv",
            created_by=StaffFactory(),
        )
        killed_worker = time.monotonic()
        wait_for(
            lambda: task_workers(serve.pid) and worker not in task_workers(serve.pid),
            60,
            "a new task worker",
        )
        wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED,
            60,
            "the dead worker's job marked failed",
        )
        assert time.monotonic() - killed_worker < 60
        job.refresh_from_db()
        assert "The import stopped before it finished" in rendered(job.message, "en")
        assert "导入未完成即已停止" in rendered(job.message, "zh-hans")
        time.sleep(1)
    finally:
        poller.done.set()
        if poller.is_alive():
            poller.join(30)
        stop(serve)
    # At most the request in flight on the killed worker failed; none after it.
    # Pages were answered after the web worker died, and while the task worker
    # was restarting (on a busy machine a page may take seconds: no total count).
    served = [t for t, status in poller.results if status == 200]
    assert any(t > killed_worker for t in served), poller.results
    failed = [r for r in poller.results if r[1] != 200]
    assert len(failed) <= 1, failed
    assert poller.failed_since(killed_web + 1) == []


def test_make_run_keeps_serving_when_its_task_worker_dies(tmp_path):
    port = free_port()
    log = tmp_path / "run.log"
    env = {
        **stack_env(tmp_path, port),
        "DJANGO_DEBUG": "1",
        "DEMO_ENTERPRISES": "20",
    }
    del env["PROMETHEUS_MULTIPROC_DIR"]  # gunicorn's; runserver is one process
    run = start(["bash", "scripts/run.sh"], env, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", run, log, seconds=300)
        (worker,) = wait_for(lambda: task_workers(run.pid), 60, "a task worker")
        os.kill(worker, signal.SIGKILL)
        assert get(f"http://127.0.0.1:{port}/")[0] == 200
        wait_for(
            lambda: task_workers(run.pid) and worker not in task_workers(run.pid),
            60,
            "a new task worker",
        )
        assert run.poll() is None
        assert get(f"http://127.0.0.1:{port}/enterprises/")[0] == 200
    finally:
        stop(run)
