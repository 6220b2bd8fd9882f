"""API rate limits: anonymous clients by address, each token on its own, signed-in
browser sessions by user. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
(read per request, so settings changes apply); counts live in the shared cache. A
throttled client gets 429 with ``Retry-After``."""

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class _SettingsRate(SimpleRateThrottle):
    # Counted in the shared (database) cache, so limits hold across web processes.
    @property
    def cache(self):  # type: ignore[override]  # the stubs declare an attribute
        return caches["shared"]

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")


class AnonThrottle(_SettingsRate):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class TokenThrottle(_SettingsRate):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionUserThrottle(_SettingsRate):
    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken) or not (
            request.user and request.user.is_authenticated
        ):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
