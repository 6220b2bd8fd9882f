"""Input no page, form or API endpoint can take: refused here, once for all of them.

PostgreSQL cannot store or compare text with a NUL character, so a ``\\0`` in a
path, a query string, a form field or a JSON string would reach the database as an
error (a 500) wherever a view passes it on. ``RejectNulMiddleware`` answers such a
request with a 400 and a translated message (the API's JSON error under
``/api/``) before any view runs, so nothing is changed.

``BrandedNotFoundMiddleware`` renders the site's own 404 page when ``DEBUG`` is on
(Django's technical one lists every URL pattern).
"""

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from core.exceptions import error_body

NUL = "\x00"
API_PREFIX = "/api/"


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _json_has_nul(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if not length or (limit is not None and length > limit):
        return False  # empty, or refused as too large by the parser
    body = request.body
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the API's parser answers with its own 400


def request_has_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info:
        return True
    if any(_has_nul(k) or _has_nul(v) for k, v in request.GET.lists()):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any(_has_nul(k) or _has_nul(v) for k, v in request.POST.lists())
    if content_type == "application/json" or content_type.endswith("+json"):
        return _json_has_nul(request)
    return False


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(error_body("invalid", message), status=400)
    return render(request, "core/bad_request.html", {"message": message}, status=400)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_has_nul(request):
            return bad_request(
                request,
                _(
                    "The request contains a null character (\\0), which no address, "
                    "form field or API value may contain. Remove it and try again."
                ),
            )
        return self.get_response(request)


class BrandedNotFoundMiddleware:
    """With ``DEBUG`` on, Django answers a missing page with its technical 404 (the
    list of every URL pattern). The running demo (``make run``, DEBUG on) is used by
    everyone, its staff logins included: this renders the site's own 404 page
    instead, as production does. With ``DEBUG`` off it does nothing (Django renders
    404.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _branded(self, request: HttpRequest) -> bool:
        return settings.DEBUG and not request.path_info.startswith(API_PREFIX)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._branded(request):
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, Http404) and self._branded(request):
            return page_not_found(request, exception)
        return None
