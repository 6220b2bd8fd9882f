"""Background work of moderation (Django tasks; arguments are IDs only)."""

from django.tasks import task


@task
def find_duplicates(scan_id: int) -> int:
    """Find likely duplicate entries again (the queue at /review/duplicates/)."""
    from moderation.duplicates import duplicates_find
    from moderation.models import DuplicateScan

    scan = DuplicateScan.objects.get(pk=scan_id)
    try:
        return duplicates_find(scan=scan)
    except Exception:
        DuplicateScan.objects.filter(pk=scan_id).update(
            status=DuplicateScan.Status.FAILED
        )
        raise
