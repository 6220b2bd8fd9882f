"""Preparing the rows of a large enterprise file: two forked worker processes clean
the rows and build their search documents (pure Python, most of the time of an
import) while the main process plans them.

The dry run of a job keeps these prepared rows for the apply of the same file, in
the database (`PreparedChunk`, an UNLOGGED table: no WAL, emptied after a crash), so
an apply on any machine reads them instead of preparing them again. A chunk is
stored as zlib-compressed JSON (dates and decimals tagged), never as a pickle. The
rows are keyed by what they were made with (the file's hash, its columns, the
language, the regions and clusters); rows for another key, or not all of a file's
rows, are not used, and the apply prepares the file again. A failed, rejected or
dead job's rows are deleted (`discard_prepared`), as are those of dry runs never
applied, after a day (`clean_prepared_rows`, run by uploads and by the
``clean_import_files`` command).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import zlib
from collections.abc import Callable, Generator, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.utils import timezone, translation

from core.messages import coded
from core.tabular import Table
from enterprises.names import name_key, sort_keys
from enterprises.services import jsonable
from enterprises.uscc import uscc_warning
from imports.cells import warm_caches
from imports.cleaning import RowCleaner
from imports.columns import SECTIONS
from imports.models import ImportJob, PreparedChunk
from imports.plan import (
    CHUNK,
    EnterprisePlanner,
    GenericPlanner,
    ImportRefused,
    Options,
    RowPlan,
    clean_rows,
    row_chunks,
)
from imports.write import IndexBuilder

PARALLEL_MIN_ROWS = 4000
# The garbage collector's thresholds while a large file is planned (see
# PlanRun._freeze); Python's own are (700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)

PREPARED_VERSION = 3
PREPARED_MAX_AGE = timedelta(hours=24)
Prepared = list[tuple[RowPlan, dict]]  # a chunk of cleaned rows and their plans

# State of the forked worker processes (set before the fork): the cleaner, the
# index builder, the language and whether the chunks are stored.
_WORKER: tuple[RowCleaner, IndexBuilder, str, bool] | None = None


def _prepare(chunk: list[tuple[int, dict]]) -> tuple[Prepared, bytes | None]:
    """In a worker process: clean a chunk and build the search documents of its
    valid rows; also the chunk as the dry run stores it (this process, not the
    planning one, spends the time of encoding it)."""
    assert _WORKER is not None  # noqa: S101
    cleaner, builder, language, store = _WORKER
    with translation.override(language):
        cleaned = clean_rows(cleaner, chunk)
        for plan, values in cleaned:
            if not plan.errors:
                try:
                    plan.index = builder.index(values)
                except Exception:  # noqa: BLE001 - the writer builds it again, reports
                    plan.index = None
                uscc = values.get("uscc")
                plan.ahead = {
                    "json": {
                        f: jsonable(v)
                        for f, v in values.items()
                        if f != "id" and v not in (None, "", [], False)
                    },
                    "key": name_key(values.get("name", "")),
                    "check": uscc_warning(uscc) if uscc else None,
                    # for the apply of a create: its own process would spend a
                    # third of its time on the pinyin of the names
                    "sort": list(
                        sort_keys(values.get("name", ""), values.get("name_en", ""))
                    ),
                }
    return cleaned, pack(cleaned) if store else None


# --- The stored form of a chunk ------------------------------------------------------


def _tagged(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not stored in prepared rows")


_UNTAG: dict[str, Callable[[str], Any]] = {
    "decimal": Decimal,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
}


_TAGGED = (Decimal, dt.date)  # dt.datetime is a dt.date


def _untag(value: dict) -> Any:
    if len(value) == 1:
        for tag, parse in _UNTAG.items():
            if tag in value:
                return parse(value[tag])
    return value


def _tag_text(value: dict) -> Any:
    """A tagged value as `jsonable` gives it (its text)."""
    return next(iter(value.values())) if len(value) == 1 else value


def pack(prepared: Prepared) -> bytes:
    """A chunk of prepared rows as compressed JSON: each row's values as a list in
    the order of the chunk's field names (parsing a thousand dicts of forty keys
    took most of the time of reading a chunk back), the non-empty values that
    planning takes as JSON by their positions, the search documents apart."""
    names: list[str] = next((list(values) for _plan, values in prepared if values), [])
    position = {name: i for i, name in enumerate(names)}
    tagged: set[int] = set()
    rows: list[list[Any]] = []
    documents: list[str | None] = []
    for plan, values in prepared:
        stored: Any = values
        ahead: Any = plan.ahead
        if values and list(values) == names:
            stored = list(values.values())
            tagged.update(i for i, v in enumerate(stored) if isinstance(v, _TAGGED))
            if ahead is not None and ahead["json"].keys() <= position.keys():
                ahead = [
                    ahead["key"],
                    ahead["check"],
                    [position[name] for name in ahead["json"]],
                    ahead["sort"],
                ]
        document, facets = plan.index or (None, None)
        rows.append([plan.row, plan.label, plan.errors, stored, facets, ahead])
        documents.append(document)
    payload = {
        "names": names,
        "tagged": sorted(tagged),
        "rows": rows,
        "documents": documents,
    }
    text = json.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), default=_tagged
    )
    return zlib.compress(text.encode(), 1)


def unpack(data: bytes) -> Prepared:
    """The chunk `pack` stored."""
    payload = json.loads(zlib.decompress(data))
    names, tagged = payload["names"], payload["tagged"]
    out = []
    for (number, label, errors, stored, facets, ahead), document in zip(
        payload["rows"], payload["documents"], strict=True
    ):
        plan = RowPlan(
            row=number, action="error" if errors else "", label=label, errors=errors
        )
        if stored.__class__ is list:
            values = dict(zip(names, stored, strict=True))
            for i in tagged:
                value = stored[i]
                if value.__class__ is dict:
                    values[names[i]] = _untag(value)
                    stored[i] = _tag_text(value)  # now the value as JSON
        else:
            values = {
                name: _untag(value) if value.__class__ is dict else value
                for name, value in stored.items()
            }
        if document is not None:
            plan.index = (document, facets)
        if ahead.__class__ is list:
            key, check, positions, sort = ahead
            ahead = {
                "json": {names[i]: stored[i] for i in positions},
                "key": key,
                "check": check,
                "sort": sort,
            }
        plan.ahead = ahead
        out.append((plan, values))
    return out


class PlanRun:
    """Plan a file chunk by chunk (iterating gives lists of row plans).

    For a large enterprise file two forked processes clean the rows and build the
    search documents while this process plans. The dry run of a `job` stores those
    prepared rows; the apply of the same job reads them instead of cleaning and
    indexing again, and plans them against the data as it is then."""

    def __init__(
        self,
        kind: str,
        table: Table,
        fields: list[str | None],
        options: Options,
        *,
        for_apply: bool = False,
        job: ImportJob | None = None,
        sha256: str = "",
    ) -> None:
        self._setup(kind, fields, options)
        chunks = row_chunks(table, fields)
        if kind != "enterprises" or table.estimated_rows < PARALLEL_MIN_ROWS:
            self.source = (clean_rows(self.planner.cleaner, c) for c in chunks)
            return
        builder = IndexBuilder()
        self.key = _prepared_key(sha256, kind, table.sheet, fields, builder)
        self.read = {"sheet": table.sheet, "fields": fields}
        if for_apply and job is not None and sha256:
            stored = _read_prepared(job, self.key)
            if stored is not None:
                self.source = stored
                self._freeze()
                return
        if not for_apply and job is not None and sha256:
            discard_prepared(job)  # of an earlier dry run of the job
            self.store = job
        from core.textsearch.text import warm_up

        global _WORKER
        warm_up()  # load the dictionaries once, before the fork
        warm_caches()  # and the caches the cleaning reads (no queries in workers)
        _WORKER = (
            self.planner.cleaner,
            builder,
            translation.get_language(),
            self.store is not None,
        )
        self._freeze()  # in the workers too
        try:
            self.pool = multiprocessing.get_context("fork").Pool(2)
        finally:
            _WORKER = None
        self.source = self.pool.imap(_prepare, chunks)

    @classmethod
    def from_prepared(
        cls, kind: str, options: Options, *, job: ImportJob, sha256: str
    ) -> PlanRun | None:
        """The run of an apply that reads the rows the job's dry run prepared,
        without reading the file again (its sheet and columns as the dry run
        found them), or None when there are not all of them for this file and
        data (the apply then reads and prepares the file)."""
        read = (job.options or {}).get("read")
        if kind != "enterprises" or not sha256 or not isinstance(read, dict):
            return None
        fields = read.get("fields")
        if not isinstance(fields, list):
            return None
        key = _prepared_key(
            sha256, kind, str(read.get("sheet") or ""), fields, IndexBuilder()
        )
        stored = _read_prepared(job, key)
        if stored is None:
            return None
        run = cls.__new__(cls)
        run._setup(kind, fields, options)
        run.key = key
        run.source = stored
        run._freeze()
        return run

    def _setup(self, kind: str, fields: list[str | None], options: Options) -> None:
        present = [f for f in fields if f]
        self.planner: Any
        if kind == "enterprises":
            self.planner = EnterprisePlanner(present, options)
        elif SECTIONS[kind].planner is not None:
            self.planner = SECTIONS[kind].planner(SECTIONS[kind], present, options)
        else:
            self.planner = GenericPlanner(SECTIONS[kind], present, options)
        self.pool: Any = None
        self.frozen = False
        self.thresholds = gc.get_threshold()  # the collector's, set back on close
        self.store: ImportJob | None = None  # the job whose rows are stored
        self.stored = 0  # chunks stored so far
        self.finished = False
        self.read: dict[str, Any] = {}  # the sheet and columns of stored rows
        self.source: Iterator[Any]

    def _freeze(self) -> None:
        """Keep the garbage collector off what exists now (the dictionaries, the
        application) while the run lasts: a full collection of a large file's run
        went over all of it again and again, in each worker process too. And let
        it run less often meanwhile (GC_THRESHOLDS), in the workers too: a chunk's
        rows are thousands of dicts and lists that refcounting frees, and with the
        default thresholds the collector ran some 330 times in the dry run of
        10,000 rows (~1.0 s of the planning process's 4.5 s CPU; 0.85 s of the
        apply's 4.9 s)."""
        gc.freeze()
        self.thresholds = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        self.frozen = True

    def __iter__(self) -> Iterator[list[RowPlan]]:
        for prepared in self.prepared():
            yield self.planner.plan(prepared)

    def prepared(self) -> Iterator[Prepared]:
        """Chunks of cleaned rows, not yet planned (`planner.plan` plans them)."""
        for item in self.source:
            if isinstance(item, tuple):  # from a worker process
                prepared, packed = item
                if self.store is not None and packed is not None:
                    PreparedChunk.objects.create(
                        job=self.store,
                        key=self.key,
                        number=self.stored,
                        rows=len(prepared),
                        data=packed,
                    )
                    self.stored += 1
            else:
                prepared = item
            yield prepared
        self.finished = True

    def close(self) -> None:
        if self.store is not None and not self.finished:  # keep no partial rows
            discard_prepared(self.store)
        self.store = None
        if isinstance(self.source, Generator):  # e.g. stop reading prepared rows
            self.source.close()
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        if self.frozen:
            gc.set_threshold(*self.thresholds)
            gc.unfreeze()
            self.frozen = False


def _prepared_key(
    sha256: str,
    kind: str,
    sheet: str,
    fields: list[str | None],
    builder: IndexBuilder,
) -> str:
    """What prepared rows are made with: the file, its sheet and columns, the
    chunk size, the language, the regions and clusters."""
    state = (
        PREPARED_VERSION,
        sha256,
        kind,
        sheet,
        fields,
        CHUNK,
        translation.get_language(),
        builder.fingerprint(),
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _read_prepared(job: ImportJob, key: str) -> Iterator[Prepared] | None:
    """The prepared chunks a dry run of the job stored, if there are all of them
    and for this key."""
    chunks = PreparedChunk.objects.filter(job=job)
    stored = list(chunks.order_by("number").values_list("number", "key", "rows"))
    if (
        not stored
        or [number for number, _key, _rows in stored] != list(range(len(stored)))
        or any(stored_key != key for _number, stored_key, _rows in stored)
        or sum(rows for _number, _key, rows in stored) != job.counts.get("rows")
    ):
        return None

    def read() -> Iterator[Prepared]:
        # Read on a connection of its own: the apply's own is busy with the COPY of
        # the chunk before, which reading and decoding this one then overlaps. It
        # sees committed rows only (a dry run's are), else the apply's is used.
        reader = connections.create_connection(DEFAULT_DB_ALIAS)
        sql = (
            f"SELECT data FROM {PreparedChunk._meta.db_table} "  # noqa: S608
            "WHERE job_id = %s AND number = %s"
        )
        try:
            for number, _key, rows in stored:
                with reader.cursor() as cursor:
                    cursor.execute(sql, [job.pk, number])
                    found = cursor.fetchone()
                if found is None:
                    found = chunks.filter(number=number).values_list("data").first()
                prepared = unpack(bytes(found[0])) if found else []
                if len(prepared) != rows:  # deleted meanwhile
                    raise ImportRefused(coded("import_failed"))
                yield prepared
        finally:
            reader.close()

    return read()


# --- Cleaning up ---------------------------------------------------------------------


def discard_prepared(job: ImportJob) -> None:
    """Delete a job's prepared rows: for a job that will not be applied, or not
    from them."""
    PreparedChunk.objects.filter(job=job).delete()


def clean_prepared_rows(*, older_than: timedelta = PREPARED_MAX_AGE) -> list[int]:
    """Delete the prepared rows of dry runs left longer than `older_than` (checked
    but never applied), except those of running jobs; an apply without them
    cleans and indexes the file again. Returns the IDs of the jobs whose rows were
    deleted."""
    running = Q(
        job__status__in=[
            ImportJob.Status.CHECK_QUEUED,
            ImportJob.Status.CHECKING,
            ImportJob.Status.APPLY_QUEUED,
            ImportJob.Status.APPLYING,
        ]
    )
    old = PreparedChunk.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).exclude(running)
    jobs = sorted(set(old.values_list("job_id", flat=True)))
    PreparedChunk.objects.filter(job_id__in=jobs).exclude(running).delete()
    return jobs
