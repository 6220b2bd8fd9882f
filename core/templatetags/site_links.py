"""The base template's own addresses, worked out once a process: ``{% site_url %}``
(``{% url %}`` of an address without arguments) and ``{% site_static %}``
(``{% static %}``). Every page shows about twenty of them, and reversing each
cost more than the rest of the page's header."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@register.simple_tag
def site_url(name: str) -> str:
    """``{% url name %}`` for an address without arguments (``as`` works too)."""
    return _reversed(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=128)
def _reversed(name: str, prefix: str, urlconf: str) -> str:
    # (Keyed by what reverse() reads besides the name.)
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def site_static(path: str) -> str:
    """``{% static path %}``."""
    return _static(path, settings.STATIC_URL, repr(settings.STORAGES))


@lru_cache(maxsize=64)
def _static(path: str, static_url: str, storages: str) -> str:
    return static(path)
