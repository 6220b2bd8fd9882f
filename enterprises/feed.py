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

import copy
import datetime as dt
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import connections, models, router
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.renderers import JSONRenderer
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
Converter = Callable[[Any], Any]

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

# Each event with the state of its entry now (published, merged into; NULL when
# deleted): whether the reader may see the entry today.
EVENTS_SQL = """
SELECT c.id, c.enterprise_id, c.kind, c.fields, c.data, c.published,
       c.contact_visibility, c.merged_into_id, c.created_at,
       e.published, e.merged_into_id
FROM enterprises_changeevent c
LEFT JOIN enterprises_enterprise e ON e.id = c.enterprise_id
WHERE c.id > %s AND c.id < %s
ORDER BY c.id
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


@cache
def column_serializing() -> tuple[dict[str, models.Field], dict[str, Any]]:
    """Once per process: the model field of each column the feed carries, and the
    API detail's serializer field of each whose JSON value is not already what
    the API shows (decimals, times, files, related entries)."""
    model_fields = {
        name: Enterprise._meta.get_field(name) for name in COLUMN_FIELDS.values()
    }
    fields = EnterpriseSerializer().fields
    converted = {
        name: fields[name]
        for name, f in model_fields.items()
        if name != "clusters"
        and (
            isinstance(f, AS_SERIALIZED)
            or f.is_relation
            and isinstance(fields[name], RelatedField)
        )
    }
    return model_fields, converted


class Renderer:
    """Column values of an event as the API's detail shows them."""

    def __init__(self, context: dict) -> None:
        self.model_fields, templates = column_serializing()
        # The serializer's fields that write values, bound to this request's
        # context (a file's address is absolute, on the request's host).
        parent = serializers.Serializer(context=context)
        self.fields = {}
        for name, template in templates.items():
            self.fields[name] = field = copy.deepcopy(template)
            field.bind(name, parent)
        self.zone = timezone.get_current_timezone()
        self.plans: dict[frozenset, dict[str, tuple[str, Converter | None]]] = {}

    def moment(self, value: dt.datetime) -> str:
        """A time as DRF's DateTimeField writes it (ISO 8601, local time)."""
        text = value.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def converter(self, name: str) -> Converter | None:
        """How a field's JSON value (not NULL) becomes the API's; None: as it is."""
        field = self.fields.get(name)
        if field is None:
            return None
        if isinstance(field, serializers.DateTimeField):
            return lambda raw: self.moment(dt.datetime.fromisoformat(raw))
        model_field = self.model_fields[name]
        if model_field.is_relation:
            if isinstance(field, RelatedField):
                return lambda raw: field.to_representation(PKOnlyObject(pk=raw))
            return field.to_representation
        if name == "logo":
            return lambda raw: field.to_representation(
                FieldFile(None, model_field, raw)
            )
        return lambda raw: field.to_representation(model_field.to_python(raw))

    def plan(self, shown: frozenset) -> dict[str, tuple[str, Converter | None]]:
        """For the fields ``shown`` (a set the access policy gives, one per tier
        and contact visibility, so worked out once per page): each visible
        column's field name and converter."""
        plan = self.plans.get(shown)
        if plan is None:
            plan = self.plans[shown] = {
                column: (name, self.converter(name))
                for column, name in COLUMN_FIELDS.items()
                if name in shown
            }
        return plan


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
    shown = viewer.fields_of(eid, contacts)
    plan = renderer.plan(shown)
    # Django reads jsonb as text (and decodes it itself).
    loaded = json.loads(data) if isinstance(data, str) else data or {}
    values: dict[str, Any] = {}
    for column, raw in loaded.items():
        step = plan.get(column)
        if step is not None:
            name, convert = step
            values[name] = raw if convert is None or raw is None else convert(raw)
    removed = None
    if before and "contact_visibility" in fields:
        # Contacts hidden from this reader now: drop them from its copy.
        removed = [n for n in CONTACT_VALUES if n not in shown]
    if before and values.keys() <= {"updated_at"} and not removed:
        return None  # only fields this reader may not see changed
    if before:
        event["type"] = kind
    else:  # a merge undone says so; a publish is a create to who saw nothing
        event["type"] = Kind.RESTORE if kind == Kind.RESTORE else Kind.CREATE
    event["fields"] = [plan[c][0] for c in fields if c in plan]
    event["data"] = values
    if removed is not None:
        event["removed"] = removed
    return event


class Page:
    """A page of the feed already written as JSON (``FeedRenderer``)."""

    def __init__(self, events: list[str], head: dict[str, Any]) -> None:
        self.events, self.head = events, head


class FeedRenderer(JSONRenderer):
    """DRF's JSON renderer (the API's, with its settings), which writes each event
    as soon as it is shaped: a page of 1,000 events is never one big structure,
    and the JSON of a page is the same as DRF writes."""

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
        head = self.encoder()(data.head)
        text = '{"results":[' + ",".join(data.events) + "]," + head[1:]
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            # Indented on request (``Accept: application/json; indent=2``).
            return super().render(
                json.loads(text), accepted_media_type, renderer_context
            )
        # As DRF's: \u2028 and \u2029 escaped (JSON as a strict JavaScript subset).
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def changes_page(
    user, since: int, limit: int, context: dict
) -> tuple[list[str], int, bool]:
    """The events after ``since`` that ``user`` may see (from at most ``limit``
    read), each written as JSON, the cursor to go on from, and whether more may
    follow at once. Rows are shaped and written one at a time, as they come."""
    viewer = Viewer(user)
    renderer = Renderer(context)
    encode = FeedRenderer.encoder()
    events: list[str] = []
    last, read = since, 0
    with connections[router.db_for_write(ChangeEvent)].cursor() as cursor:
        cursor.execute(BOUND_SQL)  # first: see the module's docstring
        (bound,) = cursor.fetchone()
        cursor.execute(EVENTS_SQL, [since, bound, limit])
        for row in cursor:
            read += 1
            last, eid, now_published, now_merged = row[0], row[1], row[9], row[10]
            visible_now = now_published is not None and viewer.sees(
                eid, published=now_published, merged=now_merged is not None
            )
            event = shape(viewer, renderer, row[:9], visible_now)
            if event is not None:
                events.append(encode(event))
    return events, last, read == limit


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
