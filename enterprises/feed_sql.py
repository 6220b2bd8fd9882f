"""The change feed's statement (``enterprises.feed``): the SQL that writes a page
of events as a reader may see them, made from the access policy's SQL
(``Viewer.sees_sql``, ``Viewer.fields_sql``), the field registry and the API's
serializer fields. See ``enterprises.feed`` for what a reader is shown."""

from __future__ import annotations

import json
import re
from functools import cache

from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField, RelatedField
from rest_framework.settings import ISO_8601, api_settings

from enterprises.api import EnterpriseSerializer
from enterprises.fields import BY_NAME
from enterprises.models import ChangeEvent, Enterprise
from enterprises.permissions import Viewer

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

# The columns of a create (the triggers write the whole row: the registered
# columns, when no other is in the table), sorted as the triggers sort them.
_EVERY = ",".join(sorted(c for c in COLUMN_FIELDS if c != "clusters"))
ARRAY_OF_EVERY_COLUMN = (
    f"ARRAY(SELECT k FROM unnest('{{{_EVERY}}}'::varchar[]) k ORDER BY k)"  # noqa: E501, S608  (identifiers)
)


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
    # An event of every column (a create, a publish, a restore: most of a page
    # of them) is written whole here, its changed fields too: by variant, the
    # names of the columns it shows, in the order the triggers sort the columns
    # (the database's collation), each list once for the statement (InitPlans).
    # Of any other (or with a logo) Python writes the changed fields (Fields).
    listed = []
    for shown_set in sets:
        pairs = [
            f"('{c}', '{n}')"
            for c, n in COLUMN_FIELDS.items()
            if c != "clusters" and n in shown_set
        ]
        names = "string_agg('\"' || f.name || '\"', ',' ORDER BY f.col)"
        table = f"(VALUES {', '.join(pairs)}) f(col, name)"
        listed.append(
            f"(SELECT '[' || {names} || ']' FROM {table})" if pairs else "'[]'"  # noqa: S608
        )
    whole = "c.whole AND p.logo IS NULL"
    statement = f"""
SELECT c.id,
    CASE WHEN NOT (c.before OR c.after) THEN NULL
         WHEN NOT c.after THEN {gone}
         WHEN c.variant IS NULL OR {quiet} THEN NULL
         WHEN {whole} THEN {shown} || {_case("c.variant", listed)} || {tail}
         ELSE {shown} END,
    CASE WHEN c.after AND NOT ({whole}) THEN array_to_json(c.fields)::text END,
    c.variant,
    CASE WHEN NOT ({whole}) THEN {tail} END,
    p.logo
FROM (
    SELECT c.*, s.before, s.after,
        CASE WHEN s.after AND {now} THEN {variant} END AS variant,
        c.fields = (SELECT {ARRAY_OF_EVERY_COLUMN}) AS whole
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
"""  # noqa: S608  (identifiers from the model, values bound)
    # In id order as read (a nested loop over the page's events): no ORDER BY,
    # whose sort would copy every written event; changes_page orders the rows.
    return statement, sets


def _case_when(cases: list[tuple[str, str]]) -> str:
    """The value of the first condition that holds (the last always does)."""
    if len(cases) == 1:
        return cases[0][1]
    whens = " ".join(
        f"WHEN {condition} THEN {value}" for condition, value in cases[:-1]
    )
    return f"CASE {whens} ELSE {cases[-1][1]} END"
