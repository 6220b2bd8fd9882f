"""Planning an import: each row of a file becomes a create, an update (with the
changed fields), unchanged, skip (a likely duplicate not confirmed) or an error.

The same planning runs for the dry run and, again, inside the apply's transaction
(the data may have changed in between), so what is applied is exactly what a dry run
of the file against the current data reports. Enterprises are matched by the ID
column, else by USCC; clusters, colleges and markets by slug.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models.expressions import RawSQL

from clusters.models import Cluster
from core.messages import coded
from core.tabular import Table, TabularError, read_table
from enterprises.merging import redirect_merged_rows
from enterprises.models import Enterprise
from enterprises.names import name_key, sort_keys
from enterprises.services import jsonable
from enterprises.uscc import uscc_warning
from imports.cleaning import RowCleaner
from imports.columns import SECTIONS, Section, looks_like_header, match_header
from imports.rows import (
    ACTIONS,
    REPORT_LIMIT,
    ImportRefused,
    Options,
    RowPlan,
    Summary,
    row_messages,
)

__all__ = [
    "ACTIONS",
    "REPORT_LIMIT",
    "ImportRefused",
    "Options",
    "RowPlan",
    "Summary",
    "row_messages",
]

DEFAULT_MAX_BYTES = 50_000_000
CHUNK = 1000


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def open_table(
    data: bytes, kind: str, sheet: str = ""
) -> tuple[Table, list[str | None]]:
    """Read a file and check its header (the first row that looks like one, on
    the first sheet that has one, or on `sheet`); raises TabularError."""
    section = SECTIONS[kind]
    table = read_table(
        data,
        max_bytes=max_bytes(),
        is_header=lambda cells: looks_like_header(cells, section.columns),
        sheet=sheet,
    )
    fields, unknown, missing = match_header(table.header, section.columns)
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(coded("unknown_columns", cols=unknown[:10]))
        if missing:
            parts.append(coded("missing_columns", cols=[c.header for c in missing]))
        problems = coded("two_problems", first=parts[0], second=parts[1])
        raise TabularError(
            coded("header_mismatch", problems=problems if len(parts) == 2 else parts[0])
        )
    seen: set[str] = set()
    for name in fields:
        if name and name in seen:
            raise TabularError(coded("column_twice", col=name))
        if name:
            seen.add(name)
    return table, fields


def row_chunks(
    table: Table, fields: list[str | None]
) -> Iterator[list[tuple[int, dict]]]:
    chunk: list[tuple[int, dict]] = []
    for number, cells in table.rows:
        data = {
            name: cells[i] if i < len(cells) else ""
            for i, name in enumerate(fields)
            if name
        }
        if len(cells) > len(fields) and any(cells[len(fields) :]):
            data["__extra__"] = "1"
        chunk.append((number, data))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def clean_rows(
    cleaner: RowCleaner, chunk: list[tuple[int, dict]]
) -> list[tuple[RowPlan, dict]]:
    out = []
    for number, data in chunk:
        extra = data.pop("__extra__", None)
        values, errors = cleaner.clean(data)
        if extra:
            errors.append(coded("extra_cells"))
        plan = RowPlan(
            row=number,
            action="error" if errors else "",
            label=data.get("name") or data.get("slug") or data.get("uscc") or "",
            errors=errors,
        )
        out.append((plan, values))
    return out


def row_name_key(plan: RowPlan, values: dict) -> str:
    """The key of a row's name: worked out by a worker process, or now."""
    return plan.ahead["key"] if plan.ahead else name_key(values.get("name", ""))


def row_sort_keys(plan: RowPlan, values: dict) -> tuple[str, str]:
    """The sort keys of a new row's names (`enterprises.names.sort_keys`, pinyin:
    a third of the Python time of applying a large file when the apply's own
    process made them): worked out by a worker process, or now."""
    if plan.ahead and plan.ahead.get("sort"):
        chinese, english = plan.ahead["sort"]
        return chinese, english
    return sort_keys(values.get("name", ""), values.get("name_en", ""))


def _any(values: set[Any], sql_type: str) -> RawSQL:
    """`IN` a set given as one array parameter: a thousand placeholders cost more
    to build and send than the query takes."""
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [list(values)])  # noqa: S611


