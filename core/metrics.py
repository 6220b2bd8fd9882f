"""Prometheus metrics (prometheus-client): request latency by view, and the page that
shows them to staff or to configured addresses.

Under gunicorn, each worker process writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by deploy/gunicorn.conf.py before the app is
loaded), and the page adds up every process's files (prometheus-client's
multiprocess mode); without it the samples of this process are shown.
Figures read from the database at scrape time (queue depth, import jobs) come
from the collectors passed to ``metrics_response``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.proxies import address_in, parse_networks

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Multiprocess mode writes into this folder from the first sample on.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_SECONDS = Histogram(
    "directory_request_duration_seconds",
    "Time to answer a request, by view (URL name) and method.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"  # 404s and static files: no label per path
    return match.view_name or match._func_path


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(_view_name(request), request.method, status).observe(
            time.perf_counter() - started
        )
        return response


def may_see_metrics(request: HttpRequest) -> bool:
    """Staff, or a client address in METRICS_ALLOWED_ADDRESSES."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    allowed = parse_networks(
        getattr(settings, "METRICS_ALLOWED_ADDRESSES", []),
        "DJANGO_METRICS_ALLOWED_ADDRESSES",
    )
    return bool(allowed) and address_in(request.META.get("REMOTE_ADDR", ""), allowed)


def metrics_response(
    request: HttpRequest, collectors: Iterable[Collector] = ()
) -> HttpResponse:
    """The metrics page; anyone else gets the 404 of a page that does not exist."""
    if not may_see_metrics(request):
        raise Http404
    registry: CollectorRegistry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Process())
    for collector in collectors:
        registry.register(collector)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _Process(Collector):
    """This process's samples (the default registry), next to the scrape-time ones."""

    def collect(self):
        yield from REGISTRY.collect()
