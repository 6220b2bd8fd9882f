"""Rate limits with an atomic counter shared by every web process.

``hit(key, window=…)`` counts one event and returns the count of the current fixed
window, in a single ``INSERT … ON CONFLICT DO UPDATE`` on ``RateCounter``: parallel
requests each get their own number, so a limit checked against it cannot be
overrun (the database cache's ``incr`` reads and then writes, and loses updates).

Logins: an attempt is counted *before* the password is checked, and refused (even
with the right password) while ``MAX_FAILURES_PER_USER`` attempts for the username,
or ``MAX_FAILURES_PER_ADDRESS`` from the client's address, have failed or are in
flight within ``LOCKOUT_MINUTES``. A success clears the username's count and takes
its attempt back from the address's. The same form guards /accounts/login/ and
/admin/login/ (``accounts.forms``), so one lock holds for both.

E-mails (password reset, sign-up, verification): ``email_allowed(kind, email=…,
account=…)`` is False once ``MAX_EMAILS`` of that kind went to the address, or to
the account, within ``EMAIL_WINDOW_MINUTES``.

Client addresses are ``REMOTE_ADDR`` only; forwarded headers are trusted (and
turned into ``REMOTE_ADDR``) by the proxy middleware, never here.
"""

import datetime as dt
import hashlib

from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import RateCounter

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
LOCKOUT_MINUTES = 15
MAX_EMAILS = 3
EMAIL_WINDOW_MINUTES = 60

_TABLE = RateCounter._meta.db_table
_HIT = f"""
INSERT INTO {_TABLE} (key, count, expires_at) VALUES (%(key)s, 1, %(expires)s)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {_TABLE}.expires_at <= %(now)s THEN 1
                 ELSE {_TABLE}.count + 1 END,
    expires_at = CASE WHEN {_TABLE}.expires_at <= %(now)s THEN EXCLUDED.expires_at
                      ELSE {_TABLE}.expires_at END
RETURNING count, expires_at
"""  # noqa: S608 - the table name is ours, values are parameters


def key(kind: str, value: object) -> str:
    """A counter key; the value (a username, an e-mail address) is hashed."""
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:40]
    return f"{kind}:{digest}"


def hit(counter: str, *, window: int) -> tuple[int, dt.datetime]:
    """Count one event for ``counter`` in its window of ``window`` seconds: the
    count including this one, and when the window ends."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _HIT,
            {"key": counter, "now": now, "expires": now + dt.timedelta(seconds=window)},
        )
        count, expires_at = cursor.fetchone()
    return count, expires_at


def count(counter: str) -> int:
    row = (
        RateCounter.objects.filter(key=counter, expires_at__gt=timezone.now())
        .values_list("count", flat=True)
        .first()
    )
    return row or 0


def take_back(counter: str) -> None:
    RateCounter.objects.filter(key=counter, count__gt=0).update(count=F("count") - 1)


def reset(counter: str) -> None:
    RateCounter.objects.filter(key=counter).delete()


# Logins ---------------------------------------------------------------------------


def client_address(request) -> str:
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "") or ""


def login_attempt(*, username: str, address: str) -> bool:
    """Count a login attempt before its password is checked; False (refuse it) when
    the username or the address has used up its attempts."""
    window = LOCKOUT_MINUTES * 60
    allowed = True
    if username:
        allowed = hit(key("login-user", username), window=window)[0] <= (
            MAX_FAILURES_PER_USER
        )
    if address:
        by_address = hit(key("login-addr", address), window=window)[0]
        allowed = allowed and by_address <= MAX_FAILURES_PER_ADDRESS
    return allowed


def login_succeeded(*, username: str, address: str) -> None:
    reset(key("login-user", username))
    if address:
        take_back(key("login-addr", address))


def is_locked(*, username: str, address: str) -> bool:
    """Whether further attempts would be refused now (without counting one)."""
    if username and count(key("login-user", username)) >= MAX_FAILURES_PER_USER:
        return True
    return bool(
        address and count(key("login-addr", address)) >= MAX_FAILURES_PER_ADDRESS
    )


def clear(*, username: str) -> None:
    reset(key("login-user", username))


# E-mails --------------------------------------------------------------------------


def email_allowed(kind: str, *, email: str = "", account: object = None) -> bool:
    """Count one e-mail of ``kind`` (e.g. "password-reset", "signup") to ``email``
    and/or to ``account`` (a user's pk); False when either has had ``MAX_EMAILS``
    within ``EMAIL_WINDOW_MINUTES``: then send nothing."""
    window = EMAIL_WINDOW_MINUTES * 60
    allowed = True
    if email:
        to_address = hit(key(f"mail-{kind}-to", email), window=window)[0]
        allowed = to_address <= MAX_EMAILS
    if account is not None:
        to_account = hit(key(f"mail-{kind}-account", account), window=window)[0]
        allowed = allowed and to_account <= MAX_EMAILS
    return allowed
