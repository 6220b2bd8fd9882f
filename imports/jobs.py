"""Importing spreadsheets: a dry run (a plan, per row), an atomic apply, an undo.

The same planning runs for the dry run and, again, inside the apply's transaction
(the data may have changed in between), so what is applied is exactly what a dry run
of the file against the current data reports.

Enterprises are matched by the ID column, else by USCC; other rows create entries.
Creating rows are written in bulk (COPY) with the same values, history records and
search documents `enterprises.services.enterprise_create` gives one entry; updates go
through `enterprises.services.enterprise_update`, so history, provenance and search
stay current. Clusters, colleges and markets are matched by slug.

A running job holds a PostgreSQL advisory lock for its transaction; a job marked as
running whose lock nobody holds has died (a killed worker) and is reported failed;
its transaction was rolled back by PostgreSQL, so nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import pickle
import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, connections, models, transaction
from django.db.models import signals
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clusters.models import Cluster
from core.models import Region
from core.pgcopy import copy_row, copy_value
from core.tabular import Table, TabularError, read_table
from enterprises.models import ChangeRecord, Enterprise
from enterprises.names import name_key
from enterprises.search.indexing import IndexData, facet_keys, search_document
from enterprises.services import (
    ORIGIN_SOURCE,
    UPDATABLE_FIELDS,
    change_record_revert,
    enterprise_build,
    enterprise_update,
    jsonable,
)
from enterprises.uscc import uscc_warning
from imports.columns import SECTIONS, RowCleaner, Section, match_header
from imports.models import ImportJob

DEFAULT_MAX_BYTES = 50_000_000
CHUNK = 1000
REPORT_LIMIT = 2000  # rows kept in a job's stored report (all problems come first)
LOCK_NAMESPACE = 61711
PARALLEL_MIN_ROWS = 4000
ACTIONS = ("create", "update", "unchanged", "error", "skip")


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


class ImportRefused(Exception):
    """The file or the plan cannot be applied; ``message`` says why."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


# --- Plans ---------------------------------------------------------------------------


