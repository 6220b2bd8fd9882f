"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from core.textsearch.text import warm_up  # noqa: E402  (after Django's setup)

# Each worker loads the search's dictionaries (jieba, pypinyin: about a second)
# as it starts, not in the first request that builds or reads a search text (a
# save, a merge, a search), which would take that second longer.
warm_up()
# What is loaded now lives as long as the worker (the dictionaries alone are
# millions of objects): out of the garbage collector's full passes, which would
# otherwise walk all of it in the middle of some request (hundreds of ms).
gc.freeze()
