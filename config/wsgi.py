"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from core.preload import preload  # noqa: E402  (after Django's setup)

# The search's dictionaries (jieba, pypinyin: about a second), the compiled
# templates and the translation catalogues, loaded once (in gunicorn's master,
# deploy/gunicorn.conf.py preload_app), not in each worker's first requests.
preload()
# What is loaded now lives as long as the worker (the dictionaries alone are
# millions of objects): out of the garbage collector's full passes, which would
# otherwise walk all of it in the middle of some request (hundreds of ms).
gc.freeze()
