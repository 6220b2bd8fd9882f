"""Visitors' pages and API reads, whole, from a cache that is never stale.

A view decorated with :func:`visitor_cache` answers a visitor (not signed in, no
cookie but the CSRF and language ones) from the ``"pages"`` cache when it can
(shared by every web process; ``"pages_local"`` keeps this process's recent copies,
under the same keys, so most hits cost no query but the generation's). The
key is the absolute address as asked (scheme, host, path, the query string as
sent), the language, today's date (certificates, events and "updated within" are
reckoned by the day), the request headers a response may vary on (``Accept``, the
htmx ones) and the database's **generation**. Entries live at most
``PAGE_CACHE_SECONDS`` (a bound on memory, not on freshness). What is kept is a
200 or a redirect (``STORED_STATUSES``: a search page past the end leads to the
last one only after the whole search has run).

**Why a cached answer is never stale.** Every table of every model (but those no
visitor's page shows: ``UNSEEN_BY_VISITORS``; for an update, only of the columns
they see: ``UNSEEN_COLUMNS``, so a sign-in is not a write) has a statement trigger,
``core_pagecache_bump()`` (migration ``core/0004``; attached after every
``migrate`` by :func:`install_triggers`), so every writer is caught: the
services, the import's COPY and undo, merges, the admin, raw SQL. The trigger
takes a shared advisory lock for the rest of its transaction, then advances the
sequence ``core_pagecache_generation``. A request reads the sequence (G) first.
A hit under G is what some request built after every transaction that advanced
the sequence up to G had committed; a write that commits later advances it past
G before it commits, so no request begun after that commit asks for G again.
On a miss the request then looks for writers in flight (the lock, in
``pg_locks``) and stores its page under G only if there are none: a writer that
advanced the sequence to G or below and has not committed would hold the lock.
The page is read from the primary (a replica may lag and does not see the
writers' locks). So an edit shows on the very next request.

A page carries no visitor's data: the CSRF token and the CSP nonce are rendered as
placeholders into the cached copy (:func:`placeholders`, a context processor) and
each visitor gets their own in their copy; a view that reads them any other way,
sets a cookie, says ``private``/``no-store`` or varies on another header is not
stored, nor is one built while the view wrote the session or added a message.
Signed-in users always get a page built for them. Views whose body reads
anything but the database's tables and the date (a figure the task worker keeps
in the shared cache, the clock) must not use this.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import split_header_value

from core import replicas

# pg_advisory_xact_lock_shared(LOCK_KEY): classid is its upper 32 bits, objid the
# lower (the change feed's locks have classid 0x46454500 and up).
LOCK_KEY = 0x50_41474543
GENERATION_SQL = (
    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
    "FROM core_pagecache_generation"
)
WRITING_SQL = f"""
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND objsubid = 1
      AND classid = {LOCK_KEY >> 32} AND objid = {LOCK_KEY & 0xFFFFFFFF}
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
"""  # noqa: S608  (constants only)
TRIGGER = "core_pagecache_bump"
# Models whose rows no visitor's page or API read shows; writing them changes no
# cached answer (every other model's table has the trigger). Some are written by
# requests themselves: the throttles' counters, a token's last use, sessions.
UNSEEN_BY_VISITORS = frozenset(
    {
        "accounts.apitoken",
        "accounts.consent",
        "accounts.preference",
        "accounts.ratecounter",
        "admin.logentry",
        "django_tasks_database.dbtaskresult",
        "imports.exportrecord",
        "imports.importjob",
        "imports.preparedchunk",
        "sessions.session",
    }
)
# Request headers that are part of the key; a response that varies on any other
# (but Accept-Language: the language is in the key; Cookie: only visitors without
# other cookies qualify) is not stored.
KEY_HEADERS = (
    "Accept",
    "HX-Request",
    "HX-Target",
    "HX-Trigger",
    "HX-Trigger-Name",
    "HX-Boosted",
    "HX-Current-URL",
    "HX-History-Restore-Request",
)
VARY_ALLOWED = frozenset(h.lower() for h in (*KEY_HEADERS, "Accept-Language", "Cookie"))
NOT_STORED_HEADERS = frozenset({"content-length", "set-cookie"})
# Columns of a visible table that no visitor's page or API read shows, which
# requests themselves write: an update of only these leaves the generation where it
# is (the trigger is ``UPDATE OF`` the table's other columns). A sign-in sets
# ``last_login``; a password change or reset sets ``password``.
UNSEEN_COLUMNS = {"auth.user": frozenset({"last_login", "password"})}
# Answers kept besides 200: redirects (a page past the end of a search, an untidy
# address, a merged enterprise's old page), which the database decides as it does
# a page, and which cost a whole search to reach.
STORED_STATUSES = frozenset({200, 301, 302, 307, 308})


@cache
def _placeholder(what: str) -> str:
    # Derived from the secret key: no visitor can type it into a field of a page.
    return (
        "pagecache-"
        + salted_hmac("core.pagecache", what, algorithm="sha256").hexdigest()[:32]
    )


def placeholders(request: HttpRequest) -> dict:
    """Context processor (after Django's csrf and csp): while a page is built for
    the cache, its CSRF token and CSP nonce are placeholders."""
    if getattr(request, "_pagecache_building", False):
        return {"csrf_token": _placeholder("csrf"), "csp_nonce": _placeholder("nonce")}
    return {}


def generation() -> int:
    """How far the database's visible tables have been written (read on the
    primary; the sequence is not transactional, so this is never behind)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(GENERATION_SQL)
        return cursor.fetchone()[0]