@dataclass
class RowPlan:
    row: int
    action: str
    label: str = ""
    target: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    # (search document, facet keys) of the cleaned values, when built ahead (by
    # worker processes, or read from the dry run's prepared rows).
    index: tuple[str, list[str]] | None = field(default=None, repr=False)
    # What planning needs that depends on the row alone, worked out ahead by the
    # worker processes: the non-empty values as JSON ("json"), the name's key
    # ("key") and the USCC check-character warning ("check").
    ahead: dict[str, Any] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "action": self.action}
        for key in ("label", "target", "changes", "errors", "warnings", "duplicate"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    @property
    def is_problem(self) -> bool:
        return bool(self.errors or self.warnings or self.duplicate)


@dataclass
class Options:
    confirm_rows: frozenset[int] = frozenset()  # flagged duplicates to create anyway
    create_all_duplicates: bool = False
    accept_warnings: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Options:
        return cls(
            confirm_rows=frozenset(int(r) for r in data.get("confirm_rows", [])),
            create_all_duplicates=bool(data.get("create_all_duplicates")),
            accept_warnings=bool(data.get("accept_warnings")),
        )


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    problems: list[dict[str, Any]] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def add(self, plan: RowPlan) -> None:
        self.rows += 1
        self.counts[plan.action] = self.counts.get(plan.action, 0) + 1
        for key, present in (
            ("warning", plan.warnings),
            ("duplicate", plan.duplicate),
        ):
            if present:
                self.counts[key] = self.counts.get(key, 0) + 1
        if plan.is_problem:
            if len(self.problems) < REPORT_LIMIT:
                self.problems.append(plan.as_json())
        elif len(self.problems) + len(self.others) < REPORT_LIMIT:
            self.others.append(plan.as_json())

    @property
    def report(self) -> list[dict[str, Any]]:
        return sorted(self.problems + self.others, key=lambda r: r["row"])[
            :REPORT_LIMIT
        ]

    def blocking(self, options: Options) -> str:
        """Why the plan cannot be applied, or ''."""
        if self.counts.get("error"):
            return _(
                "%(n)d row(s) have errors: correct the file and upload it again. "
                "Nothing was changed."
            ) % {"n": self.counts["error"]}
        if self.counts.get("warning") and not options.accept_warnings:
            return _(
                "%(n)d row(s) have USCC check-character warnings: accept them or "
                "correct the file. Nothing was changed."
            ) % {"n": self.counts["warning"]}
        return ""


def open_table(data: bytes, kind: str) -> tuple[Table, list[str | None]]:
    """Read a file and check its header; raises TabularError."""
    section = SECTIONS[kind]
    table = read_table(data, max_bytes=max_bytes())
    fields, unknown, missing = match_header(table.header, section.columns)
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(
                _("unknown columns: %(cols)s") % {"cols": "、".join(unknown[:10])}
            )
        if missing:
            parts.append(
                _("missing columns: %(cols)s")
                % {"cols": "、".join(c.header for c in missing)}
            )
        raise TabularError(
            _(
                "The header row does not match the import template (%(problems)s). "
                "Download the template and keep its first row."
            )
            % {"problems": "; ".join(parts)}
        )
    seen: set[str] = set()
    for name in fields:
        if name and name in seen:
            raise TabularError(
                _("The column “%(col)s” appears twice in the header row.")
                % {"col": name}
            )
        if name:
            seen.add(name)
    return table, fields


def _chunks(table: Table, fields: list[str | None]) -> Iterator[list[tuple[int, dict]]]:
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


def _clean_rows(
    cleaner: RowCleaner, chunk: list[tuple[int, dict]]
) -> list[tuple[RowPlan, dict]]:
    out = []
    for number, data in chunk:
        extra = data.pop("__extra__", None)
        values, errors = cleaner.clean(data)
        if extra:
            errors.append(_("The row has cells beyond the last column of the header."))
        plan = RowPlan(
            row=number,
            action="error" if errors else "",
            label=data.get("name") or data.get("slug") or data.get("uscc") or "",
            errors=errors,
        )
        out.append((plan, values))
    return out


def _row_name_key(plan: RowPlan, values: dict) -> str:
    """The key of a row's name: worked out by a worker process, or now."""
    return plan.ahead["key"] if plan.ahead else name_key(values.get("name", ""))


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
            if not p.errors and v.get("region") and (key := _row_name_key(p, v))
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
                plan.errors.append(
                    _("There is no enterprise with ID %(id)s.") % {"id": pk}
                )
            elif pk in self.seen_ids:
                plan.errors.append(
                    _("Row %(row)d already updates enterprise %(id)s.")
                    % {"row": self.seen_ids[pk], "id": pk}
                )
            owner = by_uscc.get(uscc) if uscc else None
            if existing and owner and owner.pk != existing.pk:
                plan.errors.append(
                    _("USCC %(uscc)s belongs to another enterprise (ID %(id)s).")
                    % {"uscc": uscc, "id": owner.pk}
                )
                plan.duplicate = {"kind": "uscc", "id": owner.pk, "name": owner.name}
        elif uscc:
            existing = by_uscc.get(uscc)
        if uscc and uscc in self.seen_uscc:
            plan.errors.append(
                _("Row %(row)d has the same USCC %(uscc)s.")
                % {"row": self.seen_uscc[uscc], "uscc": uscc}
            )
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
                if self.options.accept_warnings:
                    values["uscc_check_override"] = True
        plan.values = values
        if existing is None:
            self._plan_create(plan, values, by_name)
        else:
            self._plan_update(plan, values, existing)

    def _plan_create(self, plan: RowPlan, values: dict, by_name: dict) -> None:
        plan.action = "create"
        region = values.get("region", "")
        key = _row_name_key(plan, values)
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
                plan.errors.append(
                    _("Row %(row)d has the same slug “%(slug)s”.")
                    % {"row": self.seen[slug], "slug": slug}
                )
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


class IndexBuilder:
    """The search index input of a new enterprise from its field values."""

    def __init__(self) -> None:
        self.regions = {
            code: (name, name_en)
            for code, name, name_en in Region.objects.values_list(
                "code", "name", "name_en"
            )
        }
        self.clusters = {
            c.slug: (c.pk, c.name, c.name_en) for c in Cluster.objects.all()
        }

    def fingerprint(self) -> str:
        """Changes when anything documents or cleaning depend on changes."""
        state = repr((sorted(self.regions.items()), sorted(self.clusters.items())))
        return hashlib.sha256(state.encode()).hexdigest()

    def data(self, values: dict) -> IndexData:
        region = values["region"]
        city = region[:4] + "00"
        places = list(self.regions[region])
        if city != region and city in self.regions:
            places += list(self.regions[city])
        return IndexData(
            name=values.get("name", ""),
            name_en=values.get("name_en", ""),
            short_name=values.get("short_name", ""),
            former_names=list(values.get("former_names") or []),
            uscc=values.get("uscc"),
            products=values.get("products", ""),
            products_en=values.get("products_en", ""),
            processes=values.get("processes", ""),
            sectors=list(values.get("sectors") or []),
            business_models=list(values.get("business_models") or []),
            export_markets=list(values.get("export_markets") or []),
            is_exporter=bool(values.get("is_exporter")),
            employee_band=values.get("employee_band", ""),
            revenue_band=values.get("revenue_band", ""),
            founded_year=values.get("founded_year"),
            city_code=city if city in self.regions else region,
            county_code=region,
            place_names=places,
            address=values.get("address", ""),
            address_en=values.get("address_en", ""),
            clusters=[
                (slug, self.clusters[slug][1], self.clusters[slug][2])
                for slug in sorted(values.get("clusters") or [])
            ],
        )

    def index(self, values: dict) -> tuple[str, list[str]]:
        data = self.data(values)
        return search_document(data), facet_keys(data)


# State of the forked worker processes (set before the fork).
_WORKER: tuple[RowCleaner, IndexBuilder, str] | None = None


def _prepare(chunk: list[tuple[int, dict]]) -> bytes:
    """In a worker process: clean a chunk and build the search documents of its
    valid rows; the chunk pickled, as the dry run stores it (this process, not
    the planning one, spends the time of pickling it)."""
    assert _WORKER is not None  # noqa: S101
    cleaner, builder, language = _WORKER
    with translation.override(language):
        cleaned = _clean_rows(cleaner, chunk)
    for plan, values in cleaned:
        if not plan.errors:
            try:
                plan.index = builder.index(values)
            except Exception:  # noqa: BLE001 - the writer builds it again and reports
                plan.index = None
            uscc = values.get("uscc")
            with translation.override(language):
                check = uscc_warning(uscc) if uscc else None
            plan.ahead = {
                "json": {
                    f: jsonable(v)
                    for f, v in values.items()
                    if f != "id" and v not in (None, "", [], False)
                },
                "key": name_key(values.get("name", "")),
                "check": check,
            }
    return pickle.dumps(cleaned, protocol=pickle.HIGHEST_PROTOCOL)


PREPARED_VERSION = 1


def prepared_path(job: ImportJob) -> Path | None:
    """Where a job's dry run keeps its prepared rows (cleaned values and search
    documents) for the apply, or None when the storage has no local files."""
    try:
        return Path(job.file.path + ".prepared")
    except (NotImplementedError, ValueError):
        return None


class PlanRun:
    """Plan a file chunk by chunk (iterating gives lists of row plans).

    For a large enterprise file two forked processes clean the rows and build the
    search documents (pure Python, most of the time of an import) while this
    process plans. The dry run of a job stores those prepared rows (`prepared`, a
    pickle stream written by this process, keyed by the file's hash, the language
    and the regions and clusters they were made with); the apply of the same file
    reads them instead of cleaning and indexing again, and plans them against the
    data as it is then."""

    def __init__(
        self,
        kind: str,
        table: Table,
        fields: list[str | None],
        options: Options,
        *,
        for_apply: bool = False,
        prepared: Path | None = None,
        sha256: str = "",
    ) -> None:
        present = [f for f in fields if f]
        self.planner: Any
        if kind == "enterprises":
            self.planner = EnterprisePlanner(present, options)
        else:
            self.planner = GenericPlanner(SECTIONS[kind], present, options)
        self.pool = None
        self.store: Any = None
        self.store_path: Path | None = None
        self.source: Iterator[Any]
        chunks = _chunks(table, fields)
        if kind != "enterprises" or table.estimated_rows < PARALLEL_MIN_ROWS:
            self.source = (_clean_rows(self.planner.cleaner, c) for c in chunks)
            return
        from imports.columns import _regions

        builder = IndexBuilder()
        key = repr(
            (
                PREPARED_VERSION,
                sha256,
                kind,
                fields,
                CHUNK,
                translation.get_language(),
                builder.fingerprint(),
            )
        )
        if for_apply and prepared is not None and sha256:
            stored = _read_prepared(prepared, key)
            if stored is not None:
                self.source = stored
                return
        if not for_apply and prepared is not None and sha256:
            self.store_path = prepared
            self.store = prepared.with_suffix(".tmp").open("wb")
            pickle.dump(key, self.store, protocol=pickle.HIGHEST_PROTOCOL)
        from core.textsearch.text import warm_up

        global _WORKER
        warm_up()  # load the dictionaries once, before the fork
        _regions()  # and the caches the cleaning reads (no queries in workers)
        _WORKER = (self.planner.cleaner, builder, translation.get_language())
        try:
            self.pool = multiprocessing.get_context("fork").Pool(2)
        finally:
            _WORKER = None
        self.source = self.pool.imap(_prepare, chunks)

    def __iter__(self) -> Iterator[list[RowPlan]]:
        for prepared in self.prepared():
            yield self.planner.plan(prepared)

    def prepared(self) -> Iterator[list[tuple[RowPlan, dict]]]:
        """Chunks of cleaned rows, not yet planned (`planner.plan` plans them)."""
        rows = 0
        for item in self.source:
            if isinstance(item, bytes):  # from a worker process, pickled
                prepared = pickle.loads(item)  # noqa: S301 - our own worker's
                if self.store is not None:
                    self.store.write(item)
            else:
                prepared = item
                if self.store is not None:
                    pickle.dump(prepared, self.store, protocol=pickle.HIGHEST_PROTOCOL)
            rows += len(prepared)
            yield prepared
        if self.store is not None and self.store_path is not None:
            pickle.dump(("end", rows), self.store)
            self.store.close()
            Path(self.store.name).replace(self.store_path)
            self.store = None

    def close(self) -> None:
        if self.store is not None:  # not read to the end: keep nothing
            self.store.close()
            Path(self.store.name).unlink(missing_ok=True)
            self.store = None
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def _read_prepared(path: Path, key: str) -> Iterator[list[tuple[RowPlan, dict]]] | None:
    """The prepared chunks stored by a dry run, if they are for this key."""
    try:
        handle = path.open("rb")
    except OSError:
        return None
    try:
        if pickle.load(handle) != key:  # noqa: S301 - our own file
            handle.close()
            return None
    except Exception:  # noqa: BLE001 - damaged: not used
        handle.close()
        return None

    def chunks() -> Iterator[list[tuple[RowPlan, dict]]]:
        rows = 0
        with handle:
            while True:
                item = pickle.load(handle)  # noqa: S301 - our own file
                if isinstance(item, tuple):  # the end marker, with the row count
                    if item != ("end", rows):
                        raise ImportRefused(
                            _("The import failed. Nothing was changed.")
                        )
                    return
                rows += len(item)
                yield item

    return chunks()


# --- Progress and locks ------------------------------------------------------------


class Progress:
    """Writes a job's progress on its own connection (committed at once), so the
    page sees it while the import's transaction is still open."""

    def __init__(self, job_id: int | None, total: int = 0) -> None:
        self.job_id = job_id
        self.total = total
        self.last = 0.0
        self.conn = None
        if job_id is not None:
            self.conn = connections.create_connection("default")

    def update(self, done: int, *, status: str | None = None, force: bool = False):
        if self.conn is None:
            return
        now = time.monotonic()
        if not force and status is None and now - self.last < 0.3:
            return
        self.last = now
        total = max(self.total, done)
        sets = "progress_done = %s, progress_total = %s"
        params: list[Any] = [done, total]
        if status:
            sets += ", status = %s"
            params.append(status)
        with self.conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET {sets} WHERE id = %s",  # noqa: S608
                [*params, self.job_id],
            )

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _lock(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, job_id])


