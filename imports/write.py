"""Writing planned rows. New enterprises are written in bulk (COPY) with what
`enterprises.services.enterprise_create` writes for one entry, made by the same
functions: the column values and history changes by `enterprise_values`, the
search document and facet keys by `enterprises.search.indexing.index_data`, the
name key and sort keys by `enterprises.names` (tested field by field). A chunk's
updates go through `enterprise_update_many`, in a few statements. Clusters,
colleges and markets are saved one by one (there are few)."""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
from typing import Any

from django.db import connection
from django.utils import timezone

from clusters.models import Cluster
from core.models import Region
from core.pgcopy import copy_row, copy_value
from enterprises.choices import Source
from enterprises.models import ChangeRecord, Enterprise
from enterprises.search.indexing import INDEXED_FIELDS, index, index_data
from enterprises.services import (
    city_code,
    enterprise_update_many,
    enterprise_values,
)
from imports.columns import Section
from imports.models import ImportJob
from imports.plan import RowPlan, row_name_key, row_sort_keys


class IndexBuilder:
    """The search document and facet keys of a new enterprise from its field
    values, made by `enterprises.search.indexing.index_data` as for an entry saved
    through the services, with the regions and clusters read once."""

    def __init__(self) -> None:
        self.regions = {
            code: (code, name, name_en)
            for code, name, name_en in Region.objects.values_list(
                "code", "name", "name_en"
            )
        }
        self.clusters = {
            c.slug: (c.pk, c.name, c.name_en) for c in Cluster.objects.all()
        }
        # What a field a file leaves out holds (the model's default).
        blank = Enterprise()
        self.blank = {name: getattr(blank, name) for name in INDEXED_FIELDS}
        # What enterprise_values writes for an import (the "verified" facet).
        self.blank["source"] = Source.IMPORT

    def fingerprint(self) -> str:
        """Changes when anything documents or cleaning depend on changes."""
        state = repr((sorted(self.regions.items()), sorted(self.clusters.items())))
        return hashlib.sha256(state.encode()).hexdigest()

    def index(self, values: dict) -> tuple[str, list[str]]:
        region = values["region"]
        return index(
            index_data(
                {**self.blank, **values},
                county=self.regions[region],
                city=self.regions.get(city_code(region) or ""),
                clusters=[
                    (slug, *self.clusters[slug][1:])
                    for slug in values.get("clusters") or []
                ],
            )
        )


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
        # The column values of an enterprise nobody set anything on (what the
        # values `enterprise_values` gives are set on, as `enterprise_create` does).
        blank = Enterprise()
        self.defaults = {f.attname: getattr(blank, f.attname) for f in self.columns}
        self.copier = _Copier()
        self.created: set[int] = set()
        self.ids: list[int] = []  # reserved for new entries
        self.statements: list[tuple[str, str]] = []  # COPYs not yet submitted

    def write(self, plans: list[RowPlan]) -> None:
        """Write a chunk: new entries in bulk (with the search documents built
        ahead when there are), updates through `enterprise_update_many`."""
        creates = [p for p in plans if p.action == "create"]
        if creates:
            self._create(
                creates,
                [p.index or self.builder.index(p.values) for p in creates],
            )
        updates = [
            (plan.target, plan.values) for plan in plans if plan.action == "update"
        ]
        if updates:
            records = enterprise_update_many(
                actor=self.actor,
                changes=updates,
                origin=ChangeRecord.Origin.IMPORT,
                reference=self.reference,
            )
            self.result["records"] += [r.pk for r in records if r is not None]

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

    def _create(
        self, plans: list[RowPlan], documents: list[tuple[str, list[str]]]
    ) -> None:
        now = timezone.now()
        self.reserve(len(plans))
        ids, self.ids = self.ids[: len(plans)], self.ids[len(plans) :]
        enterprise_rows, cluster_rows, record_rows = [], [], []
        defaults = self.defaults
        for pk, plan, (document, facets) in zip(ids, plans, documents, strict=True):
            attrs, changes = enterprise_values(
                data=plan.values,
                origin=ChangeRecord.Origin.IMPORT,
                json=plan.ahead["json"] if plan.ahead else None,
            )
            attrs["name_key"] = row_name_key(plan, plan.values)
            attrs["name_sort"], attrs["name_sort_en"] = row_sort_keys(plan, plan.values)
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
