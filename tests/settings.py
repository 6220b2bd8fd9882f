"""Test settings: the real settings, fast hashing, immediate tasks, captured mail."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")

from config.settings import *  # noqa: E402,F403
from config.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="directory-test-media-")
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "shared",
    },
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
    },
    "pages_local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages-local",
    },
}
STATIC_ROOT = tempfile.mkdtemp(prefix="directory-test-static-")
# Visitors' pages are not kept between requests (tests/core/test_pagecache.py turns
# it on to test it).
PAGE_CACHE_SECONDS = 0
