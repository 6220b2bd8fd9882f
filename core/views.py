from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database answers and the task queue can be read.
    How many tasks wait, and when a task worker was last seen, are reported but
    do not make the web unready (pages are served while a worker restarts)."""
    import time

    from django.core.cache import caches
    from django_tasks_db.models import DBTaskResult

    from core.management.commands.task_worker import WORKER_SEEN_KEY

    body: dict[str, object] = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    try:
        body["tasks_ready"] = DBTaskResult.objects.ready().count()
        body["task_queue"] = "ok"
    except Exception:
        return JsonResponse(
            {"status": "error", "database": "ok", "task_queue": "unreadable"},
            status=503,
        )
    try:
        seen = caches["shared"].get(WORKER_SEEN_KEY)
    except Exception:
        seen = None
    body["worker_seen_seconds_ago"] = (
        None if seen is None else round(max(0.0, time.time() - seen), 1)
    )
    # Replicas are reported, not required: reads fall back to the primary.
    from core.replicas import health, replica_aliases

    replicas = {alias: health.report(alias) for alias in replica_aliases()}
    if replicas:
        body["replicas"] = replicas
    return JsonResponse(body)


def _page(template: str):
    @login_not_required
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template)

    return view


# The site's notices: privacy (PIPL), terms of use, about and contact.
privacy = _page("core/privacy.html")
terms = _page("core/terms.html")
about = _page("core/about.html")


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (no or an old CSRF token): the site's page, in the reader's
    language, saying what to do (Django's shows its own, in English with DEBUG)."""
    return render(request, "403_csrf.html", status=403)
