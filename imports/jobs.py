"""Import jobs: an uploaded file is recorded and checked (the dry run, a task), then
applied atomically (a task), all rows or none; an applied job can be undone
(`imports.undo`).

A running job holds a PostgreSQL advisory lock for its transaction; a job marked as
running whose lock nobody holds has died (a killed worker) and is reported failed;
its transaction was rolled back by PostgreSQL, so nothing changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.messages import coded, render_message, validation_texts
from core.tabular import TabularError
from imports.columns import SECTIONS
from imports.models import ImportJob
from imports.plan import ImportRefused, Options, RowPlan, Summary, open_table
from imports.prepare import PlanRun, clean_prepared_rows, discard_prepared
from imports.progress import Progress, job_is_alive, lock_job
from imports.reports import save_report
from imports.write import EnterpriseWriter, GenericWriter


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
                job.message = coded("undo_interrupted")
            else:
                job.status = ImportJob.Status.FAILED
                job.message = coded("import_interrupted")
                discard_prepared(job)
            job.save(update_fields=["status", "message", "undone_by"])
    return job


def import_jobs_reap() -> int:
    """Mark every job whose worker died as failed (an undo: back to applied); the
    number marked. Run by the task worker's reaper (`manage.py task_worker`)."""
    running = (
        ImportJob.Status.CHECKING,
        ImportJob.Status.APPLYING,
        ImportJob.Status.UNDOING,
    )
    reaped = 0
    for job in ImportJob.objects.filter(status__in=running).order_by("pk"):
        if import_job_refresh(job).status not in running:
            reaped += 1
    return reaped


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
    sheet: str = "",
    enqueue: bool = True,
) -> ImportJob:
    """Record an uploaded file after checking it can be read (raises TabularError,
    and records nothing, when it cannot), and queue its dry run."""
    from imports.tasks import check_import

    if kind not in SECTIONS:
        raise TabularError(coded("unknown_import_kind"))
    clean_prepared_rows()
    table, _fields = open_table(data, kind, sheet)
    # The sheet read, when there was a choice: the check and the apply read it.
    sheet = table.sheet if len(table.sheets) > 1 else ""
    del table
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            file_name=file_name[:255],
            sha256=digest,
            size=len(data),
            options={
                key: value
                for key, value in (("language", language), ("sheet", sheet))
                if value
            },
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
    job: ImportJob | None = None,
) -> Summary:
    """The dry run of a file; for a `job`, its cleaned rows and search documents
    are stored for the apply."""
    table, fields = open_table(data, kind, options.sheet)
    progress.total = table.estimated_rows
    summary = Summary()
    sha256 = hashlib.sha256(data).hexdigest() if job else ""
    run = PlanRun(kind, table, fields, options, job=job, sha256=sha256)

    def rows() -> Iterator[RowPlan]:
        for plans in run:
            for plan in plans:
                summary.add(plan)
                yield plan
            progress.update(summary.rows)

    try:
        if job is None:
            for _row in rows():
                pass
        else:  # the report is written as the rows are planned
            save_report(job, rows())
            # Where the stored rows came from, so the apply reads them without
            # reading the file again.
            options = {k: v for k, v in job.options.items() if k != "read"}
            if run.store is not None and run.finished:
                options["read"] = run.read
            job.options = options
    finally:
        run.close()
    return summary