def writers_in_flight() -> bool:
    """Whether a transaction that wrote a visible table has not ended yet (this
    connection's own included)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(WRITING_SQL)
        return cursor.fetchone()[0]


def scoped_key(request: HttpRequest, key: str) -> str:
    """``key`` for a small cache a page reads: while the page is built for this
    cache, tied to its generation (so what it caches is exact too)."""
    built = built_generation(request)
    return key if built is None else f"{key}:g{built}"


def built_generation(request: Any) -> int | None:
    """The generation this request read, if a page is being built for this cache
    (then a small cache the page reads may be keyed by it at no statement)."""
    return getattr(_django_request(request), "_pagecache_generation", None)


def _django_request(request: Any) -> HttpRequest:
    return getattr(request, "_request", request)  # a DRF Request wraps one


def _qualifies(request: Any) -> bool:
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return False
    if request.user.is_authenticated or "HTTP_AUTHORIZATION" in request.META:
        return False
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return set(request.COOKIES) <= allowed


def _key(request: Any, generation: int) -> str:
    from django.utils.translation import get_language

    parts = [
        request.scheme,
        request.get_host(),
        request.path,
        request.META.get("QUERY_STRING", ""),
        get_language() or "",
        timezone.localdate().isoformat(),
        *(request.headers.get(h, "") for h in KEY_HEADERS),
    ]
    digest = salted_hmac(
        "core.pagecache.key", "\0".join(parts), algorithm="sha256"
    ).hexdigest()
    return f"page:{generation}:{digest}"


def _personalise(request: HttpRequest, body: bytes) -> bytes:
    """The copy for this visitor: their CSRF token and CSP nonce."""
    csrf = _placeholder("csrf").encode()
    if csrf in body:
        body = body.replace(csrf, get_token(request).encode())
    nonce = _placeholder("nonce").encode()
    if nonce in body:
        body = body.replace(nonce, str(request._csp_nonce).encode())  # type: ignore[attr-defined]
    return body


def _personal_state(request: HttpRequest) -> tuple[bool, ...]:
    """What of this visitor's own a response may have read or written: the CSRF
    token, the CSP nonce, the session (written: a visitor without a session cookie
    has an empty one to read), messages. A page built while any of it changed is
    not kept."""
    session = getattr(request, "session", None)
    messages = getattr(request, "_messages", None)
    return (
        bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")),
        bool(getattr(request, "_csp_nonce", None)),
        bool(session is not None and session.modified),
        bool(getattr(messages, "_queued_messages", None)),
    )


def _storable(response: HttpResponse) -> bool:
    if response.status_code not in STORED_STATUSES:
        return False
    if response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {h.lower() for h in split_header_value(response.get("Vary", ""))}
    return vary <= VARY_ALLOWED


def _entry(response: HttpResponse, body: bytes) -> dict:
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in NOT_STORED_HEADERS
    ]
    return {
        "status": response.status_code,
        "headers": headers,
        "body": zlib.compress(body, 6),
    }


def _from_entry(request: HttpRequest, entry: dict) -> HttpResponse:
    response = HttpResponse(
        _personalise(request, zlib.decompress(entry["body"])),
        status=entry.get("status", 200),
    )
    for name, value in entry["headers"]:
        response[name] = value
    return response


def visitor_cache(view: Callable) -> Callable:
    """Serve a visitor this view's answer from the ``"pages"`` cache (see the
    module's docstring); for a DRF handler wrap it with ``method_decorator``
    (after authentication, permissions and throttles)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request = next(a for a in args if hasattr(a, "META"))
        if not _qualifies(request):
            return view(*args, **kwargs)
        plain = _django_request(request)
        store, local = caches["pages"], caches["pages_local"]
        generation_read = generation()
        key = _key(request, generation_read)
        entry = local.get(key)
        if entry is None and (entry := store.get(key)) is not None:
            local.set(key, entry, settings.PAGE_CACHE_SECONDS)
        if entry is not None:
            return _from_entry(plain, entry)
        keep = replicas.read_primary() and not writers_in_flight()
        before = _personal_state(plain)
        plain._pagecache_building = True  # type: ignore[attr-defined]
        plain._pagecache_generation = generation_read  # type: ignore[attr-defined]
        try:
            response = view(*args, **kwargs)
        finally:
            plain._pagecache_building = False  # type: ignore[attr-defined]

        def finish(response: HttpResponse) -> HttpResponse:
            if response.streaming:
                return response
            body = response.content
            if keep and _storable(response) and _personal_state(plain) == before:
                kept = _entry(response, body)
                store.set(key, kept, settings.PAGE_CACHE_SECONDS)
                local.set(key, kept, settings.PAGE_CACHE_SECONDS)
            response.content = _personalise(plain, body)
            return response

        if getattr(response, "is_rendered", True):
            return finish(response)
        response.add_post_render_callback(finish)
        return response

    return wrapper


