"""Figures too costly to count per request (at a million enterprises a scan takes
longer than a page's budget, about a second per 200,000 rows): the task worker
computes them into the shared cache and pages are served from there. Once they are
older than ``FRESH_SECONDS`` a request asks the worker for new ones (one request at
a time, through a lock) and is served the previous figures meanwhile; the pages
say when the figures were computed. The dashboard and the cluster pages keep
their figures this way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.utils import timezone

FRESH_SECONDS = 60
KEEP_SECONDS = 24 * 60 * 60
LOCK_SECONDS = 300


def shared_cache():
    return caches["shared"]


def lock_key(key: str) -> str:
    return f"{key}:refreshing"


def store_figures(key: str, data: dict) -> dict:
    """Keep ``data`` (with its ``computed_at``) as the figures under ``key``."""
    shared_cache().set(key, data, KEEP_SECONDS)
    return data


def cached_figures(key: str, compute: Callable[[], dict], refresh: Any) -> dict:
    """The figures under ``key``; computed here only when there are none yet.
    Stale ones are served while ``refresh`` (a task) is enqueued to recompute
    them; the task calls :func:`refresh_done` when it ends."""
    data = shared_cache().get(key)
    if data is None:
        return compute()
    age = (timezone.now() - data["computed_at"]).total_seconds()
    if age > FRESH_SECONDS and shared_cache().add(lock_key(key), 1, LOCK_SECONDS):
        refresh.enqueue()
    return data


def refresh_done(key: str) -> None:
    shared_cache().delete(lock_key(key))
