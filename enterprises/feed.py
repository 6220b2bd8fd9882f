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

import datetime as dt
import json
from typing import Any

from django.db import connections, models, router
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.request import Request
from rest_framework.response import Response
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
AS_SERIALIZED = (models.DecimalField, models.DateTimeField, models.FileField)

BOUND_SQL = f"""
SELECT least(
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

EVENTS_SQL = """
SELECT id, enterprise_id, kind, fields, data, published, contact_visibility,
       merged_into_id, created_at
FROM enterprises_changeevent
WHERE id > %s AND id < %s
ORDER BY id
LIMIT %s
"""


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


def read_events(since: int, limit: int) -> list[tuple]:
    """Up to ``limit`` events after ``since`` that no late committer can precede."""
    with connections[router.db_for_write(ChangeEvent)].cursor() as cursor:
        cursor.execute(BOUND_SQL)  # first: see the class docstring
        (bound,) = cursor.fetchone()
        cursor.execute(EVENTS_SQL, [since, bound, limit])
        return cursor.fetchall()


class Renderer:
    """Column values of an event as the API's detail shows them."""

    def __init__(self, context: dict) -> None:
        serializer = EnterpriseSerializer(context=context)
        self.fields = serializer.fields
        self.model_fields = {
            name: Enterprise._meta.get_field(name) for name in COLUMN_FIELDS.values()
        }
        # Fields whose JSON value is already what the API shows (text, numbers,
        # booleans, lists, dates, ids); the others go through the serializer.
        self.as_is = {
            name
            for name, f in self.model_fields.items()
            if name == "clusters"
            or not isinstance(f, AS_SERIALIZED)
            and not (f.is_relation and isinstance(self.fields[name], RelatedField))
        }

        self.zone = timezone.get_current_timezone()

    def moment(self, value: dt.datetime) -> str:
        """A time as DRF's DateTimeField writes it (ISO 8601, local time)."""
        text = value.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def value(self, name: str, raw: Any) -> Any:
        if raw is None or name in self.as_is:
            return raw
        field = self.fields[name]
        if isinstance(field, serializers.DateTimeField):
            return self.moment(dt.datetime.fromisoformat(raw))
        model_field = self.model_fields[name]
        if model_field.is_relation:
            value = PKOnlyObject(pk=raw) if isinstance(field, RelatedField) else raw
        elif name == "logo":
            value = FieldFile(None, model_field, raw)
        else:
            value = model_field.to_python(raw)
        return field.to_representation(value)


def shape(
    viewer: Viewer, renderer: Renderer, row: tuple, visible_now: bool
) -> dict[str, Any] | None:
    """One event as ``viewer`` may see it, or None. ``visible_now``: whether the
    reader may see the entry today; if not, only the event that took it out of
    the reader's sight is shown (as a delete or merge), never values."""
    event_id, eid, kind, fields, data, published, contacts, merged_into, at = row
    merged = merged_into is not None
    after = kind != Kind.DELETE and viewer.sees(eid, published=published, merged=merged)
    if kind in (Kind.CREATE, Kind.RESTORE):
        before = False
    elif kind in (Kind.PUBLISH, Kind.UNPUBLISH):
        before = viewer.sees(eid, published=kind == Kind.UNPUBLISH, merged=False)
    elif kind == Kind.MERGE:
        before = viewer.sees(eid, published=published, merged=False)
    else:
        before = viewer.sees(eid, published=published, merged=merged)
    if not before and not after:
        return None
    shown = viewer.fields_of(eid, contacts)
    event: dict[str, Any] = {
        "cursor": str(event_id),
        "enterprise": eid,
        "at": renderer.moment(at),
    }
    if before and not after:
        event["type"] = "merge" if kind == Kind.MERGE else "delete"
        event["fields"] = []
        event["data"] = {"merged_into": merged_into} if kind == Kind.MERGE else None
        return event
    if not visible_now:
        return None  # since unpublished, merged or deleted: its delete follows
    # Django reads jsonb as text (and decodes it itself).
    loaded = json.loads(data) if isinstance(data, str) else data or {}
    values = {COLUMN_FIELDS[c]: v for c, v in loaded.items() if c in COLUMN_FIELDS}
    visible = {n: v for n, v in values.items() if n in shown}
    changed = [COLUMN_FIELDS[c] for c in fields if COLUMN_FIELDS.get(c) in shown]
    if before and set(visible) <= {"updated_at"}:
        return None  # only fields this reader may not see changed
    if before:
        event["type"] = kind
    else:  # a merge undone says so; a publish is a create to who saw nothing
        event["type"] = Kind.RESTORE if kind == Kind.RESTORE else Kind.CREATE
    event["fields"] = changed
    event["data"] = {n: renderer.value(n, v) for n, v in visible.items()}
    if before and "contact_visibility" in fields:
        # Contacts hidden from this reader now: drop them from its copy.
        event["removed"] = [n for n in CONTACT_VALUES if n not in shown]
    return event


def changes_page(
    user, since: int, limit: int, context: dict
) -> tuple[list[dict[str, Any]], int, bool]:
    """The events after ``since`` that ``user`` may see (from at most ``limit``
    read), the cursor to go on from, and whether more may follow at once."""
    rows = read_events(since, limit)
    viewer = Viewer(user)
    renderer = Renderer(context)
    now = {
        pk: viewer.sees(pk, published=published, merged=merged is not None)
        for pk, published, merged in Enterprise.objects.filter(
            pk__in={row[1] for row in rows}
        ).values_list("pk", "published", "merged_into_id")
    }
    events = [
        e
        for row in rows
        if (e := shape(viewer, renderer, row, now.get(row[1], False))) is not None
    ]
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
        return Response(
            {"results": events, "cursor": str(last), "next": url, "more": more}
        )
