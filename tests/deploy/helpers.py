"""Starting the production stack (scripts/serve.sh, gunicorn) from a test, on the
test's database, and stopping exactly what was started."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "production.env.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def example_env() -> dict[str, str]:
    """deploy/production.env.example as a dict, its secret key filled in as it
    says (the only value it leaves blank that the server needs)."""
    env = {}
    for line in EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def clean_environ() -> dict[str, str]:
    """The test's environment without Django settings of its own."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PROMETHEUS_", "GUNICORN_", "WEB_"))
    }


def database_url() -> str:
    """A DATABASE_URL for the test's database (the embedded server's socket)."""
    params = connection.get_connection_params()
    host = params.get("host") or "localhost"
    user = params.get("user") or "postgres"
    password = params.get("password") or ""
    port = params.get("port") or ""
    auth = quote(user) + (":" + quote(password) if password else "")
    if host.startswith("/"):  # a socket folder
        return f"postgres://{auth}@/{params['dbname']}?host={quote(host)}"
    netloc = f"{auth}@{host}" + (f":{port}" if port else "")
    return f"postgres://{netloc}/{params['dbname']}"


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(40)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
    process.wait(10)


def get(url: str, timeout: float = 10, **headers) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if get(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("not up in time:\n" + log.read_text(errors="replace")[-3000:])
