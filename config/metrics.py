"""/metrics: the request metrics of core.metrics plus figures read from the
database when Prometheus scrapes: the task queue by state and queue, the import
jobs by status, and when a task worker was last seen."""

import time

from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.management.commands.task_worker import WORKER_SEEN_KEY
from core.metrics import metrics_response
from imports.models import ImportJob


class DatabaseCollector(Collector):
    def collect(self):
        tasks = GaugeMetricFamily(
            "directory_tasks",
            "Background tasks by state (READY: waiting for a worker) and queue.",
            labels=["queue", "status"],
        )
        rows = (
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
            .values_list("queue_name", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for queue, status, n in rows:
            tasks.add_metric([queue, status], n)
        yield tasks
        depth = GaugeMetricFamily(
            "directory_task_queue_depth", "Tasks ready to run, waiting for a worker."
        )
        depth.add_metric([], DBTaskResult.objects.ready().count())
        yield depth
        jobs = GaugeMetricFamily(
            "directory_import_jobs", "Import jobs by status.", labels=["status"]
        )
        counts = dict(
            ImportJob.objects.values_list("status")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("status", "n")
        )
        for status in ImportJob.Status.values:
            jobs.add_metric([status], counts.get(status, 0))
        yield jobs
        seen = caches["shared"].get(WORKER_SEEN_KEY)
        if seen is not None:
            ago = GaugeMetricFamily(
                "directory_task_worker_seen_seconds_ago",
                "Seconds since a task worker's reaper last ran (every 15 s).",
            )
            ago.add_metric([], max(0.0, time.time() - seen))
            yield ago


@login_not_required  # staff or a configured address; anyone else gets a 404
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    return metrics_response(request, [DatabaseCollector()])
