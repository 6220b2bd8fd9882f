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
events and writes each one the reader may see as JSON: the stored values cut to
the reader's fields by the jsonb ``-`` operator, the fields of each tier and
contact visibility coming from the access policy (``Viewer.fields_sql``, built on
``visible_fields`` and so on the field registry), who sees which entry from
``Viewer.sees_sql``; the values the API writes differently from their stored JSON
(times, decimals, the renamed key columns) converted by SQL made from the API's
serializer fields (:func:`value_sql`). Python joins the events as they come and
DRF sends them without parsing them; only a logo's address is written in Python
(by the serializer's field, on the request's host) and put into its event.
Within ``data``, the JSON is PostgreSQL's (a space after ``:`` and ``,``).

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
from functools import cache
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from rest_framework import exceptions, serializers
from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.relations import PrimaryKeyRelatedField, RelatedField
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from enterprises.api import EnterpriseSerializer
from enterprises.fields import BY_NAME
from enterprises.models import ChangeEvent, Enterprise
from enterprises.permissions import Viewer

MAX_PAGE = 1000
MAX_CURSOR_DIGITS = 18  # below 2**63
# As the migration that writes the triggers (0005_change_feed).
FEED_LOCK_BASE = 0x464545 << 40
Kind = ChangeEvent.Kind
# The columns of the enterprise row by field name, and fields that are not columns
# the triggers carry (the cluster list).
COLUMN_FIELDS = {
    f.column: f.name
    for f in Enterprise._meta.concrete_fields
    if f.name in BY_NAME and f.column
}
COLUMN_FIELDS["clusters"] = "clusters"
CONTACT_VALUES = ("contact_phone", "contact_email")
# Changed with every save: an update of nothing else a reader sees shows nothing.
TOUCHED = "updated_at"
# Written into the statements as they are: identifiers only.
if not all(
    re.fullmatch(r"[a-z_][a-z0-9_]*", name)
    for item in COLUMN_FIELDS.items()
    for name in item
):
    raise ValueError("A column or field name of the change feed is no identifier.")

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


# --- The statement -----------------------------------------------------------------


def moment_sql(expr: str) -> str:
    """SQL of the timestamptz ``expr`` as DRF's DateTimeField writes it (ISO 8601
    in the current time zone, a fraction only when it is not zero, ``Z`` for
    UTC), in a session whose ``TimeZone`` is the request's (``changes_page``)."""
    return (
        f"replace(replace(to_char({expr}, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'),"
        " '.000000', ''), '+00:00', 'Z')"
    )


def _unsupported(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"The change feed cannot write the API's {name} in SQL: teach value_sql."
    )


@cache
def value_sql() -> tuple[dict[str, str], str]:
    """Once per process, from the API's serializer fields: the SQL writing the
    JSON of each column's value as the API does, over the stored values
    ``r.raw`` (NULL: the event does not carry the column); and the logo's column,
    whose address is written in Python (``Logos``). A field the API writes some
    other way is refused here (and so by the tests), never sent as stored."""
    fields = EnterpriseSerializer().fields
    values: dict[str, str] = {}
    logo = ""
    for column, name in COLUMN_FIELDS.items():
        field = fields[name]
        text = f"(r.raw ->> '{column}')"
        if isinstance(field, serializers.FileField):
            if logo:
                raise _unsupported(name)
            logo = column
            # An empty one is null (an address is put in by Python).
            values[column] = (
                f"CASE WHEN r.raw ? '{column}' AND coalesce({text}, '') = ''"
                " THEN 'null' END"
            )
            continue
        if isinstance(field, serializers.DateTimeField):
            written = getattr(field, "format", api_settings.DATETIME_FORMAT)
            if str(written).lower() != ISO_8601 or hasattr(field, "timezone"):
                raise _unsupported(name)
            value = f"'\"' || {moment_sql(text + '::timestamptz')} || '\"'"
        elif isinstance(field, serializers.DecimalField):
            as_text = getattr(
                field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING
            )
            if not as_text or field.localize or field.normalize_output:
                raise _unsupported(name)
            # The column's scale is the field's: the stored digits as they are.
            places = int(field.decimal_places)
            value = f"'\"' || round({text}::numeric, {places}) || '\"'"
        elif isinstance(field, RelatedField) and not isinstance(
            field, PrimaryKeyRelatedField
        ):
            raise _unsupported(name)
        else:
            # As stored (a key column's id, under its field's name).
            values[column] = f"(r.raw -> '{column}')::text"
            continue
        values[column] = (
            f"CASE WHEN r.raw ? '{column}' THEN coalesce({value}, 'null') END"
        )
    if not logo:
        raise _unsupported("logo")
    return values, logo


