"""Settings for many machines: replicas, the router, the pool, shared state (sessions,
throttle counters) and uploads on S3-compatible storage."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRIMARY = "postgres://app:secret@db-primary:5432/directory"
SHOW = """
import json
from django.conf import settings as s
print(json.dumps({
    "databases": {
        alias: {
            "host": db["HOST"],
            "pool": db.get("OPTIONS", {}).get("pool"),
            "conn_max_age": db["CONN_MAX_AGE"],
            "mirror": db.get("TEST", {}).get("MIRROR"),
            "startup_options": db.get("OPTIONS", {}).get("options"),
            "prepare_threshold": db.get("OPTIONS", {}).get("prepare_threshold"),
            "server_side_cursors": not db.get("DISABLE_SERVER_SIDE_CURSORS", False),
        }
        for alias, db in s.DATABASES.items()
    },
    "routers": getattr(s, "DATABASE_ROUTERS", []),
    "middleware": s.MIDDLEWARE,
    "storages": s.STORAGES,
    "sessions": s.SESSION_ENGINE,
    "caches": s.CACHES,
}))
"""


def _settings(**env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "x" * 50,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result


def test_without_replicas_everything_stays_on_one_database():
    shown = json.loads(_settings(DATABASE_URL=PRIMARY).stdout)
    assert list(shown["databases"]) == ["default"]
    assert shown["databases"]["default"]["pool"] is None
    assert shown["databases"]["default"]["conn_max_age"] == 60
    assert shown["routers"] == []
    assert "core.replicas.ReadYourWritesMiddleware" not in shown["middleware"]


def test_replicas_get_the_router_and_the_read_your_writes_middleware():
    result = _settings(
        DATABASE_URL=PRIMARY,
        DATABASE_REPLICA_URLS="postgres://app:secret@db-r1/directory,"
        "postgres://app:secret@db-r2/directory",
    )
    shown = json.loads(result.stdout)
    assert {alias: db["host"] for alias, db in shown["databases"].items()} == {
        "default": "db-primary",
        "replica1": "db-r1",
        "replica2": "db-r2",
    }
    # Tests never create databases on the replicas.
    assert shown["databases"]["replica1"]["mirror"] == "default"
    assert shown["routers"] == ["core.replicas.ReplicaRouter"]
    middleware = shown["middleware"]
    # Before the session is read, so that its reads are routed too.
    assert middleware.index("core.replicas.ReadYourWritesMiddleware") < (
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    )


def test_the_pool_replaces_persistent_connections_on_every_database():
    result = _settings(
        DATABASE_URL=PRIMARY,
        DATABASE_REPLICA_URLS="postgres://app:secret@db-r1/directory",
        DATABASE_POOL_MAX_SIZE="8",
    )
    shown = json.loads(result.stdout)
    for db in shown["databases"].values():
        assert db["pool"]["max_size"] == 8
        assert db["conn_max_age"] == 0  # Django refuses a pool with persistent ones


def test_behind_pgbouncer_no_server_side_cursors_startup_options_or_prepares():
    result = _settings(
        DATABASE_URL=PRIMARY,
        DATABASE_REPLICA_URLS="postgres://app:secret@db-r1/directory",
        DATABASE_PGBOUNCER="1",
    )
    shown = json.loads(result.stdout)
    for db in shown["databases"].values():
        assert db["server_side_cursors"] is False
        assert db["startup_options"] is None
        # Its transaction pooling hands a connection's prepared statements to
        # other clients: psycopg prepares none (the change feed's included).
        assert db["prepare_threshold"] is None
    plain = json.loads(_settings(DATABASE_URL=PRIMARY).stdout)["databases"]
    assert plain["default"]["server_side_cursors"] is True
    assert plain["default"]["startup_options"] == "-c work_mem=32MB"
    assert plain["default"]["prepare_threshold"] == 0


def test_pgbouncer_and_the_pool_together_are_refused():
    result = _settings(
        DATABASE_URL=PRIMARY, DATABASE_PGBOUNCER="1", DATABASE_POOL_MAX_SIZE="4"
    )
    assert result.returncode != 0
    assert "pool in one place only" in result.stderr


def test_replicas_of_the_embedded_database_are_refused():
    result = _settings(DATABASE_REPLICA_URLS="postgres://app@db-r1/directory")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS needs DATABASE_URL" in result.stderr


def test_state_web_processes_share_lives_in_the_database():
    """No web process keeps what another needs: sessions in the database, the
    throttle counters (and the worker's figures) in the database cache."""
    shown = json.loads(_settings(DATABASE_URL=PRIMARY).stdout)
    assert shown["sessions"] == "django.contrib.sessions.backends.db"
    assert shown["caches"]["shared"]["BACKEND"] == (
        "django.core.cache.backends.db.DatabaseCache"
    )


def test_uploads_stay_on_the_local_disk_unless_a_bucket_is_set():
    shown = json.loads(_settings(DATABASE_URL=PRIMARY).stdout)
    assert shown["storages"]["default"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )
    assert shown["storages"]["private"]["BACKEND"] == (
        "core.storage.PrivateFileSystemStorage"
    )


def test_a_bucket_puts_public_and_private_uploads_on_s3_storage():
    result = _settings(
        DATABASE_URL=PRIMARY,
        MEDIA_S3_BUCKET="directory-media",
        MEDIA_S3_PRIVATE_BUCKET="directory-private",
        MEDIA_S3_ENDPOINT_URL="https://s3.internal:9000",
        MEDIA_S3_PUBLIC_HOST="directory.example.cn",
    )
    storages = json.loads(result.stdout)["storages"]
    public, private = storages["default"], storages["private"]
    assert public["BACKEND"] == private["BACKEND"] == ("storages.backends.s3.S3Storage")
    assert public["OPTIONS"]["bucket_name"] == "directory-media"
    # Served from the site's own host (the proxy forwards /media/), not the bucket's.
    assert public["OPTIONS"]["custom_domain"] == "directory.example.cn"
    assert public["OPTIONS"]["location"] == "media"
    assert private["OPTIONS"]["bucket_name"] == "directory-private"
    assert private["OPTIONS"]["default_acl"] == "private"
    assert private["OPTIONS"]["endpoint_url"] == "https://s3.internal:9000"
