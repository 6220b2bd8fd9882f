"""A backup (pg_dump from the embedded binaries) restored into a new database
holds every table as it was, row for row."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from imports.models import ImportJob
from tests.factories import EnterpriseFactory, MembershipFactory, StaffFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="embedded only"),
]


def backup(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "core.backup", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def fingerprint(dbname: str) -> dict[str, tuple[int, str]]:
    """Every table of the database: its row count and a digest of its rows."""
    host = connection.get_connection_params()["host"]
    with psycopg.connect(host=host, dbname=dbname, user="postgres") as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "ORDER BY tablename"
            )
        ]
        found = {}
        for table in tables:
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "  # noqa: S608
                f"ORDER BY t::text), '')) FROM \"{table}\" t"
            ).fetchone()
            found[table] = (count, digest)
        return found


def test_a_backup_restores_into_a_new_database_with_every_table_equal(tmp_path):
    staff = StaffFactory()
    enterprise = EnterpriseFactory(name="备份测试纺织有限公司")
    MembershipFactory(enterprise=enterprise)
    ImportJob.objects.create(
        kind="enterprises",
        status=ImportJob.Status.APPLIED,
        file_name="a.csv",
        created_by=staff,
    )
    source = connection.settings_dict["NAME"]
    before = fingerprint(source)
    assert before["enterprises_enterprise"][0] >= 1
    assert len(before) > 30

    target = f"restore_check_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "directory.dump"
    backup("dump", str(dump), "--database", source)
    assert dump.stat().st_size > 0
    host = connection.get_connection_params()["host"]
    try:
        backup("restore", str(dump), "--database", target)
        assert fingerprint(target) == before
        # Restoring onto an existing database is refused: nothing is overwritten.
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "core.backup",
                "restore",
                str(dump),
                "--database",
                target,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode != 0
        assert "already exists" in again.stderr
    finally:
        with psycopg.connect(
            host=host, dbname="postgres", user="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
