"""Login throttling through Django's cache.

After `MAX_FAILURES_PER_USER` failed logins for one username, or
`MAX_FAILURES_PER_ADDRESS` from one client address, within `LOCKOUT_MINUTES`,
further attempts are refused (even with the right password) until the window has
passed. The counters live in the "shared" cache (the database), so the limits hold
across all web processes.
"""

import hashlib

from django.core.cache import caches

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
LOCKOUT_MINUTES = 15


def _cache():
    return caches["shared"]


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def client_address(request) -> str:
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "") or ""


def _count(key: str) -> int:
    return _cache().get(key, 0)


def is_locked(*, username: str, address: str) -> bool:
    if username and _count(_key("user", username)) >= MAX_FAILURES_PER_USER:
        return True
    return bool(address and _count(_key("addr", address)) >= MAX_FAILURES_PER_ADDRESS)


def _bump(key: str) -> None:
    if not _cache().add(key, 1, timeout=LOCKOUT_MINUTES * 60):
        try:
            _cache().incr(key)
        except ValueError:
            _cache().add(key, 1, timeout=LOCKOUT_MINUTES * 60)


def record_failure(*, username: str, address: str) -> None:
    if username:
        _bump(_key("user", username))
    if address:
        _bump(_key("addr", address))


def clear(*, username: str) -> None:
    _cache().delete(_key("user", username))
