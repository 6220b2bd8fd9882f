"""What a web process loads before its first request, done once in gunicorn's master
(config/wsgi.py, ``preload_app``) so that every worker forked from it has it.

Measured in one process (bench's database, CPU time): a fresh process's first
search page cost 264 ms against 40 ms for the next, its first enterprise page 80
against 43, its first home page 55 against 28 — the templates compiled (Django's
cached loader keeps them per process), the translation catalogues read. A worker
that gunicorn starts again (after ``max_requests``, or when one died) paid that in
the requests it took first. Nothing here opens a database connection.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.template.exceptions import TemplateDoesNotExist
from django.utils import translation


def compile_templates() -> int:
    """Compile every template of the site's own apps into the cached loader;
    returns how many."""
    root = Path(settings.BASE_DIR).resolve()
    count = 0
    for backend in engines.all():
        for name in backend.template_dirs:
            folder = Path(name).resolve()
            if not folder.is_relative_to(root) or ".venv" in folder.parts:
                continue
            for path in sorted(folder.rglob("*")):
                if not path.is_file() or path.suffix not in (".html", ".txt"):
                    continue
                try:
                    backend.get_template(path.relative_to(folder).as_posix())
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue
                count += 1
    return count


def load_catalogues() -> None:
    """Read every language's translation catalogue."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Search")


def preload() -> None:
    from core.textsearch.text import warm_up  # (it imports .queries)

    warm_up()
    # The table of pinyin syllables a query's Latin words are read against (its
    # first search paid ~120 ms for it).
    from core.textsearch.queries import _syllables

    _syllables()
    compile_templates()
    load_catalogues()