class EnterprisePlanner:
    """Plans enterprise rows chunk by chunk, remembering what earlier rows of the
    file claimed (USCCs, IDs, names per county)."""

    def __init__(self, fields: list[str], options: Options) -> None:
        self.fields = [f for f in fields if f != "id"]
        self.options = options
        self.cleaner = RowCleaner(SECTIONS["enterprises"], fields)
        # The model's rules across fields that read a field the file has no
        # column for are checked here, on the entry as the row leaves it (the row
        # form checks the others).
        self.rule_gaps = not set(Enterprise.RULE_FIELDS) <= set(self.fields)
        self.blank = Enterprise()
        self.seen_uscc: dict[str, int] = {}
        self.seen_ids: dict[int, int] = {}
        self.file_names: dict[tuple[str, str], tuple[int, str]] = {}
        # Entries this import has created (the apply's writer fills it): never
        # matched, so each chunk is planned as the dry run planned it, whether or
        # not the writing of earlier chunks has reached the database yet.
        self.created: set[int] = set()

    def prefetch(self, cleaned: list[tuple[RowPlan, dict]]) -> Any:
        """What planning a chunk reads from the database (entries by ID and USCC,
        entries by name key and county), so that `plan` itself runs no query."""
        redirect_merged_rows([v for p, v in cleaned if not p.errors])
        ids = {v["id"] for p, v in cleaned if not p.errors and v.get("id")}
        usccs = {v["uscc"] for p, v in cleaned if not p.errors and v.get("uscc")}
        fetch = Enterprise.objects.defer("search_vector", "facets")
        if "clusters" in self.fields:
            fetch = fetch.prefetch_related("clusters")
        created = self.created
        # Whole entries for the rows that may update one (by ID, else by USCC),
        # each fetched once; for the other USCCs only who holds them.
        unnamed = {
            v["uscc"]
            for p, v in cleaned
            if not p.errors and v.get("uscc") and not v.get("id")
        }
        # Two queries: one with an OR of the two sets scans the whole table.
        found: dict[int, Enterprise] = {}
        if ids:
            found.update((e.pk, e) for e in fetch.filter(pk__in=_any(ids, "integer")))
        if unnamed:
            found.update(
                (e.pk, e)
                for e in fetch.filter(uscc__in=_any(unnamed, "text"))
                if e.pk not in found
            )
        entries = [e for pk, e in found.items() if pk not in created]
        by_id = {e.pk: e for e in entries if e.pk in ids}
        by_uscc = {e.uscc: e for e in entries if e.uscc}
        holders = usccs - by_uscc.keys()
        if holders:
            for code, pk, name in Enterprise.objects.filter(
                uscc__in=_any(holders, "text")
            ).values_list("uscc", "id", "name"):
                if pk not in created:
                    by_uscc[code] = Enterprise(pk=pk, uscc=code, name=name)
        keys = {
            (key, v["region"])
            for p, v in cleaned
            if not p.errors and v.get("region") and (key := row_name_key(p, v))
        }
        by_name: dict[tuple[str, str], tuple[int, str]] = {}
        if keys:
            found = (
                Enterprise.objects.filter(
                    name_key__in=_any({key for key, _r in keys}, "text")
                )
                .order_by("id")
                .values_list("name_key", "region_id", "id", "name")
            )
            for key, region, pk, name in found:
                if (key, region) in keys and pk not in created:
                    by_name.setdefault((key, region), (pk, name))
        return by_id, by_uscc, by_name

    def plan(
        self, cleaned: list[tuple[RowPlan, dict]], prefetched: Any = None
    ) -> list[RowPlan]:
        by_id, by_uscc, by_name = prefetched or self.prefetch(cleaned)
        plans = []
        for plan, values in cleaned:
            if not plan.errors:
                self._decide(plan, values, by_id, by_uscc, by_name)
            plans.append(plan)
        return plans

    def _decide(
        self, plan: RowPlan, values: dict, by_id: dict, by_uscc: dict, by_name: dict
    ) -> None:
        values = {k: v for k, v in values.items() if k in self.fields or k == "id"}
        pk = values.pop("id", None)
        uscc = values.get("uscc")
        plan.label = values.get("name") or plan.label
        existing: Enterprise | None = None
        if pk:
            existing = by_id.get(pk)
            if existing is None:
                plan.errors.append(coded("no_such_id", id=pk))
            elif pk in self.seen_ids:
                plan.errors.append(coded("id_twice", row=self.seen_ids[pk], id=pk))
            owner = by_uscc.get(uscc) if uscc else None
            if existing and owner and owner.pk != existing.pk:
                plan.errors.append(coded("uscc_of_another", uscc=uscc, id=owner.pk))
                plan.duplicate = {"kind": "uscc", "id": owner.pk, "name": owner.name}
        elif uscc:
            existing = by_uscc.get(uscc)
        if uscc and uscc in self.seen_uscc:
            plan.errors.append(coded("uscc_twice", row=self.seen_uscc[uscc], uscc=uscc))
            plan.duplicate = {"kind": "uscc", "row": self.seen_uscc[uscc]}
        if self.rule_gaps and not plan.errors:
            base = existing if existing is not None else self.blank
            plan.errors += self.cleaner.rule_errors(
                {
                    f: values[f] if f in values else getattr(base, f)
                    for f in Enterprise.RULE_FIELDS
                }
            )
        if plan.errors:
            plan.action = "error"
            return
        if uscc:
            self.seen_uscc[uscc] = plan.row
        if existing is not None:
            self.seen_ids[existing.pk] = plan.row
        # USCC check character: a warning staff may accept.
        override = values.get(
            "uscc_check_override",
            existing.uscc_check_override if existing is not None else False,
        )
        if uscc and not override:
            warning = plan.ahead["check"] if plan.ahead else uscc_warning(uscc)
            if warning:
                plan.warnings.append(warning)
                if self.options.accepts(plan.row):
                    values["uscc_check_override"] = True
                    plan.index = None  # made without the override: made again
        if existing is not None and not pk:
            self._check_name(plan, values, existing)
        plan.values = values
        if existing is None:
            self._plan_create(plan, values, by_name)
        else:
            self._plan_update(plan, values, existing)

    def _check_name(self, plan: RowPlan, values: dict, existing: Enterprise) -> None:
        """A row matched by its USCC alone that names another company is a likely
        duplicate (a wrong code, or a different firm): a warning to accept for
        the row, never a silent rename."""
        name = values.get("name")
        if not name or name == existing.name or not existing.name:
            return
        plan.warnings.append(
            coded(
                "uscc_name_mismatch",
                uscc=existing.uscc,
                id=existing.pk,
                old=existing.name,
                new=name,
            )
        )
        plan.duplicate = {"kind": "renamed", "id": existing.pk, "name": existing.name}

    def _plan_create(self, plan: RowPlan, values: dict, by_name: dict) -> None:
        plan.action = "create"
        region = values.get("region", "")
        key = row_name_key(plan, values)
        if key and region:
            other = by_name.get((key, region))
            if other is not None:
                plan.duplicate = {"kind": "name", "id": other[0], "name": other[1]}
            elif (region, key) in self.file_names:
                row, name = self.file_names[(region, key)]
                plan.duplicate = {"kind": "name", "row": row, "name": name}
            else:
                self.file_names[(region, key)] = (plan.row, values.get("name", ""))
        if plan.duplicate and not (
            self.options.create_all_duplicates or plan.row in self.options.confirm_rows
        ):
            plan.action = "skip"
        if plan.ahead:
            changes = {f: [None, v] for f, v in plan.ahead["json"].items()}
            if values.get("uscc_check_override"):  # accepted warning
                changes["uscc_check_override"] = [None, True]
            plan.changes = changes
            return
        plan.changes = {
            f: [None, jsonable(v)]
            for f, v in values.items()
            if v not in (None, "", [], False)
        }

    def _plan_update(self, plan: RowPlan, values: dict, existing: Enterprise) -> None:
        plan.target = existing.pk
        changes = {}
        known = plan.ahead["json"] if plan.ahead else {}
        for name, new in values.items():
            old = _current(existing, name)
            new_json = known[name] if name in known else jsonable(new)
            if old != new_json:
                changes[name] = [old, new_json]
        plan.changes = changes
        plan.values = {k: values[k] for k in changes}
        plan.action = "update" if changes else "unchanged"


