"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from core.textsearch.text import warm_up  # noqa: E402  (after Django's setup)

# Each worker loads the search's dictionaries (jieba, pypinyin: about a second)
# as it starts, not in the first request that builds or reads a search text (a
# save, a merge, a search), which would take that second longer.
warm_up()
