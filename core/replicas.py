"""Reads on PostgreSQL streaming replicas, writes on the primary.

Active when ``DATABASE_REPLICA_URLS`` is set (config/settings.py adds the replicas as
``replica1``, ``replica2``, … beside ``default``, the primary, and installs the router
and the middleware below). The rules:

- Only a safe request (GET, HEAD, OPTIONS) reads from a replica, and only when its
  client has not written in the last ``READ_YOUR_WRITES_SECONDS``: a successful POST,
  PUT, PATCH or DELETE sets a signed cookie that keeps the client's reads on the
  primary that long (read-your-writes). Everything outside such a request — the
  task worker, management commands, migrations, the write requests themselves —
  reads and writes on the primary.
- Writes always go to the primary, and so do reads inside a transaction on it and
  reads of the database cache table (throttle counters must see their own writes).
- A request reads from one replica throughout, chosen at random among those that
  answer and lag at most ``REPLICA_MAX_LAG_SECONDS`` (``pg_last_xact_replay_timestamp``,
  checked on a short connection of its own at most every ``REPLICA_CHECK_SECONDS``
  per process and cached). Without one the request reads from the primary: a
  stopped or lagging replica slows nothing and breaks no page.
- Raw SQL must ask the router too: ``connections[router.db_for_read(Model)]``
  (the search does), since ``django.db.connection`` is always the primary.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.signing import BadSignature
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

COOKIE = "directory_wrote"
COOKIE_SALT = "core.replicas.read-your-writes"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Seconds the replica is behind: 0 while it has replayed all it received and
# streams from the primary (an idle primary writes no transactions, so the age of
# the last replayed one is no lag then); NULL when it is not a replica at all.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
        AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')
        THEN 0
    ELSE COALESCE(
        EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
        'Infinity'
    )
END
"""


@dataclass
class _Reads:
    """The database a safe request reads from, once it is chosen."""

    alias: str | None = None


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "replica_reads", default=None
)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]


class ReplicaHealth:
    """Per process: whether each replica answers and keeps up, checked at most every
    ``REPLICA_CHECK_SECONDS``."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def usable(self, alias: str) -> bool:
        now = time.monotonic()
        with self._lock:
            known = self._state.get(alias)
        if known and now - known[0] < settings.REPLICA_CHECK_SECONDS:
            return known[1]
        problem = self._problem(alias)
        self.record(alias, problem is None, problem)
        return problem is None

    def record(self, alias: str, usable: bool, problem: str | None = None) -> None:
        """Note the state of ``alias``; a change is logged (once, not per check)."""
        with self._lock:
            known = self._state.get(alias)
            self._state[alias] = (time.monotonic(), usable)
        if known is not None and known[1] == usable:
            return
        if usable:
            logger.info("replica %s in use", alias)
        else:
            logger.warning("replica %s skipped: %s", alias, problem)

    @staticmethod
    def lag(alias: str) -> float | None:
        """Seconds ``alias`` is behind the primary; None if it is no replica.
        Raises psycopg.Error when it does not answer."""
        import psycopg

        params = connections[alias].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.setdefault("connect_timeout", 3)
        with psycopg.connect(**params, autocommit=True) as conn:
            row = conn.execute(LAG_SQL).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def _problem(self, alias: str) -> str | None:
        """Why ``alias`` should not be read from now, or None."""
        return self.report(alias)["problem"]

    def report(self, alias: str) -> dict:
        """``alias`` checked now: whether reads go to it, its lag in seconds, and
        why not (for /readyz and the log)."""
        import psycopg

        lag: float | None = None
        try:
            lag = self.lag(alias)
        except psycopg.Error as exc:
            problem: str | None = f"does not answer ({exc})"
        else:
            if lag is None:
                problem = "is not in recovery (promoted?)"
            elif lag > settings.REPLICA_MAX_LAG_SECONDS:
                problem = f"lags {lag:.1f} s"
            else:
                problem = None
        return {
            "state": "ok" if problem is None else "skipped",
            "lag_seconds": None if lag is None else round(lag, 3),
            "problem": problem,
        }


health = ReplicaHealth()


def _connects(alias: str) -> bool:
    """Open (or check) this thread's connection to ``alias``; a replica stopped
    since its last check is caught here, before a query of the page fails."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        health.record(alias, False, f"does not answer ({exc})")
        return False
    return True


def choose_replica() -> str:
    """A replica that answers and keeps up, or the primary."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    for alias in aliases:
        if health.usable(alias) and _connects(alias):
            return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Django database router: see the module's docstring."""

    def db_for_read(self, model, **hints) -> str:
        reads = _reads.get()
        if (
            reads is None
            # The database cache (django.core.cache.backends.db) names its table's
            # model so: throttles count there and must read their own writes.
            or model._meta.app_label == "django_cache"
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        if reads.alias is None:
            reads.alias = choose_replica()
        return reads.alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every database holds the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # Replicas receive the primary's schema through replication.
        return db == DEFAULT_DB_ALIAS


def read_primary() -> bool:
    """Keep the rest of this request's reads on the primary (the page cache builds
    what it keeps from there); False when it has already read from a replica."""
    reads = _reads.get()
    if reads is None:
        return True
    if reads.alias not in (None, DEFAULT_DB_ALIAS):
        return False
    reads.alias = DEFAULT_DB_ALIAS
    return True


def wrote_recently(request: HttpRequest) -> bool:
    try:
        request.get_signed_cookie(
            COOKIE, salt=COOKIE_SALT, max_age=settings.READ_YOUR_WRITES_SECONDS
        )
    except (KeyError, BadSignature):
        return False
    return True


class ReadYourWritesMiddleware:
    """Lets a safe request read from a replica unless its client wrote in the last
    ``READ_YOUR_WRITES_SECONDS``; marks clients whose write succeeded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        replica = request.method in SAFE_METHODS and not wrote_recently(request)
        token = _reads.set(_Reads() if replica else None)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=COOKIE_SALT,
                max_age=int(settings.READ_YOUR_WRITES_SECONDS) + 1,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
