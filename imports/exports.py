"""Exports: any enterprise result set (or a whole section) in the columns of its
import template, so an export re-imports unchanged, followed for enterprises by
read-only columns (``enterprises.fields.EXPORT_COLUMNS``: city and county names,
certifications with their validity, designations, programmes) in the reader's
language, which an import skips. Staff may choose the columns. Rows are read with a
server-side cursor and written as they come: constant memory whatever the size, and
a fixed number of queries per chunk of rows, whatever the related rows (aggregated
in SQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from typing import Any

from django.db import connections, models
from django.db.models import QuerySet, Value
from django.utils.translation import get_language

from core.readahead import read_ahead
from core.regions import region_names
from core.sheetwriter import DATE, NUMBER, TEXT
from core.tabular import csv_chunks, xlsx_chunks
from enterprises.choices import Certification, Visibility
from enterprises.fields import BY_NAME, EXPORT_COLUMNS, Tier
from enterprises.models import Enterprise
from enterprises.permissions import (
    Viewer,
    visible_enterprises,
    visible_export_columns,
    visible_fields,
)
from imports.cells import choice_label
from imports.columns import SECTIONS, cell_kind
from imports.exportlog import counted, export_record_start, notes_sheet

FETCH_CHUNK = 2000
# A chunk whose ids span less than this many times its rows reads the related rows
# of its id range (see `_with_related`).
DENSE_SPAN = 4
# How each enterprise column is written, by the kind of its cells (as the import
# reads them back: `imports.columns.cell_kind`).
_CELL_KINDS = {
    c.field: cell_kind(Enterprise._meta.get_field(c.field))
    for c in SECTIONS["enterprises"].columns
    if c.field != "id"
}
CHOICE_FIELDS = {f for f, kind in _CELL_KINDS.items() if kind == "choice"}
MULTI_CHOICE_FIELDS = {f for f, kind in _CELL_KINDS.items() if kind == "choices"}
LIST_FIELDS = {f for f, kind in _CELL_KINDS.items() if kind in ("list", "clusters")}
BOOL_FIELDS = {f for f, kind in _CELL_KINDS.items() if kind == "yes_no"}
# The cluster slugs of a chunk's entries (see `_with_related`).
CLUSTER_SLUGS_SQL = (
    "SELECT ec.enterprise_id, array_agg(c.slug ORDER BY c.slug) "
    "FROM enterprises_enterprise_clusters ec "
    "JOIN clusters_cluster c ON c.id = ec.cluster_id "
    "WHERE ec.enterprise_id = ANY(%s) GROUP BY ec.enterprise_id"
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def header(kind: str) -> list[str]:
    return [c.header for c in SECTIONS[kind].columns]


def column_kinds(kind: str) -> list[str]:
    """How each column of a section is written to XLSX, from its model field:
    numbers as numbers, dates as dates, everything else (codes, phones, labels,
    lists) as text in a text-formatted column."""
    section = SECTIONS[kind]
    opts = section.model._meta
    out = []
    for column in section.columns:
        try:
            field = opts.get_field(column.field)
        except models.FieldDoesNotExist:
            out.append(TEXT)
            continue
        if (
            field.is_relation
            or field.choices
            or isinstance(field, models.DateTimeField)
        ):
            out.append(TEXT)
        elif isinstance(field, models.DateField):
            out.append(DATE)
        elif isinstance(
            field,
            models.IntegerField
            | models.DecimalField
            | models.FloatField
            | models.AutoField,
        ):
            out.append(NUMBER)
        else:
            out.append(TEXT)
    return out


def _yes_no(value: bool) -> str:
    english = (get_language() or "").startswith("en")
    if value:
        return "yes" if english else "是"
    return "no" if english else "否"


# --- Enterprise columns -------------------------------------------------------------


@dataclass(frozen=True)
class ExportField:
    """One column an enterprise export can hold: an import column (``field`` of
    the registry) or a read-only one."""

    name: str
    zh: str
    en: str
    kind: str
    read_only: bool
    tier: Tier

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def label(self) -> str:
        """The column's name in the active language (for the column choice)."""
        return self.en if (get_language() or "").startswith("en") else self.zh


