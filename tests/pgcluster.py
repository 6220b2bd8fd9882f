"""PostgreSQL clusters of a test's own, from the binaries the project runs on (the
pgserver package's initdb, pg_ctl, pg_basebackup, pg_dump, pg_restore): a primary
and its streaming replicas, each on a unix socket in a temporary folder, no TCP."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

from core.db import bin_dir

# initdb and postgres refuse to run as root; pgserver runs them as this user.
SERVER_USER = "pgserver" if os.geteuid() == 0 else None


def _as_server_user(path: Path) -> None:
    if SERVER_USER:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def run(program: str, *args: str | Path, timeout: float = 60) -> str:
    result = subprocess.run(
        [str(bin_dir() / program), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        user=SERVER_USER,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"{program} failed: {result.stderr or result.stdout}")
    return result.stdout


class Cluster:
    """One PostgreSQL server: its data folder and its socket folder."""

    def __init__(self, root: Path, name: str) -> None:
        self.data = root / name
        self.socket_dir = root / f"{name}-socket"
        self.socket_dir.mkdir()
        _as_server_user(self.socket_dir)

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off"
        run(
            "pg_ctl",
            "-D",
            self.data,
            "-o",
            options,
            "-l",
            f"{self.data}.log",
            "-w",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir), dbname=dbname, user="postgres", autocommit=True
        )

    def execute(self, sql: str, params=(), dbname: str = "postgres") -> list[tuple]:
        with self.connect(dbname) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@/{dbname}?host={quote(str(self.socket_dir))}"


class Topology:
    """A primary and one streaming replica in a temporary folder."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="replicas-", dir="/tmp"))
        self.root.chmod(0o755)
        _as_server_user(self.root)
        self.primary = Cluster(self.root, "primary")
        self.replica = Cluster(self.root, "replica")

    def start_primary(self) -> None:
        run(
            "initdb",
            "-D",
            self.primary.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.primary.start()

    def copy_database(self, source_host: str, source_db: str, dbname: str) -> None:
        """The schema and rows of a database of another server (the tests' own)."""
        dump = self.root / "source.dump"
        run(
            "pg_dump", "-h", source_host, "-U", "postgres", "-Fc", "-f", dump, source_db
        )
        self.primary.execute(f'CREATE DATABASE "{dbname}"')
        run(
            "pg_restore",
            "-h",
            self.primary.socket_dir,
            "-U",
            "postgres",
            "--no-owner",
            "-d",
            dbname,
            dump,
        )

    def start_replica(self) -> None:
        """``pg_basebackup -R``: a copy of the primary that streams from it."""
        run(
            "pg_basebackup",
            "-h",
            self.primary.socket_dir,
            "-U",
            "postgres",
            "-D",
            self.replica.data,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        self.replica.start()

    def wait_replayed(self, timeout: float = 20) -> None:
        """Until the replica has replayed everything the primary wrote so far."""
        (lsn,) = self.primary.execute("SELECT pg_current_wal_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.replica.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]
            )[0][0]
            if done:
                return
            time.sleep(0.05)
        raise TimeoutError("the replica did not catch up")

    def close(self) -> None:
        for cluster in (self.replica, self.primary):
            with contextlib.suppress(RuntimeError):
                cluster.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgBouncer:
    """Debian's pgbouncer in transaction mode on a loopback port, in front of the
    given servers (``{name in PgBouncer: (cluster, database)}``)."""

    def __init__(self, root: Path, databases: dict[str, tuple[Cluster, str]]) -> None:
        self.port = free_port()
        lines = [
            f"{name} = host={cluster.socket_dir} dbname={dbname} user=postgres"
            for name, (cluster, dbname) in databases.items()
        ]
        self.config = root / "pgbouncer.ini"
        self.config.write_text(
            "[databases]\n" + "\n".join(lines) + "\n[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            "unix_socket_dir =\nauth_type = any\npool_mode = transaction\n"
            "default_pool_size = 4\nmax_client_conn = 100\n"
            f"logfile = {root / 'pgbouncer.log'}\npidfile = {root / 'pgbouncer.pid'}\n"
        )
        _as_server_user(self.config)
        # PgBouncer refuses to run as root.
        self.process = subprocess.Popen(
            [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", str(self.config)],
            user=SERVER_USER,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError("pgbouncer did not start")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
