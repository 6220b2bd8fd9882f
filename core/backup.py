"""Backup and restore with pg_dump / pg_restore (docs/deploy.md).

    python -m core.backup dump FILE [--database NAME]
    python -m core.backup restore FILE --database NEW_NAME

``dump`` writes PostgreSQL's custom format (compressed; every table, the
UNLOGGED ones too) of the app database, or of NAME. ``restore`` creates NEW_NAME
(refusing an existing database) and restores into it, stopping at the first
error; point ``DATABASE_URL`` (or swap the names) at it once it is checked.

Against the embedded server (no ``DATABASE_URL``) the programs shipped with it are
used, over its socket. With ``DATABASE_URL`` set, the ``pg_dump``/``pg_restore`` on
PATH (the server's own version) are used with that URL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

from core import db


def _target(database: str | None) -> tuple[str, list[str], list[str], str]:
    """(program folder or "", connection arguments of the database, of the
    server's maintenance database, the database's name)."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        name = database or parts.path.lstrip("/")
        return (
            "",
            ["--dbname", urlunsplit(parts._replace(path="/" + name))],
            ["--maintenance-db", urlunsplit(parts._replace(path="/postgres"))],
            name,
        )
    server = ["--host", db.ensure_embedded()["HOST"], "--username", "postgres"]
    name = database or db.DB_NAME
    bin_dir = str(db.binary("pg_dump").parent)
    return bin_dir, [*server, "--dbname", name], server, name


def _program(bin_dir: str, name: str) -> str:
    path = os.path.join(bin_dir, name) if bin_dir else shutil.which(name)
    if not path:
        sys.exit(f"{name} not found: install the PostgreSQL client of your server.")
    return path


def dump(path: str, database: str | None = None) -> None:
    bin_dir, conn, _server, _name = _target(database)
    subprocess.run(  # noqa: S603 - fixed programs, arguments from the operator
        [_program(bin_dir, "pg_dump"), *conn, "--format=custom", "--file", path],
        check=True,
    )


def restore(path: str, database: str) -> None:
    bin_dir, conn, server, name = _target(database)
    subprocess.run(  # noqa: S603
        [_program(bin_dir, "createdb"), *server, name], check=True
    )
    subprocess.run(  # noqa: S603
        [_program(bin_dir, "pg_restore"), *conn, "--exit-on-error", "--no-owner", path],
        check=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m core.backup")
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write a backup of the database")
    dumping.add_argument("file")
    dumping.add_argument("--database", help="another database than the app's")
    restoring = commands.add_parser("restore", help="restore into a new database")
    restoring.add_argument("file")
    restoring.add_argument("--database", required=True, help="the new database")
    args = parser.parse_args(argv)
    try:
        if args.command == "dump":
            dump(args.file, args.database)
        else:
            restore(args.file, args.database)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode or 1)


if __name__ == "__main__":
    main()
