"""The database the app talks to.

With ``DATABASE_URL`` set, that server is used as it is. Without it, an embedded
PostgreSQL from the ``pgserver`` package runs with its data in ``var/pg`` of the
checkout. The embedded server is shared by every process of the checkout (web server,
task worker, tests, management commands) and is stopped explicitly by
``python -m core.db stop`` (``make run`` does it on Ctrl-C): no process "owns" it,
so a killed process never leaves it half-managed.

Two failure modes of pgserver are handled here: a server orphaned by a SIGKILLed
owner is simply reused, and after a crash of the postmaster (a dead pid in
``postmaster.pid``, or a socket that refuses connections for a moment) the server is
restarted and connections are retried until it answers.

This is the only module that imports pgserver. It uses two of its internals (the
registry of server handles, ``PostgresServer._instances``, and its ``pg_ctl``
wrapper in ``pgserver._commands``), so it runs only with the version it was written
against, PGSERVER_VERSION, which pyproject.toml pins.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PG_DIR", BASE_DIR / "var" / "pg"))
DB_NAME = "directory"
CONNECT_TIMEOUT_S = 30.0
# Server settings of the embedded PostgreSQL. PostgreSQL's default of 128 MB of
# shared buffers keeps little of a million-row directory in memory.
SERVER_SETTINGS = {
    "shared_buffers": os.environ.get("EMBEDDED_PG_SHARED_BUFFERS", "1GB"),
}

PGSERVER_VERSION = "0.1.4"

logger = logging.getLogger(__name__)


def _can_connect(host: str, dbname: str = "postgres") -> bool:
    import psycopg

    try:
        with psycopg.connect(
            host=host, dbname=dbname, user="postgres", connect_timeout=2
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def _postmaster_alive(pgdata: Path) -> bool:
    """Whether postmaster.pid names a live postgres process."""
    import psutil

    pidfile = pgdata / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return False
    try:
        process = psutil.Process(pid)
        # A killed postmaster may linger as a zombie when nothing reaps it.
        return process.status() != psutil.STATUS_ZOMBIE and "postgres" in process.name()
    except psutil.Error:
        return False


def _pgserver():
    """The pgserver module, once its version is checked."""
    installed = metadata.version("pgserver")
    if installed != PGSERVER_VERSION:
        raise RuntimeError(
            f"core.db is written for pgserver {PGSERVER_VERSION} (it uses its "
            f"internals), but pgserver {installed} is installed: install the "
            "version pyproject.toml pins, or check core.db against the new one."
        )
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron): harmless here.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver._commands

    return pgserver


def _start(pgdata: Path) -> Path:
    """Start (or attach to) the embedded server and return its socket directory."""
    pgserver = _pgserver()
    if (pgdata / "postmaster.pid").exists() and not _postmaster_alive(pgdata):
        # The postmaster died (kill -9, machine reset). Its pid file and socket lock
        # may name a zombie or a reused pid, which would block a restart: remove
        # them. PostgreSQL replays its WAL on start, so committed data is kept.
        for stale in ("postmaster.pid", ".s.PGSQL.5432.lock", ".s.PGSQL.5432"):
            (pgdata / stale).unlink(missing_ok=True)
    # Never reuse a handle from an earlier failed attempt in this process.
    pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
    # cleanup_mode=None: never stopped by an exiting process; `stop()` does it.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    # The pid list only serves pgserver's reference counting, which we do not use;
    # keep it from growing with every command.
    server.global_process_id_list.get_and_remove(os.getpid())
    return Path(server.get_postmaster_info().socket_dir)


def ensure_embedded() -> dict[str, str]:
    """Make sure the embedded server runs and the app database exists.

    Returns Django ``DATABASES['default']`` connection settings.
    """
    import psycopg

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    was_running = _postmaster_alive(DATA_DIR)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while True:
        try:
            host = str(_start(DATA_DIR))
            if _can_connect(host):
                break
        except Exception as exc:  # pgserver raises assorted errors while recovering
            logger.warning("embedded PostgreSQL not ready yet: %s", exc)
            host = ""
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"The embedded PostgreSQL in {DATA_DIR} did not start; see "
                f"{DATA_DIR / 'log'}"
            )
        time.sleep(0.5)

    if _configure(host) and not was_running:
        # Settings that need a restart, applied right after our own start.
        _pg_ctl(["-w", "-m", "fast", "restart"])
        host = str(_start(DATA_DIR))

    with psycopg.connect(host=host, dbname="postgres", user="postgres") as conn:
        conn.autocommit = True
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
        ).fetchone()
        if not exists:
            # Another process may create it meanwhile.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return {"NAME": DB_NAME, "USER": "postgres", "HOST": host, "PORT": ""}


def _configure(host: str) -> bool:
    """Persist SERVER_SETTINGS (ALTER SYSTEM); True if a restart is needed."""
    import psycopg
    from psycopg import sql

    changed = False
    with psycopg.connect(
        host=host, dbname="postgres", user="postgres", autocommit=True
    ) as conn:
        for name, value in SERVER_SETTINGS.items():
            row = conn.execute(
                "SELECT pg_size_bytes(current_setting(%s)) = pg_size_bytes(%s)",
                [name, value],
            ).fetchone()
            same = bool(row and row[0])
            if not same:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
                changed = True
    return changed


def bin_dir() -> Path:
    """The folder of the PostgreSQL programs pgserver ships (initdb, pg_ctl,
    pg_basebackup, pg_dump, pg_restore, …)."""
    return Path(_pgserver()._commands.POSTGRES_BIN_PATH)


def _pg_ctl(args: list[str]) -> None:
    user = "pgserver" if os.geteuid() == 0 else None
    _pgserver()._commands.pg_ctl(args, pgdata=DATA_DIR, user=user)


def binary(name: str) -> Path:
    """A PostgreSQL program shipped with the embedded server (pg_dump, pg_restore,
    psql...), of the same version as the server."""
    return Path(_pgserver()._commands.POSTGRES_BIN_PATH) / name


def stop() -> None:
    """Stop the embedded server if it runs (fast shutdown: sessions are ended)."""
    if not _postmaster_alive(DATA_DIR):
        return
    _pg_ctl(["-w", "-m", "fast", "stop"])


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "start":
        print(ensure_embedded()["HOST"])  # noqa: T201
    elif command == "stop":
        stop()
    elif command == "status":
        print("running" if _postmaster_alive(DATA_DIR) else "stopped")  # noqa: T201
    else:
        sys.exit("usage: python -m core.db [start|stop|status]")
