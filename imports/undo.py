"""Undoing an applied import: the entries it created are deleted (set-based, one
statement per related table), the values it updated are put back; refused when an
entry has changed since."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import signals
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.messages import coded, validation_texts
from enterprises.models import ChangeRecord, Enterprise
from enterprises.services import change_record_revert_many, jsonable
from imports.columns import SECTIONS
from imports.models import ImportJob
from imports.progress import Progress, lock_job

UNDO_CHUNK = 20_000  # created entries deleted per round of statements
REVERT_CHUNK = 1000  # updates reverted per round of statements
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
            message=validation_texts(exc),
            undone_by=None,
        )
    except BaseException:
        ImportJob.objects.filter(pk=job.pk, status__in=UNDO_RUNNING).update(
            status=ImportJob.Status.APPLIED,
            message=coded("undo_failed"),
            undone_by=None,
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
    lock_job(job.pk)
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
    reason = coded("undo_of_import", id=job.pk)
    created = [int(pk) for pk in job.result.get("created", [])]
    done = 0
    if job.kind == "enterprises":
        later = _changed_since(created, reference=f"import:{job.pk}")
        if later is not None:
            raise ValidationError(
                gettext_lazy(
                    "Enterprise %(id)s, created by this import, has changed since; "
                    "revert that change first."
                ),
                params={"id": later},
            )
        # Newest first, a chunk of records at a time (an import records one
        # change per entry, so a chunk reverts in a few statements).
        records = sorted(
            (int(pk) for pk in job.result.get("records", [])), reverse=True
        )
        for start in range(0, len(records), REVERT_CHUNK):
            chunk = records[start : start + REVERT_CHUNK]
            change_record_revert_many(
                actor=actor,
                records=list(ChangeRecord.objects.filter(pk__in=chunk).order_by("-id")),
                reason=reason,
            )
            done += len(chunk)
            progress.update(done)
        for start in range(0, len(created), UNDO_CHUNK):
            chunk = created[start : start + UNDO_CHUNK]
            delete_rows(Enterprise, chunk)
            done += len(chunk)
            progress.update(done)
    elif SECTIONS[job.kind].undo is not None:
        SECTIONS[job.kind].undo(job=job, actor=actor, progress=progress)
    else:
        model = SECTIONS[job.kind].model
        for pk, changes in job.result.get("updated", {}).items():
            obj = model.objects.select_for_update().get(pk=int(pk))
            for name, (old, new) in changes.items():
                if jsonable(getattr(obj, name)) != new:
                    raise ValidationError(
                        gettext_lazy(
                            "“%(name)s” has changed since the import; undo refused."
                        ),
                        params={"name": obj},
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
    import (`reference`) that still stands, if any.

    A change stands unless a revert of it stands (as the undo of a later import
    reverts that import's changes; a revert of a revert puts the change back).
    A standing revert of a change by something else only cancels it; a revert
    of this import's own change is a change."""
    if not created:
        return None
    table = ChangeRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT id, enterprise_id, reverts_id FROM "{table}" '  # noqa: S608
            "WHERE enterprise_id = ANY(%s::bigint[]) "
            "AND reference IS DISTINCT FROM %s",
            [id_array(created), reference],
        )
        records = cursor.fetchall()
    if not records:
        return None
    reverted_by: dict[int, list[int]] = {}
    for pk, _entry, reverts in records:
        if reverts is not None:
            reverted_by.setdefault(reverts, []).append(pk)
    standing: dict[int, bool] = {}

    def stands(pk: int) -> bool:
        # Reverts come after what they revert: settle the latest first.
        for later in sorted(reverted_by.get(pk, []), reverse=True):
            if later not in standing:
                standing[later] = stands(later)
        return not any(standing[later] for later in reverted_by.get(pk, []))

    others = {pk for pk, _entry, _reverts in records}
    changed = [
        entry
        for pk, entry, reverts in sorted(records, reverse=True)
        if standing.setdefault(pk, stands(pk))
        and not (reverts is not None and reverts in others)
    ]
    return min(changed) if changed else None


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
                    gettext_lazy(
                        "An entry to be deleted is still referred to by "
                        "%(model)s; undo refused."
                    ),
                    params={"model": related._meta.verbose_name_plural},
                )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default


_PK_ANY = '"%s" = ANY(%%(ids)s::bigint[])'
_MAX_DEPTH = 5


def _reverse_relations(meta: Any) -> Iterator[Any]:
    """The one-to-many and one-to-one relations pointing at a model (hidden ones
    and automatic many-to-many tables included), through the public Model _meta
    API: those Django's delete collector follows."""
    return (
        f
        for f in meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_one or f.one_to_many)
    )


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
    for rel in _reverse_relations(meta):
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