def _tables(connection) -> dict[str, tuple[str, ...] | None]:
    """The tables that get the trigger: of every visible model with a table here,
    the columns whose update moves the generation (sorted), or None for all."""
    existing = set(connection.introspection.table_names())
    seen: dict[str, tuple[str, ...] | None] = {}
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.db_table not in existing:
            continue
        if opts.label_lower in UNSEEN_BY_VISITORS:
            continue
        unseen = UNSEEN_COLUMNS.get(opts.label_lower)
        if unseen is None:
            seen[opts.db_table] = None
            continue
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(
                cursor, opts.db_table
            )
        seen[opts.db_table] = tuple(
            sorted(c.name for c in columns if c.name not in unseen)
        )
    return seen


def install_triggers(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Attach the generation's trigger to every visible model table that lacks it,
    on the columns visitors see (:data:`UNSEEN_COLUMNS`), and take it off the
    others. Connected to ``post_migrate``, so new tables and columns get it; the
    generation moves on, as a migration may change what a page shows."""
    connection = connections[using]
    if connection.vendor != "postgresql" or using != DEFAULT_DB_ALIAS:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('core_pagecache_bump') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # core's migration not applied (yet)
        # Each trigger's table and the columns its UPDATE is restricted to.
        cursor.execute(
            "SELECT c.relname, array(SELECT a.attname::text FROM pg_attribute a "
            "WHERE a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr) "
            "ORDER BY a.attname) "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND pg_table_is_visible(c.oid)",
            [TRIGGER],
        )
        present = {table: tuple(columns) or None for table, columns in cursor}
        wanted = _tables(connection)
        for table in present.keys() - wanted.keys():
            cursor.execute(f"DROP TRIGGER {TRIGGER} ON {quote(table)}")
        for table, columns in wanted.items():
            if table in present and present[table] == columns:
                continue
            if table in present:
                cursor.execute(f"DROP TRIGGER {TRIGGER} ON {quote(table)}")
            update = (
                "UPDATE"
                if columns is None
                else "UPDATE OF " + ", ".join(quote(c) for c in columns)
            )
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR {update} OR DELETE "
                f"OR TRUNCATE ON {quote(table)} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION core_pagecache_bump()"
            )
        cursor.execute("SELECT nextval('core_pagecache_generation')")
