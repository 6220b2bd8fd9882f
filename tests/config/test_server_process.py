"""The real server process against a fresh embedded database: what `make run` does."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="embedded database only"
)
def test_server_serves_home_and_healthz_on_a_fresh_database(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "z" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "EMBEDDED_PG_DIR": str(tmp_path / "pg"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    manage = [sys.executable, "manage.py"]
    port = _free_port()
    try:
        subprocess.run(
            [*manage, "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    health = urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/healthz", timeout=2
                    )
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            assert health.status == 200
            home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            assert home.status == 200
            assert "辽宁纺织名录" in home.read().decode()
        finally:
            server.terminate()
            server.wait(10)
    finally:
        subprocess.run(
            [sys.executable, "-m", "core.db", "stop"],
            cwd=ROOT,
            env=env,
            timeout=60,
        )