def dry_run(
    kind: str, data: bytes, options: Options | None = None
) -> Iterator[RowPlan]:
    """Every row's plan for a file (the command line prints these)."""
    options = options or Options()
    table, fields = open_table(data, kind, options.sheet)
    run = PlanRun(kind, table, fields, options)
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
            lock_job(job.pk)
            progress.update(0, status=ImportJob.Status.CHECKING)
            try:
                summary = _summarise(
                    job.kind,
                    _job_data(job),
                    Options(sheet=job.options.get("sheet") or ""),
                    progress,
                    job=job,
                )
            except TabularError as exc:
                job.status = ImportJob.Status.INVALID
                job.message = exc.stored
                discard_prepared(job)
            else:
                job.status = ImportJob.Status.CHECKED
                job.counts = {**summary.counts, "rows": summary.rows}
                job.flagged = summary.flagged
                job.report = summary.report
                job.message = summary.blocking(Options(accept_warnings=True))
                if summary.counts.get("error"):
                    # Rows to correct: the file is uploaded again, or applied
                    # without them (prepared again then); keep nothing meanwhile.
                    discard_prepared(job)
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
    accept_rows: list[int] | None = None,
    skip_bad: bool = False,
) -> ImportJob:
    """Queue the apply of a checked job (raises ValidationError if it cannot be):
    the likely duplicates in `confirm_rows` are created, the warnings of the rows
    in `accept_rows` (of every row with `accept_warnings`) accepted; with
    `skip_bad` the rows with errors or warnings not accepted are left out (and
    listed for download) instead of refusing the file."""
    from imports.tasks import apply_import

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(_("This import cannot be applied in its current state."))
    options = Options(
        confirm_rows=frozenset(confirm_rows or []),
        accept_warnings=accept_warnings,
        accept_rows=frozenset(accept_rows or []),
        skip_bad=skip_bad,
    )
    summary = Summary(counts=dict(job.counts), flagged=dict(job.flagged or {}))
    blocking = summary.blocking(options)
    if blocking:
        raise ValidationError(render_message(blocking))
    if skip_bad and job.counts.get("rows", 0) <= job.counts.get("error", 0):
        raise ValidationError(_("Every row has an error: there is nothing to apply."))
    warned = set(job.flagged.get("warning", []))
    job.options = {
        **job.options,
        "confirm_rows": sorted(options.confirm_rows),
        "accept_warnings": accept_warnings,
        "accept_rows": sorted(options.accept_rows & warned),
        "skip_bad": skip_bad,
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
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=validation_texts(exc)
            if isinstance(exc, ValidationError)
            else exc.stored,
        )
        discard_prepared(job)
    except BaseException:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=coded("import_failed"),
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
    lock_job(job.pk)
    progress.update(0, status=ImportJob.Status.APPLYING)
    sha256 = hashlib.sha256(data).hexdigest()
    # The rows the dry run prepared, if they are all there for this file and
    # data: the file is then not read again (a large workbook's cells would be
    # parsed and held in memory once more, for nothing).
    run = PlanRun.from_prepared(job.kind, options, job=job, sha256=sha256)
    if run is None:
        table, fields = open_table(data, job.kind, options.sheet)
        progress.total = progress.total or table.estimated_rows
        run = PlanRun(
            job.kind, table, fields, options, for_apply=True, job=job, sha256=sha256
        )
        del table
    progress.total = progress.total or job.counts.get("rows", 0)
    summary = Summary()
    section = SECTIONS[job.kind]
    writer = (
        EnterpriseWriter(job, actor)
        if job.kind == "enterprises"
        else section.writer(job, actor)
        if section.writer is not None
        else GenericWriter(job, section)
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
                if options.refuses(plan):
                    if options.skip_bad:
                        plan.action = "skip"  # left out, listed for download
                    elif plan.errors:
                        raise ImportRefused(
                            coded("row_error", row=plan.row, error=plan.errors)
                        )
                    else:
                        raise ImportRefused(
                            coded("row_warning", row=plan.row, warning=plan.warnings)
                        )
                summary.add(plan)
            try:
                writer.write(plans)
            except ValidationError as exc:
                raise ImportRefused(
                    coded("entry_not_saved", error=validation_texts(exc))
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
    job.result = {**writer.result, "skipped": summary.skipped}
    job.message = ""
    job.progress_done = job.progress_total = summary.rows
    job.save()
    discard_prepared(job)
    return summary
