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


def _page(template: str):
    @login_not_required
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template)

    return view


# The site's notices: privacy (PIPL), terms of use, about and contact.
privacy = _page("core/privacy.html")
terms = _page("core/terms.html")
about = _page("core/about.html")
