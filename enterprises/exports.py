"""Exports: any enterprise result set (or a whole section) in the columns of its
import template, so an export re-imports unchanged. Rows are read with a server-side
cursor and written as they come: constant memory whatever the size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from directory.tabular import csv_chunks, xlsx_chunks
from enterprises.choices import Visibility
from enterprises.import_columns import SECTIONS, choice_label
from enterprises.models import Enterprise
from enterprises.visibility import ALL_FIELDS, viewer_tier, visible_fields

FETCH_CHUNK = 2000
CHOICE_FIELDS = {
    "registration_status",
    "datum",
    "employee_band",
    "revenue_band",
    "contact_visibility",
}
MULTI_CHOICE_FIELDS = {"business_models", "sectors", "export_markets"}
BOOL_FIELDS = {"uscc_check_override", "is_exporter", "published"}
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


def _yes_no(value: bool) -> str:
    english = (get_language() or "").startswith("en")
    if value:
        return "yes" if english else "是"
    return "no" if english else "否"


def enterprise_rows(queryset: QuerySet[Enterprise], user: Any) -> Iterator[list[Any]]:
    """Rows for enterprises, in template order, with the viewer's visibility tier
    applied (a field the viewer may not see is left empty)."""
    columns = [c.field for c in SECTIONS["enterprises"].columns]
    db_fields = [
        "region_id" if f == "region" else f for f in columns if f != "clusters"
    ]
    slugs = RawSQL(CLUSTER_SLUGS_SQL, [])  # noqa: S611 - constant SQL
    rows = (
        queryset.annotate(cluster_slugs=slugs)
        .order_by("id")
        .values_list(*db_fields, "cluster_slugs")
        .iterator(chunk_size=FETCH_CHUNK)
    )
    is_member: set[int] = set()
    if user.is_authenticated and not user.is_staff:
        is_member = set(user.memberships.values_list("enterprise_id", flat=True))
    tier_default = viewer_tier(user)
    tier_member = viewer_tier(user, is_member=True)
    visibility_cache: dict[tuple[str, str], frozenset] = {}
    positions = {name: i for i, name in enumerate(db_fields)}
    contact_pos = positions["contact_visibility"]
    labels: dict[tuple[str, str], str] = {}

    def label(name: str, code: str) -> str:
        key = (name, code)
        if key not in labels:
            labels[key] = choice_label(name, code)
        return labels[key]

    for record in rows:
        tier = tier_member if record[0] in is_member else tier_default
        key = (tier, record[contact_pos])
        if key not in visibility_cache:
            visibility_cache[key] = visible_fields(tier, record[contact_pos])
        visible = visibility_cache[key] | {"region"}
        out: list[Any] = []
        for name in columns:
            if name == "clusters":
                value: Any = ";".join(record[-1] or [])
            else:
                value = record[positions["region_id" if name == "region" else name]]
                if name in CHOICE_FIELDS:
                    value = label(name, value) if value else ""
                elif name in MULTI_CHOICE_FIELDS:
                    value = ";".join(label(name, v) for v in value or [])
                elif name == "former_names":
                    value = ";".join(value or [])
                elif name in BOOL_FIELDS:
                    value = _yes_no(bool(value))
            if name not in visible and (name in ALL_FIELDS or tier != Visibility.STAFF):
                value = ""
            out.append(value)
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
        if queryset is None:
            queryset = Enterprise.objects.visible_to(user)
        return enterprise_rows(queryset, user)
    return section_rows(kind)


def export_chunks(
    kind: str, fmt: str, user: Any, queryset: QuerySet | None = None
) -> Iterator[bytes]:
    """The export as byte chunks (CSV with BOM, or XLSX)."""
    rows = rows_for(kind, user, queryset)
    if fmt == "xlsx":
        return xlsx_chunks(header(kind), rows, title=kind)
    return csv_chunks(header(kind), rows)
