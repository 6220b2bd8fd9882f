#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A checkout without a production environment (no ``DJANGO_SECRET_KEY``, neither in
the environment nor in ``.env``) runs its commands with the development defaults,
as ``make run`` does; production sets ``DJANGO_SECRET_KEY`` and gets DEBUG off.
"""

import os
import sys
from pathlib import Path


def _production_environment() -> bool:
    if os.environ.get("DJANGO_SECRET_KEY"):
        return True
    dotenv = Path(__file__).resolve().parent / ".env"
    return dotenv.is_file() and any(
        line.strip().startswith("DJANGO_SECRET_KEY=")
        for line in dotenv.read_text(encoding="utf-8").splitlines()
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not _production_environment():
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
