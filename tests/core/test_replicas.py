"""Reads on a real streaming replica, writes on the primary (core/replicas.py).

The test builds its own primary (initdb, from the binaries the project runs on) with
a copy of the test database, a streaming replica of it (``pg_basebackup -R``), and
serves the site with gunicorn configured as in production: ``DATABASE_URL`` and
``DATABASE_REPLICA_URLS``. Where a page read from shows by pausing the replica's
replay (``pg_wal_replay_pause``): the replica then keeps the old rows while the
primary has the new ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.pgcluster import PgBouncer, Topology, free_port

ROOT = Path(__file__).resolve().parents[2]
# The test database is copied to the test's own primary (it must exist).
pytestmark = pytest.mark.django_db
DB = "directory_replicas"
OLD = "旧名纺织有限公司"
NEW = "新名纺织有限公司"
# Read-your-writes window of the test's server (seconds): the writer's three reads
# must fit in it on a busy machine.
WINDOW = 8

SEED = """
import json, django
django.setup()
from tests.factories import EnterpriseFactory, StaffFactory
from accounts.tokens import api_token_create
from core.models import Region
from core.regions import load_regions
load_regions(Region)  # a transactional test's flush may have removed them
staff = StaffFactory(username="replica-staff")
_token, key = api_token_create(actor=staff, name="replicas")
enterprise = EnterpriseFactory(name=%r, published=True)
print(json.dumps({"enterprise": enterprise.pk, "key": key}))
"""


def _env(topology: Topology, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "EMBEDDED_PG"))
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": topology.primary.url(DB),
        # Plain HTTP on loopback: cookies marked Secure would never come back.
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        **extra,
    }


class Server:
    """gunicorn serving the site on loopback."""

    def __init__(self, env: dict[str, str], threads: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                # The first request loads the application: slow on a busy machine.
                requests.get(self.base + "/healthz", timeout=30)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise TimeoutError("gunicorn did not start")

    def stop(self) -> str:
        self.process.terminate()
        _out, err = self.process.communicate(timeout=30)
        return err.decode()


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker) -> Iterator[Topology]:
    topology = Topology()
    try:
        topology.start_primary()
        with django_db_blocker.unblock():
            connection.ensure_connection()
            source = connection.get_connection_params()
            connection.close()
        topology.copy_database(source["host"], source["dbname"], DB)
        seed = subprocess.run(
            [sys.executable, "-c", SEED % OLD],
            cwd=ROOT,
            env=_env(topology),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert seed.returncode == 0, seed.stderr
        topology.seed = json.loads(seed.stdout.strip().splitlines()[-1])
        topology.start_replica()
        yield topology
    finally:
        topology.close()


def name_on(cluster, pk: int) -> str:
    return cluster.execute(
        "SELECT name FROM enterprises_enterprise WHERE id = %s", [pk], dbname=DB
    )[0][0]


def page_names(client: requests.Session, base: str, pk: int) -> dict[str, bool]:
    """Which of the two names the enterprise page and the search show."""
    detail = client.get(f"{base}/enterprises/{pk}/", timeout=30)
    search = client.get(f"{base}/enterprises/", params={"q": "新名纺织"}, timeout=30)
    api = client.get(f"{base}/api/v1/enterprises/{pk}/", timeout=30)
    assert detail.status_code == search.status_code == api.status_code == 200
    return {
        "detail": NEW in detail.text,
        "search": NEW in search.text,
        "api": api.json()["name"] == NEW,
    }


def test_reads_on_the_replica_writes_on_the_primary_and_the_writer_reads_its_write(
    topology,
):
    server = Server(
        _env(
            topology,
            DATABASE_REPLICA_URLS=topology.replica.url(DB),
            DATABASE_REPLICA_MAX_LAG="3600",
            DATABASE_REPLICA_CHECK_SECONDS="0.5",
            DATABASE_READ_YOUR_WRITES_SECONDS=str(WINDOW),
        )
    )
    pk = topology.seed["enterprise"]
    visitor = requests.Session()
    staff = requests.Session()
    staff.headers["Authorization"] = f"Bearer {topology.seed['key']}"
    try:
        # A first write, replayed, so that the replica's replay time is known.
        topology.primary.execute("CHECKPOINT")
        topology.primary.execute("ANALYZE enterprises_enterprise", dbname=DB)
        topology.wait_replayed()
        topology.replica.execute("SELECT pg_wal_replay_pause()")

        response = staff.patch(
            f"{server.base}/api/v1/enterprises/{pk}/", json={"name": NEW}, timeout=30
        )
        wrote = time.monotonic()
        assert response.status_code == 200, response.text
        # The write went to the primary; the paused replica still has the old row.
        assert name_on(topology.primary, pk) == NEW
        assert name_on(topology.replica, pk) == OLD

        # The writer reads from the primary for a few seconds: it sees its write,
        # in the page, the search (raw SQL) and the API.
        assert page_names(staff, server.base, pk) == dict.fromkeys(
            ("detail", "search", "api"), True
        )
        # Everybody else reads from the replica.
        assert page_names(visitor, server.base, pk) == dict.fromkeys(
            ("detail", "search", "api"), False
        )
        # Once the window has passed, the writer reads from the replica again.
        time.sleep(max(0.0, wrote + WINDOW + 0.5 - time.monotonic()))
        assert page_names(staff, server.base, pk)["detail"] is False

        topology.replica.execute("SELECT pg_wal_replay_resume()")
        topology.wait_replayed()
        assert page_names(visitor, server.base, pk)["detail"] is True
    finally:
        topology.replica.execute("SELECT pg_wal_replay_resume()")
        errors = server.stop()
    assert "Traceback" not in errors, errors


@pytest.mark.skipif(
    shutil.which("pgbouncer", path="/usr/sbin:/usr/bin") is None,
    reason="pgbouncer is not installed (make test installs it)",
)
def test_through_pgbouncer_in_transaction_mode(topology):
    """PgBouncer (transaction pooling) in front of the primary and the replica:
    sign-in, pages, the API, a write and a streamed export work through it."""
    bouncer = PgBouncer(
        topology.root,
        {"directory": (topology.primary, DB), "replica": (topology.replica, DB)},
    )
    server = Server(
        _env(
            topology,
            DATABASE_URL=bouncer.url("directory"),
            DATABASE_REPLICA_URLS=bouncer.url("replica"),
            DATABASE_PGBOUNCER="1",
        ),
        threads=4,
    )
    pk = topology.seed["enterprise"]
    staff = requests.Session()
    try:
        login = f"{server.base}/accounts/login/"
        assert staff.get(login, timeout=30).status_code == 200
        response = staff.post(
            login,
            data={
                "username": "replica-staff",
                "password": "pw-for-tests-2026",
                "csrfmiddlewaretoken": staff.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text
        for page in [
            "/",
            "/enterprises/",
            f"/enterprises/{pk}/",
            "/api/v1/enterprises/",
        ]:
            assert staff.get(server.base + page, timeout=30).status_code == 200, page
        staff.headers["Authorization"] = f"Bearer {topology.seed['key']}"
        response = staff.patch(
            f"{server.base}/api/v1/enterprises/{pk}/", json={"name": OLD}, timeout=30
        )
        assert response.status_code == 200, response.text
        export = staff.get(f"{server.base}/imports/export/enterprises/", timeout=60)
        assert export.status_code == 200
        assert OLD in export.content.decode("utf-8-sig")
    finally:
        errors = server.stop()
        bouncer.stop()
    assert "Traceback" not in errors, errors


def test_pooled_connections_a_lagging_and_a_stopped_replica(topology):
    """Through psycopg pools (threaded gunicorn): a replica behind by more than
    the bound is skipped, and so is a stopped one; no page fails."""
    server = Server(
        _env(
            topology,
            DATABASE_REPLICA_URLS=topology.replica.url(DB),
            DATABASE_REPLICA_MAX_LAG="1",
            DATABASE_REPLICA_CHECK_SECONDS="0.2",
            DATABASE_POOL_MAX_SIZE="4",
        ),
        threads=4,
    )
    pk = topology.seed["enterprise"]
    visitor = requests.Session()
    try:
        topology.primary.execute(
            "UPDATE enterprises_enterprise SET name = %s WHERE id = %s",
            [OLD, pk],
            dbname=DB,
        )
        topology.wait_replayed()
        pages = ["/", "/enterprises/", f"/enterprises/{pk}/", "/api/v1/enterprises/"]
        for page in pages:  # through the pools
            assert visitor.get(server.base + page, timeout=30).status_code == 200
        ready = visitor.get(server.base + "/readyz", timeout=30).json()
        assert ready["replicas"]["replica1"]["state"] == "ok", ready

        # Lagging: replay paused while the primary moves on.
        topology.replica.execute("SELECT pg_wal_replay_pause()")
        topology.primary.execute(
            "UPDATE enterprises_enterprise SET name = %s WHERE id = %s",
            [NEW, pk],
            dbname=DB,
        )
        time.sleep(1.5)
        assert name_on(topology.replica, pk) == OLD
        ready = visitor.get(server.base + "/readyz", timeout=30)
        assert ready.status_code == 200  # the primary serves the reads
        lagging = ready.json()["replicas"]["replica1"]
        assert lagging["state"] == "skipped" and lagging["lag_seconds"] > 1, lagging
        detail = visitor.get(f"{server.base}/enterprises/{pk}/", timeout=30)
        assert detail.status_code == 200
        assert NEW in detail.text  # read from the primary
        topology.replica.execute("SELECT pg_wal_replay_resume()")
        topology.wait_replayed()

        # Stopped: every page still answers, from the primary.
        topology.replica.stop()
        started = time.monotonic()
        for page in pages:
            response = visitor.get(server.base + page, timeout=30)
            assert response.status_code == 200, page
        assert time.monotonic() - started < 15
        stopped = visitor.get(server.base + "/readyz", timeout=30)
        assert stopped.status_code == 200
        assert "does not answer" in stopped.json()["replicas"]["replica1"]["problem"]
    finally:
        errors = server.stop()
    assert "Traceback" not in errors, errors