def _among(variant: str, among: list[int], everywhere: int, sql: str) -> str:
    """``sql`` for the variants ``among`` (of ``everywhere``), else NULL."""
    if len(among) == everywhere:
        return sql
    return f"CASE WHEN {variant} IN ({', '.join(map(str, among))}) THEN {sql} END"


def _case(variant: str, values: list[str]) -> str:
    """One of ``values`` by the 1-based ``variant`` (an SQL integer)."""
    whens = " ".join(f"WHEN {n} THEN {v}" for n, v in enumerate(values[:-1], 1))
    return f"CASE {variant} {whens} ELSE {values[-1]} END" if whens else values[0]


def events_sql(viewer: Viewer) -> tuple[str, list[frozenset]]:
    """The statement writing a page of events as ``viewer`` may see them (see the
    module's docstring), and the sets of fields its variants stand for. A row per
    event read, in order: its JSON (NULL: not shown) up to its list of changed
    fields; the changed columns (NULL: none to write) and the variant; the rest of
    its JSON (``data`` last); its logo's stored name (when shown and not empty)."""
    sees = viewer.sees_sql
    entry, merged = "c.enterprise_id", "c.merged_into_id IS NOT NULL"
    before = _case(
        "c.kind_rank",
        [
            "FALSE",  # a create or restore: nobody saw the entry before
            sees(entry, published="FALSE", merged="FALSE"),  # published
            sees(entry, published="TRUE", merged="FALSE"),  # unpublished
            sees(entry, published="c.published", merged="FALSE"),  # merged away
            sees(entry, published="c.published", merged=merged),
        ],
    )
    after = f"c.kind <> '{Kind.DELETE}' AND " + sees(
        entry, published="c.published", merged=merged
    )
    now = "c.now_published IS NOT NULL AND " + sees(
        entry, published="c.now_published", merged="c.now_merged IS NOT NULL"
    )
    # The fields the reader sees of the entry, by the policy: a variant each.
    cases = viewer.fields_sql(entry, "c.contact_visibility")
    sets = list(dict.fromkeys(shown for _condition, shown in cases))
    variant = _case_when(
        [(condition, str(sets.index(shown) + 1)) for condition, shown in cases]
    )
    seen_in = {
        column: [n for n, shown in enumerate(sets, 1) if name in shown]
        for column, name in COLUMN_FIELDS.items()
    }
    values, logo = value_sql()
    pieces, touched = [], "NULL"
    for column, name in COLUMN_FIELDS.items():
        if not seen_in[column]:
            continue
        piece = _among(
            "c.variant",
            seen_in[column],
            len(sets),
            f"',\"{name}\":' || {values[column]}",
        )
        if name == TOUCHED:
            touched = piece
        else:
            pieces.append(piece)
    logo_name = (
        _among("c.variant", seen_in[logo], len(sets), f"nullif(r.raw ->> '{logo}', '')")
        if seen_in[logo]
        else "NULL"
    )
    removed = [
        "'"
        + json.dumps([n for n in CONTACT_VALUES if n not in shown]).replace(" ", "")
        + "'"
        for shown in sets
    ]
    head = (
        '\'{"cursor":"\' || c.id || \'","enterprise":\' || c.enterprise_id'
        f' || \',"at":"\' || {moment_sql("c.created_at")} || \'","type":\' || '
    )
    gone = head + (
        f'CASE WHEN c.kind = \'{Kind.MERGE}\' THEN \'"{Kind.MERGE}","fields":[],'
        '"data":{"merged_into":\' || coalesce(c.merged_into_id::text, \'null\')'
        f' || \'}}}}\' ELSE \'"{Kind.DELETE}","fields":[],"data":null}}\' END'
    )
    kind = (
        f"to_json(CASE WHEN c.before THEN c.kind WHEN c.kind = '{Kind.RESTORE}'"
        f" THEN '{Kind.RESTORE}' ELSE '{Kind.CREATE}' END)::text"
    )
    # The changed fields go between (Python writes them once per page and
    # variant for each list of changed columns: ``Fields``).
    shown = head + f"{kind} || ',\"fields\":'"
    tail = (
        "coalesce(',\"removed\":' || p.removed, '') || ',\"data\":{'"
        " || substr(p.rest || coalesce(p.touched, ''), 2) || '}}'"
    )
    quiet = (
        "c.before AND p.rest = '' AND p.logo IS NULL"
        " AND coalesce(p.removed, '[]') = '[]'"
    )
    kind_rank = (
        f"CASE c.kind WHEN '{Kind.CREATE}' THEN 1 WHEN '{Kind.RESTORE}' THEN 1"
        f" WHEN '{Kind.PUBLISH}' THEN 2 WHEN '{Kind.UNPUBLISH}' THEN 3"
        f" WHEN '{Kind.MERGE}' THEN 4 ELSE 5 END"
    )
    statement = f"""
SELECT c.id,
    CASE WHEN NOT (c.before OR c.after) THEN NULL
         WHEN NOT c.after THEN {gone}
         WHEN c.variant IS NULL OR {quiet} THEN NULL
         ELSE {shown} END,
    CASE WHEN c.after THEN array_to_json(c.fields)::text END,
    c.variant,
    {tail},
    p.logo
FROM (
    SELECT c.*, s.before, s.after,
        CASE WHEN s.after AND {now} THEN {variant} END AS variant
    FROM (
        SELECT c.id, c.enterprise_id, c.kind, c.fields, c.data, c.published,
            c.contact_visibility, c.merged_into_id, c.created_at,
            e.published AS now_published, e.merged_into_id AS now_merged,
            {kind_rank} AS kind_rank
        FROM enterprises_changeevent c
        LEFT JOIN enterprises_enterprise e ON e.id = c.enterprise_id
        WHERE c.id > %(since)s AND c.id < %(bound)s
        ORDER BY c.id
        LIMIT %(limit)s
    ) c
    CROSS JOIN LATERAL (SELECT {before} AS before, {after} AS after OFFSET 0) s
    OFFSET 0
) c
LEFT JOIN LATERAL (
    SELECT concat({", ".join(pieces)}) AS rest, {touched} AS touched,
        {logo_name} AS logo,
        CASE WHEN c.before AND 'contact_visibility' = ANY(c.fields)
             THEN {_case("c.variant", removed)} END AS removed
    -- Decompressed once (|| of an empty object returns it as it is).
    FROM (SELECT c.data || '{{}}'::jsonb AS raw WHERE c.variant IS NOT NULL OFFSET 0) r
    OFFSET 0  -- each value worked out once, however often used below
) p ON TRUE
ORDER BY c.id
"""  # noqa: S608  (identifiers from the model, values bound)
    return statement, sets


