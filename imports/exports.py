"""Exports: any enterprise result set (or a whole section) in the columns of its
import template, so an export re-imports unchanged. Rows are read with a server-side
cursor and written as they come: constant memory whatever the size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Any

from django.db import models
from django.db.models import QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from core.readahead import read_ahead
from core.sheetwriter import DATE, NUMBER, TEXT
from core.tabular import csv_chunks, xlsx_chunks
from enterprises.choices import Visibility
from enterprises.models import Enterprise
from enterprises.permissions import (
    ALL_FIELDS,
    Viewer,
    visible_enterprises,
    visible_fields,
)
from imports.cells import choice_label
from imports.columns import SECTIONS, cell_kind

FETCH_CHUNK = 2000
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
CLUSTER_SLUGS_SQL = (
    "ARRAY(SELECT c.slug FROM enterprises_enterprise_clusters ec "
    "JOIN clusters_cluster c ON c.id = ec.cluster_id "
    "WHERE ec.enterprise_id = enterprises_enterprise.id ORDER BY c.slug)"
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


def enterprise_rows(queryset: QuerySet[Enterprise], user: Any) -> Iterator[list[Any]]:
    """Rows for enterprises, in template order, with the viewer's visibility tier
    applied (a field the viewer may not see is left empty).

    Per row this is one C-level `itemgetter` over the fetched tuple (a hidden field
    reads a constant empty column) plus a formatter for the few coded columns: the
    per-cell work is decided once per (tier, contact visibility), not per row."""
    columns = [c.field for c in SECTIONS["enterprises"].columns]
    db_fields = [
        "region_id" if f == "region" else f for f in columns if f != "clusters"
    ]
    slugs = RawSQL(CLUSTER_SLUGS_SQL, [])  # noqa: S611 - constant SQL
    query = (
        queryset.annotate(cluster_slugs=slugs, export_blank=Value(""))
        .order_by("id")
        .values_list(*db_fields, "cluster_slugs", "export_blank")
    )
    viewer = Viewer(user)
    viewer.member_ids  # noqa: B018 - read before the second thread starts
    # Read on a second thread (no query of this one's may run while it reads).
    rows = read_ahead(lambda: query.iterator(chunk_size=FETCH_CHUNK), batch=FETCH_CHUNK)
    positions = {name: i for i, name in enumerate(db_fields)}
    positions["region"] = positions["region_id"]
    positions["clusters"] = len(db_fields)
    blank = len(db_fields) + 1
    contact_pos = positions["contact_visibility"]
    # Evaluated on the first row, in the language active while the export streams
    # (as the labels were before).
    yes_no: dict[bool, str] = {}

    def labels(name: str) -> Callable[[Any], str]:
        cache: dict[str, str] = {}

        def one(code: Any) -> str:
            if not code:
                return ""
            try:
                return cache[code]
            except KeyError:
                cache[code] = label = choice_label(name, code)
                return label

        return one

    formatter: dict[str, Callable[[Any], str]] = {}
    for name in CHOICE_FIELDS:
        formatter[name] = labels(name)
    for name in MULTI_CHOICE_FIELDS:
        one = labels(name)
        formatter[name] = lambda v, one=one: ";".join(map(one, v)) if v else ""
    for name in LIST_FIELDS:
        formatter[name] = lambda v: ";".join(v) if v else ""
    for name in BOOL_FIELDS:
        formatter[name] = lambda v: yes_no[bool(v)]

    plans: dict[tuple[str, str], tuple[Callable, list]] = {}

    def plan_for(tier: str, contact: str) -> tuple[Callable, list]:
        visible = visible_fields(tier, contact) | {"region"}
        picks, fixes = [], []
        for i, name in enumerate(columns):
            if name not in visible and (name in ALL_FIELDS or tier != Visibility.STAFF):
                picks.append(blank)
            else:
                picks.append(positions[name])
                if name in formatter:
                    fixes.append((i, formatter[name]))
        return itemgetter(*picks), fixes

    for record in rows:
        if not yes_no:
            yes_no.update({True: _yes_no(True), False: _yes_no(False)})
        key = (viewer.tier(record[0]), record[contact_pos])
        try:
            getter, fixes = plans[key]
        except KeyError:
            getter, fixes = plans[key] = plan_for(*key)
        out = list(getter(record))
        for i, fix in fixes:
            out[i] = fix(out[i])
        yield out


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


def rows_for(kind: str, user: Any, queryset: QuerySet | None = None):
    if kind == "enterprises":
        queryset = visible_enterprises(user, queryset)
        return enterprise_rows(queryset, user)
    return section_rows(kind)


def export_chunks(
    kind: str, fmt: str, user: Any, queryset: QuerySet | None = None
) -> Iterator[bytes]:
    """The export as byte chunks (CSV with BOM, or XLSX)."""
    rows = rows_for(kind, user, queryset)
    if fmt == "xlsx":
        return xlsx_chunks(header(kind), rows, title=kind, kinds=column_kinds(kind))
    return csv_chunks(header(kind), rows)