def _current(enterprise: Enterprise, name: str) -> Any:
    if name == "clusters":
        return sorted(c.slug for c in enterprise.clusters.all())
    if name == "region":
        return enterprise.region_id
    return jsonable(getattr(enterprise, name))


class GenericPlanner:
    """Clusters, colleges and markets, matched by slug."""

    def __init__(self, section: Section, fields: list[str], options: Options) -> None:
        self.section = section
        self.fields = fields
        self.cleaner = RowCleaner(section, fields)
        self.seen: dict[str, int] = {}
        self.cluster_ids = dict(Cluster.objects.values_list("slug", "id"))

    def db_values(self, values: dict) -> dict[str, Any]:
        out = {}
        for name, value in values.items():
            if name == "region":
                out["region_id"] = value
            elif name == "cluster":
                out["cluster_id"] = self.cluster_ids.get(value) if value else None
            else:
                out[name] = value
        return out

    def prefetch(self, cleaned: list[tuple[RowPlan, dict]]) -> Any:
        return None

    def plan(
        self, cleaned: list[tuple[RowPlan, dict]], prefetched: Any = None
    ) -> list[RowPlan]:
        slugs = {v["slug"] for p, v in cleaned if not p.errors}
        existing = {
            o.slug: o for o in self.section.model.objects.filter(slug__in=slugs)
        }
        plans = []
        for plan, values in cleaned:
            plans.append(plan)
            if plan.errors:
                continue
            slug = values["slug"]
            if slug in self.seen:
                plan.errors.append(coded("slug_twice", row=self.seen[slug], slug=slug))
                plan.duplicate = {"kind": "slug", "row": self.seen[slug]}
                plan.action = "error"
                continue
            self.seen[slug] = plan.row
            db = self.db_values(values)
            obj = existing.get(slug)
            if obj is None:
                plan.action = "create"
                plan.values = db
                plan.changes = {
                    k: [None, jsonable(v)] for k, v in db.items() if v not in (None, "")
                }
                continue
            plan.target = obj.pk
            changes = {}
            for name, new in db.items():
                old = jsonable(getattr(obj, name))
                if old != jsonable(new):
                    changes[name] = [old, jsonable(new)]
            plan.changes = changes
            plan.values = {k: db[k] for k in changes}
            plan.action = "update" if changes else "unchanged"
        return plans
