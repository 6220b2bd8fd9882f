"""The change feed for integrators: ``/api/v1/changes/?since=<cursor>``.

Events are written by PostgreSQL triggers (``enterprises.models.feed``); this
module reads them in ``id`` order and shows each reader what its tier may see, by
the access policy (``Viewer``) and the field registry:

* an entry the reader may not see now (a draft, a merged-away or deleted entry)
  shows no values, not even those of its past: only the event that took it out of
  the reader's sight (a ``delete`` or ``merge``); one
  that becomes visible to the reader (published, a merge undone) shows as a
  ``create`` with every visible value, one that stops being visible (unpublished,
  deleted) as a ``delete``, a merge as a ``merge`` naming the survivor;
* an update shows the changed fields the reader may see, with their new values; a
  change of hidden fields only shows nothing;
* values are those of the API's detail (``EnterpriseSerializer``'s fields), so
  replaying the feed into an empty copy gives the directory as the reader sees it.

**PostgreSQL writes the page.** One statement (:func:`events_sql`) reads the
events and writes the JSON of each one the reader may see: who sees which entry
by ``Viewer.sees_sql``, the fields of each tier and contact visibility by
``Viewer.fields_sql`` (built on ``visible_fields``, so on the field registry);
each visible column of the stored values written, under its field's name, as the
API writes it (times in the request's zone, decimals as strings), by SQL made from
the API's serializer fields (:func:`value_sql`); a stored key that is no
registered column is never written. An event of every registered column (a
create, publish or restore) comes whole, its list of changed fields too; of the
others Python adds the list of changed fields (once per page for each list of
changed columns), and a logo's address (by the serializer's field, on the
request's host). It sends the UTF-8 bytes as they came: nothing is parsed or
encoded again. Nested lists and objects within ``data`` are spaced as PostgreSQL
writes them. The statements are prepared once per connection (``bound_cursor``).

**The cursor never skips or repeats an event.** Ids are taken while the writer holds
the row's lock, so changes of one entry come in the order they committed. A
transaction still in flight may commit ids lower than some already visible; so
each writing transaction holds an advisory lock keyed by a number taken before its
first event, and a page only reaches up to the lowest such number (or, when no
writer is in flight, to the last id handed out), read *before* the events: any
event that is not yet visible then lies beyond the page. A long transaction holds
the feed back until it ends; it never makes a reader miss its events. The feed
reads from the primary (a replica does not see the writers' locks).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from contextlib import suppress
from operator import itemgetter
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.types.numeric import Int8
from rest_framework import exceptions, serializers
from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from enterprises.api import EnterpriseSerializer
from enterprises.feed_sql import COLUMN_FIELDS, Kind, events_sql, value_sql
from enterprises.models import ChangeEvent, Enterprise
from enterprises.permissions import Viewer

MAX_PAGE = 1000
MAX_CURSOR_DIGITS = 18  # below 2**63
# As the migration that writes the triggers (0005_change_feed).
FEED_LOCK_BASE = 0x464545 << 40
# Also sets the session's time zone to the request's, for the times the events
# statement writes (moment_sql); changes_page sets it back.
BOUND_SQL = f"""
SELECT set_config('TimeZone', %s, false), least(
    (SELECT min(((l.classid::bigint << 32) | l.objid::bigint) - {FEED_LOCK_BASE})
     FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.objsubid = 1
       AND l.pid <> pg_backend_pid()  -- a reader's own events are visible to it
       AND l.classid >= {FEED_LOCK_BASE >> 32}
       AND l.classid < {(FEED_LOCK_BASE >> 32) + 256}
       AND l.database = (SELECT oid FROM pg_database
                         WHERE datname = current_database())),
    (SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END
     FROM enterprises_changeevent_id_seq))
