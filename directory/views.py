from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from clusters.models import Cluster
from colleges.models import College
from enterprises.models import Enterprise
from markets.models import Market

__all__ = ["healthz", "home", "login_not_required", "me"]


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    figures = {
        "clusters": Cluster.objects.count(),
        "enterprises": Enterprise.objects.visible_to(request.user).count(),
        "colleges": College.objects.count(),
        "markets": Market.objects.count(),
    }
    return render(request, "directory/home.html", {"figures": figures})


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def me(request: HttpRequest) -> HttpResponse:
    from enterprises.moderation_views import my_account_context

    return render(request, "directory/me.html", my_account_context(request.user))