def job_is_alive(job_id: int) -> bool:
    """Whether some session holds the job's lock (it is being worked on)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND objsubid = 2 AND granted",
            [LOCK_NAMESPACE, job_id],
        )
        return cursor.fetchone() is not None


def import_job_refresh(job: ImportJob) -> ImportJob:
    """Notice a job that died while running (a killed worker; PostgreSQL rolled its
    transaction back, so nothing changed): a dry run or an apply is marked failed,
    an undo goes back to applied."""
    running = (
        ImportJob.Status.CHECKING,
        ImportJob.Status.APPLYING,
        ImportJob.Status.UNDOING,
    )
    if job.status in running and not job_is_alive(job.pk):
        job.refresh_from_db()
        if job.status in running and not job_is_alive(job.pk):
            if job.status == ImportJob.Status.UNDOING:
                job.status = ImportJob.Status.APPLIED
                job.undone_by = None
                job.message = str(
                    gettext_lazy(
                        "The undo stopped before it finished (the worker was "
                        "interrupted). Nothing was changed."
                    )
                )
            else:
                job.status = ImportJob.Status.FAILED
                job.message = str(
                    gettext_lazy(
                        "The import stopped before it finished (the worker was "
                        "interrupted). Nothing was changed."
                    )
                )
                discard_prepared(job)
            job.save(update_fields=["status", "message", "undone_by"])
    return job


# --- Prepared files ------------------------------------------------------------------

PREPARED_MAX_AGE = timedelta(hours=24)


def discard_prepared(job: ImportJob) -> None:
    """Delete a job's prepared rows (and an unfinished copy of them): for a job that
    will not be applied, or not from them. Not for a running job."""
    path = prepared_path(job)
    if path is not None:
        path.unlink(missing_ok=True)
        path.with_suffix(".tmp").unlink(missing_ok=True)


def clean_prepared_files(*, older_than: timedelta = PREPARED_MAX_AGE) -> list[Path]:
    """Delete the prepared rows of dry runs left longer than `older_than` (checked
    but never applied, or whose job is gone), except those of running jobs; an
    apply without them cleans and indexes the file again. Returns what was
    deleted."""
    try:
        folder = Path(ImportJob._meta.get_field("file").storage.path("imports"))
    except NotImplementedError:  # no local files
        return []
    if not folder.is_dir():
        return []
    running = {
        ImportJob.Status.CHECK_QUEUED,
        ImportJob.Status.CHECKING,
        ImportJob.Status.APPLY_QUEUED,
        ImportJob.Status.APPLYING,
    }
    keep = set()
    for job in ImportJob.objects.filter(status__in=running).exclude(file=""):
        path = prepared_path(job)
        if path is not None:
            keep |= {path.resolve(), path.with_suffix(".tmp").resolve()}
    cutoff = time.time() - older_than.total_seconds()
    deleted = []
    for path in [*folder.glob("*.prepared"), *folder.glob("*.tmp")]:
        try:
            if path.resolve() in keep or path.stat().st_mtime > cutoff:
                continue
            path.unlink()
        except OSError:  # deleted meanwhile
            continue
        deleted.append(path)
    return deleted


# --- Jobs ----------------------------------------------------------------------------


def _job_data(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def import_job_create(
    *,
    actor: Any,
    kind: str,
    data: bytes,
    file_name: str,
    language: str = "",
    enqueue: bool = True,
) -> ImportJob:
    """Record an uploaded file after checking it can be read (raises TabularError,
    and records nothing, when it cannot), and queue its dry run."""
    from imports.tasks import check_import

    if kind not in SECTIONS:
        raise TabularError(gettext_lazy("Unknown kind of import."))
    clean_prepared_files()
    table, _fields = open_table(data, kind)
    del table
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            file_name=file_name[:255],
            sha256=digest,
            size=len(data),
            options={"language": language} if language else {},
        )
        job.file.save(f"{digest[:16]}-{kind}.bin", ContentFile(data), save=False)
        job.save()
        if enqueue:
            transaction.on_commit(lambda: check_import.enqueue(job.pk))
    return job


def _summarise(
    kind: str,
    data: bytes,
    options: Options,
    progress: Progress,
    *,
    prepared: Path | None = None,
) -> Summary:
    """The dry run of a file; with `prepared`, its cleaned rows and search documents
    are stored there for the apply."""
    table, fields = open_table(data, kind)
    progress.total = table.estimated_rows
    summary = Summary()
    sha256 = hashlib.sha256(data).hexdigest() if prepared else ""
    run = PlanRun(kind, table, fields, options, prepared=prepared, sha256=sha256)
    try:
        for plans in run:
            for plan in plans:
                summary.add(plan)
            progress.update(summary.rows)
    finally:
        run.close()
    return summary


def dry_run(
    kind: str, data: bytes, options: Options | None = None
) -> Iterator[RowPlan]:
    """Every row's plan for a file (the command line prints these)."""
    table, fields = open_table(data, kind)
    run = PlanRun(kind, table, fields, options or Options())
    try:
        for plans in run:
            yield from plans
    finally:
        run.close()