"""  # noqa: S608  (constants only)


ZONE_SQL = "SELECT set_config('TimeZone', %s, false)"
# U+2028 and U+2029 in UTF-8.
LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")


def parse_cursor(raw: str | None) -> int:
    """The event id a cursor stands for (none or empty: the start), or a 400."""
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_CURSOR_DIGITS):
        raise exceptions.ValidationError(
            {
                "since": [
                    _(
                        "Not a cursor of this feed: give the `cursor` of a previous "
                        "page, or nothing to start from the beginning."
                    )
                ]
            }
        )
    return int(raw)


# --- Python's part -----------------------------------------------------------------


class Logos:
    """Logo addresses as the API's detail writes them (its serializer field, bound
    to the request: on the request's host), each as JSON."""

    def __init__(self, context: dict, encode: Callable[[Any], str]) -> None:
        _special, column = value_sql()
        self.name = COLUMN_FIELDS[column]
        self.model_field = Enterprise._meta.get_field(self.name)
        parent = serializers.Serializer(context=context)
        self.field = copy.deepcopy(EnterpriseSerializer().fields[self.name])
        self.field.bind(self.name, parent)
        self.encode = encode

    def put(self, event: bytes, stored: bytes) -> bytes:
        """``event`` (written with its ``data`` last) with the logo ``stored``."""
        name = stored.decode()
        url = self.field.to_representation(FieldFile(None, self.model_field, name))
        head = event.removesuffix(b"}}")
        separator = "" if head.endswith(b"{") else ","
        value = self.encode(url)
        return head + f'{separator}"{self.name}":{value}}}}}'.encode()


