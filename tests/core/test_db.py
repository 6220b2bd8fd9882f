"""The embedded PostgreSQL recovers from a killed postmaster with its data intact."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _db(command: str, data: Path) -> str:
    env = {**os.environ, "EMBEDDED_PG_DIR": str(data)}
    result = subprocess.run(
        [sys.executable, "-m", "core.db", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="embedded only")
def test_restart_after_kill_9_of_the_postmaster_keeps_the_data(tmp_path):
    data = tmp_path / "pg"
    try:
        host = _db("start", data)
        with psycopg.connect(host=host, dbname="directory", user="postgres") as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        assert _db("status", data) == "stopped"

        host = _db("start", data)  # what the next `make run` does
        with psycopg.connect(host=host, dbname="directory", user="postgres") as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
        # A second start attaches to the running server.
        assert _db("start", data) == host
        assert _db("status", data) == "running"
    finally:
        _db("stop", data)
    assert _db("status", data) == "stopped"


def test_pgserver_is_used_by_core_db_alone_at_the_version_it_is_written_for():
    import re
    import tomllib
    from importlib import metadata

    from core import db

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert f"pgserver=={db.PGSERVER_VERSION}" in pyproject["project"]["dependencies"]
    assert metadata.version("pgserver") == db.PGSERVER_VERSION
    importing = re.compile(r"^\s*(import|from)\s+pgserver\b", re.MULTILINE)
    users = {
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if not {".venv", "node_modules", "var"} & set(path.relative_to(ROOT).parts)
        and importing.search(path.read_text(encoding="utf-8"))
    }
    assert users == {"core/db.py"}
