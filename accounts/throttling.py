"""API rate limits: anonymous clients by address, each token on its own, signed-in
browser sessions by user. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
(read per request, so settings changes apply). Each request is counted with
``accounts.throttle.hit``, one atomic upsert shared by every web process, in fixed
windows of the rate's period. The client's address is ``REMOTE_ADDR`` only (the
proxy middleware sets it from trusted proxies' headers); ``X-Forwarded-For`` is
never read here. A throttled client gets 429 with ``Retry-After``."""

import math

from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts import throttle
from accounts.models import ApiToken

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: object) -> tuple[int, int] | None:
    """ "60/min" → (60, 60): requests and seconds."""
    if not isinstance(rate, str) or not rate:
        return None
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


class _CountedThrottle(BaseThrottle):
    scope = ""

    def ident(self, request) -> object | None:
        raise NotImplementedError

    def allow_request(self, request, view):
        self.retry_after: float | None = None
        rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        ident = self.ident(request)
        if rate is None or ident is None:
            return True
        limit, period = rate
        count, window_ends = throttle.hit(
            f"api-{self.scope}:{ident}"[:120], window=period
        )
        if count <= limit:
            return True
        self.retry_after = (window_ends - timezone.now()).total_seconds()
        return False

    def wait(self):
        if self.retry_after is None:
            return None
        return max(1, math.ceil(self.retry_after))


class AnonThrottle(_CountedThrottle):
    scope = "anon"

    def ident(self, request):
        if request.user and request.user.is_authenticated:
            return None
        return request.META.get("REMOTE_ADDR") or "unknown"


class TokenThrottle(_CountedThrottle):
    scope = "token"

    def ident(self, request):
        if not isinstance(request.auth, ApiToken):
            return None
        return request.auth.pk


class SessionUserThrottle(_CountedThrottle):
    scope = "user"

    def ident(self, request):
        if isinstance(request.auth, ApiToken) or not (
            request.user and request.user.is_authenticated
        ):
            return None
        return request.user.pk
