"""Background work of imports (Django tasks; arguments are IDs only)."""

from django.tasks import task


@task
def check_import(job_id: int) -> str:
    """The dry run of an uploaded import."""
    from imports.jobs import import_job_check

    return import_job_check(job_id=job_id).status


@task
def apply_import(job_id: int) -> str:
    """Apply a checked import, atomically."""
    from imports.jobs import import_job_apply

    return import_job_apply(job_id=job_id).status


@task
def undo_import(job_id: int) -> str:
    """Undo an applied import, atomically."""
    from imports.undo import import_job_run_undo

    return import_job_run_undo(job_id=job_id).status