def import_job_check(*, job_id: int) -> ImportJob:
    """The dry run of a job (runs as a task)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status not in (ImportJob.Status.CHECK_QUEUED, ImportJob.Status.CHECKING):
        return job
    progress = Progress(job.pk)
    language = job.options.get("language") or settings.LANGUAGE_CODE
    try:
        with transaction.atomic(), translation.override(language):
            _lock(job.pk)
            progress.update(0, status=ImportJob.Status.CHECKING)
            try:
                summary = _summarise(
                    job.kind,
                    _job_data(job),
                    Options(),
                    progress,
                    prepared=prepared_path(job),
                )
            except TabularError as exc:
                job.status = ImportJob.Status.INVALID
                job.message = str(exc.message)
                discard_prepared(job)
            else:
                job.status = ImportJob.Status.CHECKED
                job.counts = {**summary.counts, "rows": summary.rows}
                job.report = summary.report
                job.message = summary.blocking(Options(accept_warnings=True))
                job.progress_done = job.progress_total = summary.rows
            job.checked_at = timezone.now()
            job.save()
    finally:
        progress.close()
    return job


@transaction.atomic
def import_job_request_apply(
    *,
    actor: Any,
    job: ImportJob,
    confirm_rows: list[int] | None = None,
    accept_warnings: bool = False,
) -> ImportJob:
    """Queue the apply of a checked job (raises ValidationError if it cannot be)."""
    from imports.tasks import apply_import

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(_("This import cannot be applied in its current state."))
    options = Options(
        confirm_rows=frozenset(confirm_rows or []), accept_warnings=accept_warnings
    )
    blocking = Summary(counts=dict(job.counts)).blocking(options)
    if blocking:
        raise ValidationError(blocking)
    job.options = {
        **job.options,
        "confirm_rows": sorted(options.confirm_rows),
        "accept_warnings": accept_warnings,
    }
    job.status = ImportJob.Status.APPLY_QUEUED
    job.applied_by = actor if getattr(actor, "is_authenticated", False) else None
    job.progress_done = 0
    job.save()
    transaction.on_commit(lambda: apply_import.enqueue(job.pk))
    return job


def import_job_apply(*, job_id: int) -> ImportJob:
    """Apply a job, all rows or none (runs as a task)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.APPLY_QUEUED:
        return job
    progress = Progress(job.pk, total=job.counts.get("rows", 0))
    language = job.options.get("language") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            apply_file(
                job=job,
                actor=job.applied_by,
                data=_job_data(job),
                options=Options.from_json(job.options),
                progress=progress,
            )
    except (ImportRefused, TabularError, ValidationError) as exc:
        message = getattr(exc, "message", None) or "; ".join(
            getattr(exc, "messages", [str(exc)])
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=str(message),
        )
        discard_prepared(job)
    except BaseException:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=str(gettext_lazy("The import failed. Nothing was changed.")),
        )
        discard_prepared(job)
        raise
    finally:
        progress.close()
    job.refresh_from_db()
    return job


