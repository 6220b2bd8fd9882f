"""Who gets page fragments from the cache ({% cache %} in a template): visitors, for
``PAGE_CACHE_SECONDS``; signed-in users always get a freshly built page."""

from django.conf import settings
from django.http import HttpRequest


def fragment_seconds(request: HttpRequest) -> int:
    """The {% cache %} timeout for this request's reader (0: not cached)."""
    return 0 if request.user.is_authenticated else settings.PAGE_CACHE_SECONDS