def _export_fields() -> tuple[ExportField, ...]:
    columns = SECTIONS["enterprises"].columns
    kinds = column_kinds("enterprises")
    return (
        *(
            ExportField(c.field, c.zh, c.en, kind, False, BY_NAME[c.field].tier)
            for c, kind in zip(columns, kinds, strict=True)
        ),
        *(ExportField(c.name, c.zh, c.en, TEXT, True, c.tier) for c in EXPORT_COLUMNS),
    )


EXPORT_FIELDS = _export_fields()
EXPORT_BY_NAME = {f.name: f for f in EXPORT_FIELDS}
DEFAULT_COLUMNS = tuple(f.name for f in EXPORT_FIELDS)


def choosable_columns(user: Any) -> list[ExportField]:
    """The columns ``user`` may choose: those their tier sees on an entry that
    publishes its phone and e-mail (on the others the contact columns stay
    empty), in export order."""
    tier = Viewer(user).base_tier
    shown = visible_fields(tier, Visibility.PUBLIC) | visible_export_columns(
        tier, Visibility.PUBLIC
    )
    return [f for f in EXPORT_FIELDS if f.name in shown]


def _sql_text(alias: str, column: str) -> str:
    """A bilingual text column in the active language (English falling back to
    Chinese), as ``core.models.bilingual`` picks it."""
    if (get_language() or "").startswith("en"):
        return f"coalesce(nullif({alias}.{column}_en, ''), {alias}.{column})"
    return f"{alias}.{column}"


def _sql_span(first: str, last: str) -> str:
    """``(first–last)`` of two dates, ``''`` when both are missing."""
    return (
        f"CASE WHEN {first} IS NULL AND {last} IS NULL THEN '' ELSE "
        f"coalesce(to_char({first}, 'YYYY-MM-DD'), '') || '–' || "
        f"coalesce(to_char({last}, 'YYYY-MM-DD'), '') END"
    )


def _related_sql(name: str) -> tuple[str, list]:
    """The SQL (and parameters, but the last: the chunk's enterprise ids) of a
    read-only column of related rows: (enterprise id, one text of its rows joined
    by "; ") in the active language. Constant SQL (table and column names);
    labels are bound parameters."""
    if name == "certification_list":
        table = Enterprise._meta.get_field("certifications").related_model
        labels = list(Certification.choices)
        cases = " ".join("WHEN %s THEN %s" for _code in labels)
        span = _sql_span("c.valid_from", "c.valid_until")
        sql = (
            "SELECT c.enterprise_id, string_agg("  # noqa: S608 - constant SQL
            f"CASE c.scheme {cases} ELSE c.scheme END || "
            f"CASE WHEN ({span}) = '' THEN '' ELSE ' (' || ({span}) || ')' END, "
            f"'; ' ORDER BY c.scheme) FROM {table._meta.db_table} c "
            "WHERE c.enterprise_id = ANY(%s) GROUP BY c.enterprise_id"
        )
        return sql, [str(v) for pair in labels for v in pair]
    if name == "designation_list":
        table = Enterprise._meta.get_field("designations").related_model
        body = f"nullif({_sql_text('d', 'awarding_body')}, '')"
        span = f"nullif({_sql_span('d.awarded_on', 'd.next_review_on')}, '')"
        sql = (
            "SELECT d.enterprise_id, string_agg("  # noqa: S608 - constant SQL
            f"{_sql_text('d', 'title')} || coalesce(' (' || "
            f"nullif(concat_ws(', ', {body}, {span}), '') || ')', ''), '; ' "
            "ORDER BY d.awarded_on DESC NULLS LAST, d.title) "
            f"FROM {table._meta.db_table} d WHERE d.enterprise_id = ANY(%s) "
            "GROUP BY d.enterprise_id"
        )
        return sql, []
    if name == "programme_list":
        participation = Enterprise._meta.get_field("participations").related_model
        programme = participation._meta.get_field("programme").related_model
        event = participation._meta.get_field("event").related_model
        sql = (
            "SELECT p.enterprise_id, string_agg("  # noqa: S608 - constant SQL
            f"{_sql_text('g', 'name')} || ' ' || p.year || "
            f"coalesce(' (' || {_sql_text('v', 'name')} || ')', ''), '; ' "
            "ORDER BY p.year DESC, g.slug, v.slug) "
            f"FROM {participation._meta.db_table} p "
            f"JOIN {programme._meta.db_table} g ON g.id = p.programme_id "
            f"LEFT JOIN {event._meta.db_table} v ON v.id = p.event_id "
            "WHERE p.enterprise_id = ANY(%s) GROUP BY p.enterprise_id"
        )
        return sql, []
    raise ValueError(name)


