import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_refuses_a_missing_secret_key():
    result = _import_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_off_with_a_secret_key_starts():
    result = _import_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_debug_is_off_by_default():
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEBUG)"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SECRET_KEY": "y" * 50,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False"


def test_importing_the_settings_starts_no_database(tmp_path):
    """Only a connection starts the embedded PostgreSQL (a fresh data folder here)."""
    data = tmp_path / "pg"
    result = _import_settings(
        DJANGO_DEBUG="1", EMBEDDED_PG_DIR=str(data), DATABASE_URL=""
    )
    assert result.returncode == 0, result.stderr
    assert not data.exists()


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_manage_py_uses_the_development_defaults_without_production_settings():
    result = _manage("help", "export_directory")
    assert result.returncode == 0, result.stderr
    assert "export" in result.stdout


def test_manage_py_with_a_secret_key_keeps_debug_off():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SECRET_KEY="z" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="embedded only")
def test_dbshell_reaches_the_embedded_server():
    from django.db import connection

    args, _env = connection.client.settings_to_cmd_args_env(
        connection.settings_dict, []
    )
    assert "-h" in args
    assert args[args.index("-h") + 1] == connection.get_connection_params()["host"]