def _case_when(cases: list[tuple[str, str]]) -> str:
    """The value of the first condition that holds (the last always does)."""
    if len(cases) == 1:
        return cases[0][1]
    whens = " ".join(
        f"WHEN {condition} THEN {value}" for condition, value in cases[:-1]
    )
    return f"CASE {whens} ELSE {cases[-1][1]} END"


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
        for character in ("\u2028", "\u2029"):
            raw = character.encode()
            if raw in body:
                body = body.replace(raw, character.encode("unicode_escape"))
        return body


def changes_page(
    user, since: int, limit: int, context: dict
) -> tuple[list[bytes], int, bool]:
    """The events after ``since`` that ``user`` may see (from at most ``limit``
    read), each written as JSON, the cursor to go on from, and whether more may
    follow at once."""
    statement, sets = events_sql(Viewer(user))
    params = {"since": since, "limit": limit}
    connection = connections[router.db_for_write(ChangeEvent)]
    zone = [connection.timezone_name]
    with connection.cursor() as cursor:
        # First: see the module's docstring.
        cursor.execute(BOUND_SQL, [timezone.get_current_timezone_name()])
        params["bound"] = cursor.fetchone()[1]
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
    fields = Fields(sets)
    logos = None
    events = []
    for _event_id, head, columns, variant, tail, logo in rows:
        if head is None:
            continue
        if columns is None:  # a delete or merge: written whole
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