def _with_related(
    rows: Iterator[tuple], using: str, queries: list[tuple[str, list]]
) -> Iterator[tuple]:
    """``rows`` (the entry's id first, in id order), each followed by the values
    of ``queries`` for it: one query each per chunk of rows, whatever the number
    of related rows. A chunk of nearly consecutive ids (a whole table, a broad
    search) reads the related rows of its id range, one index range (a subquery
    per row, or a lookup per id, costs two index pages per entry); a sparse one
    looks its ids up."""
    connection = connections[using]
    ranged = [(sql.replace("= ANY(%s)", "BETWEEN %s AND %s"), p) for sql, p in queries]
    while chunk := list(islice(rows, FETCH_CHUNK)):
        ids = [record[0] for record in chunk]
        dense = ids[-1] - ids[0] < DENSE_SPAN * len(ids)
        values: list[dict] = []
        with connection.cursor() as cursor:
            for sql, params in ranged if dense else queries:
                tail = [ids[0], ids[-1]] if dense else [ids]
                cursor.execute(sql, [*params, *tail])
                values.append(dict(cursor.fetchall()))
        for record in chunk:
            key = record[0]
            yield record + tuple([found.get(key) for found in values])


RELATED_COLUMNS = ("certification_list", "designation_list", "programme_list")


def _yes_no(value: bool) -> str:
    english = (get_language() or "").startswith("en")
    if value:
        return "yes" if english else "是"
    return "no" if english else "否"


def _labels(name: str) -> Callable[[Any], str]:
    """A choice field's code -> label, read when called (in the reader's
    language)."""
    field = Enterprise._meta.get_field(name)
    choices = getattr(field, "base_field", field).choices or ()
    cache = {str(code): choice_label(name, str(code)) for code, _label in choices}

    def one(code: Any) -> str:
        return cache.get(code, code) if code else ""

    return one


def enterprise_rows(
    queryset: QuerySet[Enterprise],
    user: Any,
    columns: Sequence[str] = DEFAULT_COLUMNS,
) -> Iterator[list[Any]]:
    """Rows for enterprises, in the order of ``columns``, with the viewer's
    visibility tier applied (a field the viewer may not see is left empty).

    Everything that depends on the language (labels, names, the SQL of the
    related rows) is decided here, when called, in the active language; the
    returned iterator may run later. Per row this is one C-level `itemgetter` over
    the fetched tuple (a hidden field reads a constant empty column) plus a
    formatter for the few coded columns: the per-cell work is decided once per
    (tier, contact visibility), not per row."""
    names = [c.field for c in SECTIONS["enterprises"].columns]
    db_fields = ["region_id" if f == "region" else f for f in names if f != "clusters"]
    db_fields.append("city_id")
    related = [name for name in RELATED_COLUMNS if name in columns]
    queries = [(CLUSTER_SLUGS_SQL, []), *(_related_sql(name) for name in related)]
    query = (
        queryset.annotate(export_blank=Value(""))
        .order_by("id")
        .values_list(*db_fields, "export_blank")
    )
    selected = [*db_fields, "export_blank", "cluster_slugs", *related]
    positions = {name: i for i, name in enumerate(selected)}
    positions["region"] = positions["county_name"] = positions["region_id"]
    positions["city_name"] = positions["city_id"]
    positions["clusters"] = positions["cluster_slugs"]
    blank = positions["export_blank"]
    contact_pos = positions["contact_visibility"]

    regions = region_names()
    formatter: dict[str, Callable[[Any], Any]] = {
        "city_name": lambda code: regions.get(code, ""),
        "county_name": lambda code: regions.get(code, ""),
    }
    for name in CHOICE_FIELDS:
        formatter[name] = _labels(name)
    for name in MULTI_CHOICE_FIELDS:
        one = _labels(name)
        formatter[name] = lambda v, one=one: ";".join(map(one, v)) if v else ""
    for name in LIST_FIELDS:
        formatter[name] = lambda v: ";".join(v) if v else ""
    yes_no = {True: _yes_no(True), False: _yes_no(False)}
    for name in BOOL_FIELDS:
        formatter[name] = lambda v: yes_no[bool(v)]

    viewer = Viewer(user)
    viewer.member_ids  # noqa: B018 - read before the second thread starts
    plans: dict[tuple[str, str], tuple[Callable, list]] = {}

    def plan_for(tier: str, contact: str) -> tuple[Callable, list]:
        visible = (
            visible_fields(tier, contact)
            | visible_export_columns(tier, contact)
            | {"region"}
        )
        picks, fixes = [], []
        for i, name in enumerate(columns):
            if name not in visible:
                picks.append(blank)
            else:
                picks.append(positions[name])
                if name in formatter:
                    fixes.append((i, formatter[name]))
        if len(picks) == 1:  # itemgetter of one item returns the item itself
            pick = picks[0]
            return (lambda record: (record[pick],)), fixes
        return itemgetter(*picks), fixes

    def rows() -> Iterator[list[Any]]:
        # Read on a second thread (no query of this one's may run while it reads).
        records = read_ahead(
            lambda: _with_related(
                query.iterator(chunk_size=FETCH_CHUNK), query.db, queries
            ),
            batch=FETCH_CHUNK,
            using=query.db,
        )
        for record in records:
            key = (viewer.tier(record[0]), record[contact_pos])
            try:
                getter, fixes = plans[key]
            except KeyError:
                getter, fixes = plans[key] = plan_for(*key)
            out = list(getter(record))
            for i, fix in fixes:
                out[i] = fix(out[i])
            yield out

    return rows()