class RawText(Loader):
    """Text from PostgreSQL as it comes (UTF-8 bytes): the events' JSON goes out
    as it was written, never decoded and encoded again."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


class Fields:
    """The changed fields of events as the reader may see them, as JSON: written
    once for each list of changed columns and variant (a page holds few)."""

    def __init__(self, sets: list[frozenset]) -> None:
        self.names = [
            {column: name for column, name in COLUMN_FIELDS.items() if name in shown}
            for shown in sets
        ]
        self.written: dict[tuple[bytes, int], bytes] = {}

    def __call__(self, columns: bytes, variant: int) -> bytes:
        key = (columns, variant)
        text = self.written.get(key)
        if text is None:
            names = self.names[variant - 1]
            shown = [names[c] for c in json.loads(columns) if c in names]
            text = self.written[key] = json.dumps(shown, separators=(",", ":")).encode()
        return text


class Page:
    """A page of the feed already written as JSON (``FeedRenderer``)."""

    def __init__(self, events: list[bytes], head: dict[str, Any]) -> None:
        self.events, self.head = events, head


class FeedRenderer(JSONRenderer):
    """DRF's JSON renderer (the API's, with its settings), which sends the events
    as PostgreSQL wrote them, within a page written as DRF writes it."""

    @classmethod
    def encoder(cls) -> Callable[[Any], str]:
        return cls.encoder_class(
            ensure_ascii=cls.ensure_ascii,
            allow_nan=not cls.strict,
            separators=SHORT_SEPARATORS if cls.compact else LONG_SEPARATORS,
        ).encode

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, Page):
            return super().render(data, accepted_media_type, renderer_context)
        head = self.encoder()(data.head)[1:].encode()
        body = b"".join((b'{"results":[', b",".join(data.events), b"],", head))
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            # Indented on request (``Accept: application/json; indent=2``).
            return super().render(
                json.loads(body), accepted_media_type, renderer_context
            )
        # As DRF's: \u2028 and \u2029 escaped (JSON as a strict JavaScript subset).
        # One pass over the page finds whether there are any (a page is megabytes).
        if LINE_SEPARATORS.search(body):
            for character in ("\u2028", "\u2029"):
                body = body.replace(
                    character.encode(), character.encode("unicode_escape")
                )
        return body


def bound_cursor(connection) -> CursorWrapper:
    """A cursor of ``connection`` binding its parameters on the server (Django's
    bind them in the statement's text), so that psycopg prepares its statements
    once per connection where the settings allow (``prepare_threshold``, not
    behind PgBouncer): a page's statement is long and the same for every page of
    a tier, its parsing and planning a few milliseconds each time. Counted as any
    cursor's statements (``CaptureQueriesContext``, the debug log)."""
    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def changes_page(
    user, since: int, limit: int, context: dict
) -> tuple[list[bytes], int, bool]:
    """The events after ``since`` that ``user`` may see (from at most ``limit``
    read), each written as JSON, the cursor to go on from, and whether more may
    follow at once."""
    statement, sets = events_sql(Viewer(user))
    # As bigints (else a small one binds as smallint: another prepared statement).
    params = {"since": Int8(since), "limit": Int8(limit)}
    connection = connections[router.db_for_write(ChangeEvent)]
    zone = [connection.timezone_name]
    with bound_cursor(connection) as cursor:
        # First: see the module's docstring.
        cursor.execute(BOUND_SQL, [timezone.get_current_timezone_name()])
        params["bound"] = Int8(cursor.fetchone()[1])
        cursor.cursor.adapters.register_loader("text", RawText)
        try:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        except DatabaseError:
            # A failed transaction sets the time zone back itself.
            with suppress(DatabaseError):
                cursor.execute(ZONE_SQL, zone)
            raise
        cursor.execute(ZONE_SQL, zone)
    rows.sort(key=itemgetter(0))  # as read: sorted already (see events_sql)
    fields = Fields(sets)
    logos = None
    events = []
    for _event_id, head, columns, variant, tail, logo in rows:
        if head is None:
            continue
        if columns is None:  # written whole (a delete, a merge, every column)
            events.append(head)
            continue
        event = head + fields(columns, variant) + tail
        if logo:
            logos = logos or Logos(context, FeedRenderer.encoder())
            event = logos.put(event, logo)
        events.append(event)
    last = rows[-1][0] if rows else since
    return events, last, len(rows) == limit


# --- The API ---------------------------------------------------------------------

EVENT_SCHEMA = {
    "type": "object",
    "required": ["cursor", "type", "enterprise", "at", "fields", "data"],
    "properties": {
        "cursor": {"type": "string"},
        "type": {"type": "string", "enum": [k.value for k in Kind]},
        "enterprise": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "fields": {"type": "array", "items": {"type": "string"}},
        "data": {"type": "object", "nullable": True},
        "removed": {"type": "array", "items": {"type": "string"}},
    },
}
PAGE_SCHEMA = {
    "type": "object",
    "required": ["results", "cursor", "next", "more"],
    "properties": {
        "results": {"type": "array", "items": EVENT_SCHEMA},
        "cursor": {"type": "string"},
        "next": {"type": "string", "format": "uri"},
        "more": {"type": "boolean"},
    },
}


class ChangeFeedView(APIView):
    """The change feed (see the module's docstring)."""

    http_method_names = ["get", "head", "options"]
    renderer_classes = [FeedRenderer]

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "string", "pattern": r"^[0-9]{0,18}$"},
                description=gettext_lazy(
                    "The cursor of the previous page (nothing: from the start)."
                ),
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                description=gettext_lazy("Events read per page, at most 1,000."),
            ),
        ],
        responses={200: PAGE_SCHEMA},
    )
    def get(self, request: Request) -> Response:
        """Every create, update (with the changed fields), merge, unpublish and
        delete of enterprises, in order, as the reader's tier may see them.
        Follow ``next`` (or send ``cursor`` as ``since``); ``more`` says whether
        more events are waiting now."""
        since = parse_cursor(request.query_params.get("since"))
        limit = MAX_PAGE
        raw = request.query_params.get("page_size")
        if raw is not None:
            if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE):
                raise exceptions.ValidationError(
                    {
                        "page_size": [
                            _("Give a whole number from %(low)s to %(high)s.")
                            % {"low": 1, "high": MAX_PAGE}
                        ]
                    }
                )
            limit = int(raw)
        context = {"request": request}
        events, last, more = changes_page(request.user, since, limit, context)
        url = replace_query_param(request.build_absolute_uri(), "since", last)
        return Response(Page(events, {"cursor": str(last), "next": url, "more": more}))
