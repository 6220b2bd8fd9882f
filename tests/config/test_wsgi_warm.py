"""A server worker loads the search's dictionaries as it starts (config/wsgi.py),
so that its first save, merge or search does not wait about a second for them,
and freezes what it loaded out of full garbage collections (which would walk
the dictionaries' millions of objects in the middle of a request)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_starts_with_the_search_dictionaries_loaded_and_frozen():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    probe = (
        "from core.textsearch import text\n"
        "assert text._SEGMENTER is None\n"
        "import config.wsgi\n"
        "import gc\n"
        "print(text._SEGMENTER is not None and gc.get_freeze_count() > 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "True"