def section_rows(kind: str) -> Iterator[list[Any]]:
    """Rows for clusters, colleges or markets (staff data, all public)."""
    section = SECTIONS[kind]
    model = section.model
    queryset = model.objects.order_by("slug")
    if kind == "markets":
        queryset = queryset.select_related("cluster")
    for obj in queryset.iterator(chunk_size=FETCH_CHUNK):
        out: list[Any] = []
        for column in section.columns:
            name = column.field
            if name == "region":
                value: Any = obj.region_id
            elif name == "cluster":
                value = obj.cluster.slug if obj.cluster_id else ""
            elif name == "sectors":
                value = ";".join(choice_label("sectors", s) for s in obj.sectors or [])
            elif name == "kind":
                value = choice_label("college_kind", obj.kind)
            else:
                value = getattr(obj, name)
            out.append(value)
        yield out


def rows_for(
    kind: str,
    user: Any,
    queryset: QuerySet | None = None,
    columns: Sequence[str] = DEFAULT_COLUMNS,
):
    if kind == "enterprises":
        queryset = visible_enterprises(user, queryset)
        return enterprise_rows(queryset, user, columns)
    return section_rows(kind)


def export_chunks(
    kind: str,
    fmt: str,
    user: Any,
    queryset: QuerySet | None = None,
    *,
    columns: Sequence[str] | None = None,
    filters: dict[str, list[str]] | None = None,
) -> Iterator[bytes]:
    """The export as byte chunks (CSV with BOM, or XLSX), recorded
    (`ExportRecord`, with ``filters``: the search's parameters). Enterprise
    ``columns`` are names of `EXPORT_FIELDS` (default: all), in export order. Built
    in the active language (the reader's); the XLSX has a notes sheet (the
    filters, who, when, the rows). A CSV holds nothing but the header and the
    rows (a note above the header would stop it re-importing): its filters are in
    the record."""
    if kind == "enterprises":
        chosen = set(columns or DEFAULT_COLUMNS)
        fields = [f for f in EXPORT_FIELDS if f.name in chosen]
        names = [f.name for f in fields]
        head = [f.header for f in fields]
        kinds = [f.kind for f in fields]
        read_only = [f.header for f in fields if f.read_only]
    else:
        names, head, kinds, read_only = [], header(kind), column_kinds(kind), []
    record = export_record_start(
        actor=user, kind=kind, fmt=fmt, filters=filters or {}, columns=names
    )
    rows = rows_for(kind, user, queryset, names)
    if fmt == "xlsx":
        notes, lines = notes_sheet(record=record, user=user, read_only=read_only)
        return xlsx_chunks(
            head,
            counted(rows, record, lines),
            title=kind,
            kinds=kinds,
            extra_sheets=[notes],
        )
    return csv_chunks(head, counted(rows, record, None))