@transaction.atomic
def apply_file(
    *,
    job: ImportJob,
    actor: Any,
    data: bytes,
    options: Options,
    progress: Progress | None = None,
) -> Summary:
    """Re-plan the file against the current data and write it, in one transaction.

    Raises ImportRefused (and changes nothing) when a row has an error or an
    unaccepted warning.
    """
    progress = progress or Progress(None)
    _lock(job.pk)
    progress.update(0, status=ImportJob.Status.APPLYING)
    table, fields = open_table(data, job.kind)
    progress.total = progress.total or table.estimated_rows
    summary = Summary()
    prepared = prepared_path(job)
    run = PlanRun(
        job.kind,
        table,
        fields,
        options,
        for_apply=True,
        prepared=prepared,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    writer = (
        EnterpriseWriter(job, actor)
        if job.kind == "enterprises"
        else GenericWriter(job, SECTIONS[job.kind])
    )
    if isinstance(writer, EnterpriseWriter):
        run.planner.created = writer.created
    try:
        for chunk in run.prepared():
            # Read what planning this chunk needs first, then let the previous
            # chunk's COPY run (on the writer's thread) while this one is planned
            # and built.
            prefetched = run.planner.prefetch(chunk)
            writer.reserve(sum(1 for plan, _values in chunk if not plan.errors))
            writer.submit()
            plans = run.planner.plan(chunk, prefetched)
            for plan in plans:
                summary.add(plan)
                if plan.errors:
                    raise ImportRefused(
                        _("Row %(row)d: %(error)s Nothing was changed.")
                        % {"row": plan.row, "error": " ".join(plan.errors)}
                    )
                if plan.warnings and not options.accept_warnings:
                    raise ImportRefused(summary.blocking(options))
            try:
                writer.write(plans)
            except ValidationError as exc:
                raise ImportRefused(
                    _("An entry could not be saved: %(error)s Nothing was changed.")
                    % {"error": " ".join(exc.messages)}
                ) from exc
            progress.update(summary.rows)
        writer.flush()
    finally:
        writer.close()
        run.close()
    job.status = ImportJob.Status.APPLIED
    job.applied_at = timezone.now()
    job.counts = {**summary.counts, "rows": summary.rows}
    job.report = summary.report
    job.result = writer.result
    job.message = ""
    job.progress_done = job.progress_total = summary.rows
    job.save()
    discard_prepared(job)
    return summary


# --- Writers ---------------------------------------------------------------------


class EnterpriseWriter:
    def __init__(self, job: ImportJob, actor: Any) -> None:
        self.job = job
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.reference = f"import:{job.pk}"
        self.result: dict[str, list[int]] = {"created": [], "records": []}
        self.builder = IndexBuilder()
        self.clusters = self.builder.clusters
        self.columns = [
            f
            for f in Enterprise._meta.concrete_fields
            if f.column != "id" and f.column not in ("search_vector", "facets")
        ]
        # The column values of an enterprise nobody set anything on (what
        # `enterprise_build` starts from), and which columns a field name sets.
        blank = Enterprise()
        self.defaults = {f.attname: getattr(blank, f.attname) for f in self.columns}
        self.source = ORIGIN_SOURCE.get(ChangeRecord.Origin.IMPORT)
        self.copier = _Copier()
        self.created: set[int] = set()
        self.ids: list[int] = []  # reserved for new entries
        self.statements: list[tuple[str, str]] = []  # COPYs not yet submitted

    def write(self, plans: list[RowPlan]) -> None:
        """Write a chunk: new entries in bulk (with the search documents built
        ahead when there are), updates through `enterprise_update`."""
        creates = [p for p in plans if p.action == "create"]
        if creates:
            self._create(
                creates,
                [p.index or self.builder.index(p.values) for p in creates],
            )
        for plan in plans:
            if plan.action == "update":
                record = enterprise_update(
                    actor=self.actor,
                    enterprise=Enterprise(pk=plan.target),
                    changes=plan.values,
                    origin=ChangeRecord.Origin.IMPORT,
                    reference=self.reference,
                )
                if record is not None:
                    self.result["records"].append(record.pk)

    def reserve(self, count: int) -> None:
        """Take IDs for up to `count` new entries from the sequence now."""
        if count <= len(self.ids):
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [Enterprise._meta.db_table, count - len(self.ids)],
            )
            self.ids += [row[0] for row in cursor.fetchall()]

    def submit(self) -> None:
        """Hand the COPYs of the last written chunk to the copier thread."""
        if self.statements:
            statements, self.statements = self.statements, []
            with connection.cursor() as cursor:
                raw = cursor.connection
            self.copier.submit(raw, statements)

    def flush(self) -> None:
        self.submit()
        self.copier.finish()

    def close(self) -> None:
        self.copier.close()

    def _build(
        self, values: dict, planned: dict[str, list[Any]] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Column values (by attname) and history changes of a new enterprise:
        what `enterprise_build` gives, without a model instance per row. `planned`
        are the plan's changes ([None, JSON value] of the same non-empty values)."""
        planned = planned or {}
        data = {k: v for k, v in values.items() if k != "clusters"}
        data["clusters"] = values.get("clusters") or []
        if not data.keys() <= UPDATABLE_FIELDS:
            enterprise_build(data=data, origin=ChangeRecord.Origin.IMPORT)  # raises
        attrs: dict[str, Any] = {}
        changes: dict[str, dict[str, Any]] = {}
        for name, value in data.items():
            if name == "clusters":
                if value:
                    changes[name] = {"old": None, "new": sorted(value)}
                continue
            if name == "region":
                attrs["region_id"] = value
                attrs["city_id"] = str(value)[:4] + "00" if value else None
            else:
                attrs[name] = value
            if value not in (None, "", [], False):
                known = planned.get(name)
                new = known[1] if known is not None else jsonable(value)
                changes[name] = {"old": None, "new": new}
        if self.source:
            attrs["source"] = self.source
            attrs["field_sources"] = dict.fromkeys(changes, str(self.source))
        return attrs, changes

    def _create(
        self, plans: list[RowPlan], documents: list[tuple[str, list[str]]]
    ) -> None:
        now = timezone.now()
        self.reserve(len(plans))
        ids, self.ids = self.ids[: len(plans)], self.ids[len(plans) :]
        enterprise_rows, cluster_rows, record_rows = [], [], []
        defaults = self.defaults
        for pk, plan, (document, facets) in zip(ids, plans, documents, strict=True):
            attrs, changes = self._build(plan.values, plan.changes)
            attrs["name_key"] = _row_name_key(plan, plan.values)
            row: list[Any] = [pk]
            for f in self.columns:
                if f.name in ("created_at", "updated_at"):
                    value = now
                else:
                    value = attrs.get(f.attname, defaults[f.attname])
                if isinstance(value, dict):
                    value = json.dumps(value, ensure_ascii=False)
                elif hasattr(value, "name") and f.name == "logo":
                    value = value.name or ""
                row.append(value)
            row += [document, facets]
            enterprise_rows.append(_copy_line(row))
            for slug in plan.values.get("clusters") or []:
                cluster_rows.append(copy_row([pk, self.clusters[slug][0]]))
            record_rows.append(
                copy_row(
                    [
                        pk,
                        self.actor.pk if self.actor else None,
                        now,
                        ChangeRecord.Origin.IMPORT.value,
                        "",
                        self.reference,
                        json.dumps(changes, ensure_ascii=False),
                    ]
                )
            )
            self.result["created"].append(pk)
            self.created.add(pk)
        columns = ["id", *(f.column for f in self.columns), "search_vector", "facets"]
        through = Enterprise.clusters.through._meta.db_table
        record_columns = [
            "enterprise_id",
            "actor_id",
            "created_at",
            "origin",
            "reason",
            "reference",
            "changes",
        ]
        self.statements += [
            (f"COPY {table} ({', '.join(cols)}) FROM STDIN", "".join(rows))
            for table, cols, rows in (
                (Enterprise._meta.db_table, columns, enterprise_rows),
                (through, ["enterprise_id", "cluster_id"], cluster_rows),
                (ChangeRecord._meta.db_table, record_columns, record_rows),
            )
            if rows
        ]


def _copy_line(values: list[Any]) -> str:
    """`core.pgcopy.copy_row` (COPY text format), with the common cases first."""
    out = []
    for value in values:
        if value is None:
            out.append("\\N")
        elif value is True:
            out.append("t")
        elif value is False:
            out.append("f")
        elif value.__class__ is list:
            out.append(copy_value(value))
        else:
            text = value if value.__class__ is str else str(value)
            if "\\" in text or "\t" in text or "\n" in text:
                text = copy_value(text)
            out.append(text)
    return "\t".join(out) + "\n"


class _Copier:
    """Runs the COPYs of a chunk on a second thread, on the same connection (and
    transaction; psycopg serialises its use), so PostgreSQL stores and indexes a
    chunk while Python prepares the next. At most two chunks wait."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.switch_interval = sys.getswitchinterval()

    def _run(self) -> None:
        while (job := self.queue.get()) is not None:
            raw, statements = job
            if self.error is not None:
                continue
            try:
                with raw.cursor() as cursor:
                    for sql, data in statements:
                        with cursor.copy(sql) as copy:
                            copy.write(data)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller
                self.error = exc

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def submit(self, raw: Any, statements: list[tuple[str, str]]) -> None:
        self._check()
        if self.thread is None:
            # psycopg sends a COPY in 128 kB pieces and takes the GIL back for
            # each; with the default 5 ms switch interval the thread building the
            # next chunk kept PostgreSQL waiting for data (an apply of 100,000
            # rows took ~2 s longer).
            self.switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.switch_interval, COPY_SWITCH_INTERVAL))
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        self.queue.put((raw, statements))

    def finish(self) -> None:
        """Wait for every submitted COPY; raise the error of one that failed."""
        self.close()
        self._check()

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
            sys.setswitchinterval(self.switch_interval)


COPY_SWITCH_INTERVAL = 0.001  # seconds


class GenericWriter:
    def __init__(self, job: ImportJob, section: Section) -> None:
        self.section = section
        self.result: dict[str, Any] = {"created": [], "updated": {}}

    def reserve(self, count: int) -> None:
        pass

    def submit(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def write(self, plans: list[RowPlan]) -> None:
        model = self.section.model
        for plan in plans:
            if plan.action == "create":
                obj = model(**plan.values)
                obj.full_clean()
                obj.save()
                self.result["created"].append(obj.pk)
            elif plan.action == "update":
                obj = model.objects.select_for_update().get(pk=plan.target)
                for name, value in plan.values.items():
                    setattr(obj, name, value)
                obj.full_clean()
                obj.save(update_fields=list(plan.values))
                self.result["updated"][str(obj.pk)] = plan.changes


# --- Undo ------------------------------------------------------------------------

UNDO_CHUNK = 20_000  # created entries deleted per round of statements
UNDO_RUNNING = (ImportJob.Status.UNDO_QUEUED, ImportJob.Status.UNDOING)


@transaction.atomic
def import_job_request_undo(
    *, actor: Any, job: ImportJob, language: str = ""
) -> ImportJob:
    """Queue the undo of an applied job (raises ValidationError if it cannot be);
    its messages will be in `language` (by default the upload's)."""
    from imports.tasks import undo_import

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.APPLIED:
        raise ValidationError(_("Only an applied import can be undone."))
    job.status = ImportJob.Status.UNDO_QUEUED
    job.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    job.message = ""
    job.progress_done = 0
    job.progress_total = _undo_total(job)
    if language:
        job.options = {**job.options, "undo_language": language}
    job.save(
        update_fields=[
            "options",
            "status",
            "undone_by",
            "message",
            "progress_done",
            "progress_total",
        ]
    )
    transaction.on_commit(lambda: undo_import.enqueue(job.pk))
    return job


def import_job_run_undo(*, job_id: int) -> ImportJob:
    """Undo a queued job, all of it or nothing (runs as a task). A refused or failed
    undo leaves the job applied, with the reason as its message."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.UNDO_QUEUED:
        return job
    progress = Progress(job.pk, total=_undo_total(job))
    language = (
        job.options.get("undo_language")
        or job.options.get("language")
        or settings.LANGUAGE_CODE
    )
    try:
        with translation.override(language):
            import_job_undo(actor=job.undone_by, job=job, progress=progress)
    except ValidationError as exc:
        ImportJob.objects.filter(pk=job.pk, status__in=UNDO_RUNNING).update(
            status=ImportJob.Status.APPLIED,
            message=" ".join(str(m) for m in exc.messages),
            undone_by=None,
        )
    except BaseException:
        with translation.override(language):
            message = str(gettext_lazy("The undo failed. Nothing was changed."))
        ImportJob.objects.filter(pk=job.pk, status__in=UNDO_RUNNING).update(
            status=ImportJob.Status.APPLIED, message=message, undone_by=None
        )
        raise
    finally:
        progress.close()
    job.refresh_from_db()
    return job


def _undo_total(job: ImportJob) -> int:
    result = job.result or {}
    return (
        len(result.get("created", []))
        + len(result.get("records", []))
        + len(result.get("updated", {}))
    )


@transaction.atomic
def import_job_undo(
    *, actor: Any, job: ImportJob, progress: Progress | None = None
) -> ImportJob:
    """Restore what an applied import changed: delete the entries it created and
    put back the values it updated. Refused (raises ValidationError; nothing
    changes) when an entry has changed again since.

    Runs synchronously (the command line, the bench) or as the work of the
    `undo_import` task, which passes a `progress` for the job's page."""
    progress = progress or Progress(None)
    _lock(job.pk)
    job = ImportJob.objects.get(pk=job.pk)
    undoable = (
        ImportJob.Status.APPLIED,
        ImportJob.Status.UNDO_QUEUED,
        ImportJob.Status.UNDOING,
    )
    if job.status not in undoable:
        raise ValidationError(_("Only an applied import can be undone."))
    progress.total = _undo_total(job)
    progress.update(0, status=ImportJob.Status.UNDOING)
    reason = _("Undo of import %(id)s") % {"id": job.pk}
    created = [int(pk) for pk in job.result.get("created", [])]
    done = 0
    if job.kind == "enterprises":
        later = _changed_since(created, reference=f"import:{job.pk}")
        if later is not None:
            raise ValidationError(
                _(
                    "Enterprise %(id)s, created by this import, has changed since; "
                    "revert that change first."
                )
                % {"id": later}
            )
        for record in ChangeRecord.objects.filter(
            pk__in=job.result.get("records", [])
        ).order_by("-id"):
            change_record_revert(actor=actor, record=record, reason=reason)
            done += 1
            progress.update(done)
        for start in range(0, len(created), UNDO_CHUNK):
            chunk = created[start : start + UNDO_CHUNK]
            delete_rows(Enterprise, chunk)
            done += len(chunk)
            progress.update(done)
    else:
        model = SECTIONS[job.kind].model
        for pk, changes in job.result.get("updated", {}).items():
            obj = model.objects.select_for_update().get(pk=int(pk))
            for name, (old, new) in changes.items():
                if jsonable(getattr(obj, name)) != new:
                    raise ValidationError(
                        _("“%(name)s” has changed since the import; undo refused.")
                        % {"name": obj}
                    )
                setattr(obj, name, model._meta.get_field(name).to_python(old))
            obj.save(update_fields=list(changes))
            done += 1
            progress.update(done)
        delete_rows(model, created)
    job.status = ImportJob.Status.UNDONE
    job.undone_at = timezone.now()
    job.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    job.message = ""
    job.progress_done = job.progress_total = progress.total
    job.save(
        update_fields=[
            "status",
            "undone_at",
            "undone_by",
            "message",
            "progress_done",
            "progress_total",
        ]
    )
    return job


def _changed_since(created: list[int], *, reference: str) -> int | None:
    """An entry among `created` with a change recorded by something other than the
    import (`reference`), if any."""
    if not created:
        return None
    table = ChangeRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT enterprise_id FROM "{table}" '  # noqa: S608 - model metadata
            "WHERE enterprise_id = ANY(%s::bigint[]) "
            "AND reference IS DISTINCT FROM %s ORDER BY enterprise_id LIMIT 1",
            [id_array(created), reference],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# --- Set-based deletion ------------------------------------------------------------


def id_array(pks: list[int]) -> str:
    """Primary keys as one PostgreSQL array literal (`%s::bigint[]`): sent as a
    single string instead of adapting each of (maybe) 100,000 numbers."""
    return "{" + ",".join(str(int(pk)) for pk in pks) + "}"


class _NeedsCollector(Exception):
    """A relation whose on_delete (or a delete signal) only Django's collector can
    carry out."""


def delete_rows(model: type[models.Model], pks: list[int]) -> None:
    """Delete the rows of `model` with these primary keys as Django's collector
    would, but with one SQL statement per related table: CASCADE relations are
    deleted first (recursively), SET_NULL ones set to null, PROTECT and RESTRICT
    refuse (ValidationError, naming the model); automatic many-to-many links go
    too. The relations come from the models' metadata, so a new relation is
    followed without changes here. Must run in a transaction; falls back to the
    ORM's delete when a relation needs Python (SET_DEFAULT, SET(), signals)."""
    if not pks:
        return
    try:
        steps = _deletion_steps(model, _PK_ANY % model._meta.pk.column, pk_any=True)
    except _NeedsCollector:
        model._base_manager.filter(pk__in=pks).delete()
        return
    ids = id_array(pks)
    with connection.cursor() as cursor:
        # PostgreSQL checks every foreign key to each deleted row (most of the
        # time of a large deletion): now, not all at the commit, so that a
        # caller's progress reflects it.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for kind, sql, related in steps:
            cursor.execute(sql, {"ids": ids})
            if kind == "protect" and cursor.fetchone() is not None:
                raise ValidationError(
                    _(
                        "An entry to be deleted is still referred to by "
                        "%(model)s; undo refused."
                    )
                    % {"model": related._meta.verbose_name_plural}
                )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default


_PK_ANY = '"%s" = ANY(%%(ids)s::bigint[])'
_MAX_DEPTH = 5


def _deletion_steps(
    model: type[models.Model], where: str, *, pk_any: bool = False, depth: int = 0
) -> list[tuple[str, str, Any]]:
    """The statements deleting the rows of `model` matching `where` (an SQL
    condition on its table; `pk_any` when it is exactly the primary key against
    the `ids` parameter), what refers to them first.

    The relations are those Django's collector follows (every reverse one-to-many
    or one-to-one relation, hidden ones and automatic many-to-many tables
    included)."""
    if depth > _MAX_DEPTH or (
        signals.pre_delete.has_listeners(model)
        or signals.post_delete.has_listeners(model)
    ):
        raise _NeedsCollector
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    ids = f"SELECT {quote(meta.pk.column)} FROM {table} WHERE {where}"  # noqa: S608
    steps: list[tuple[str, str, Any]] = []
    for rel in get_candidate_relations_to_delete(meta):
        related = rel.related_model
        column = quote(rel.field.column)
        if pk_any and rel.field.target_field == meta.pk:  # what `where` matches
            refers = f"{column} = ANY(%(ids)s::bigint[])"
        else:  # evaluated once, then an index scan whatever the statistics say
            refers = f"{column} = ANY(ARRAY({ids}))"
        rtable = quote(related._meta.db_table)
        on_delete = rel.on_delete
        if on_delete is models.CASCADE:
            steps += _deletion_steps(related, refers, depth=depth + 1)
        elif on_delete is models.SET_NULL:
            steps.append(
                (
                    "run",
                    f"UPDATE {rtable} SET {column} = NULL WHERE {refers}",  # noqa: S608
                    None,
                )
            )
        elif on_delete in (models.PROTECT, models.RESTRICT):
            steps.append(
                (
                    "protect",
                    f"SELECT 1 FROM {rtable} WHERE {refers} LIMIT 1",  # noqa: S608
                    related,
                )
            )
        elif on_delete is not models.DO_NOTHING:
            raise _NeedsCollector
    steps.append(("run", f"DELETE FROM {table} WHERE {where}", None))  # noqa: S608
    return steps
