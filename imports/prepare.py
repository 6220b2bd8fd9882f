"""Preparing the rows of a large enterprise file: two forked worker processes clean
the rows and build their search documents (pure Python, most of the time of an
import) while the main process plans them; the dry run keeps these prepared rows for
the apply of the same file.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _

from core.tabular import Table
from enterprises.names import name_key
from enterprises.services import jsonable
from enterprises.uscc import uscc_warning
from imports.cleaning import RowCleaner
from imports.columns import SECTIONS, warm_caches
from imports.models import ImportJob
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

# State of the forked worker processes (set before the fork).
_WORKER: tuple[RowCleaner, IndexBuilder, str] | None = None


def _prepare(chunk: list[tuple[int, dict]]) -> bytes:
    """In a worker process: clean a chunk and build the search documents of its
    valid rows; the chunk pickled, as the dry run stores it (this process, not
    the planning one, spends the time of pickling it)."""
    assert _WORKER is not None  # noqa: S101
    cleaner, builder, language = _WORKER
    with translation.override(language):
        cleaned = clean_rows(cleaner, chunk)
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
        chunks = row_chunks(table, fields)
        if kind != "enterprises" or table.estimated_rows < PARALLEL_MIN_ROWS:
            self.source = (clean_rows(self.planner.cleaner, c) for c in chunks)
            return
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
        warm_caches()  # and the caches the cleaning reads (no queries in workers)
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
        folder = Path(default_storage.path("imports"))
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
