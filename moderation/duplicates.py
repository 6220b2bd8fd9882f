"""Likely duplicates: pairs of entries that look like one firm, found in set-based
SQL (one GROUP BY per reason over the whole table, no pair-by-pair comparison),
kept in ``DuplicatePair`` for the staff queue at ``/review/duplicates/``.

Reasons and their weight in the score (0–100, ``1 - Π(1 - weight)`` over the
reasons a pair shares): the same organisation code (USCC characters 9–17, GB
11714: the USCC itself is unique, so two entries of one organisation differ in the
region or check part), the same name key in the same county, the same e-mail,
phone (its last 11 digits) or website host. A value shared by more than
``MAX_GROUP`` entries (a market's switchboard) says nothing and is skipped.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from moderation.models import DuplicatePair, DuplicateScan
from moderation.services.common import User, _require_staff

MAX_GROUP = 10
TABLE = Enterprise._meta.db_table

# reason: (weight, key expression, condition)
RULES: dict[str, tuple[float, str, str]] = {
    "uscc": (0.9, "substr(uscc, 9, 9)", "length(uscc) = 18"),
    "name": (0.8, "name_key || '|' || region_id", "name_key <> ''"),
    "email": (0.7, "lower(btrim(contact_email))", "btrim(contact_email) <> ''"),
    "phone": (
        0.6,
        "right(regexp_replace(contact_phone, '[^0-9]', '', 'g'), 11)",
        "length(regexp_replace(contact_phone, '[^0-9]', '', 'g')) >= 7",
    ),
    "website": (
        0.5,
        r"substring(lower(website) from '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)')",
        "website <> ''",
    ),
}


def open_pairs():
    """The pairs waiting for a decision: not dismissed, both entries still there
    and not merged away."""
    return DuplicatePair.objects.filter(
        dismissed_at__isnull=True,
        low__merged_into__isnull=True,
        high__merged_into__isnull=True,
    )


def duplicates_find(*, scan: DuplicateScan | None = None) -> int:
    """Find every likely duplicate pair again (dismissed pairs stay dismissed);
    returns how many open pairs there are. ``scan`` receives the progress."""
    started = time.perf_counter()
    steps = len(RULES) + 1
    # The steps run one by one (outside a transaction when called so, as by the
    # task) so that the scan's progress shows; the queue changes at once at the end.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS duplicate_found")
        cursor.execute(
            "CREATE TEMPORARY TABLE duplicate_found "
            "(low integer, high integer, reason text, weight float8)"
        )
        for step, (reason, (weight, key, condition)) in enumerate(RULES.items()):
            # Constant SQL from RULES; values are parameters.
            cursor.execute(
                f"""
                INSERT INTO duplicate_found
                SELECT a, b, %s, %s FROM (
                    SELECT array_agg(id) AS ids FROM (
                        SELECT id, {key} AS k FROM {TABLE}
                        WHERE merged_into_id IS NULL AND {condition}
                    ) keyed
                    WHERE k IS NOT NULL AND k <> ''
                    GROUP BY k HAVING count(*) BETWEEN 2 AND %s
                ) groups, unnest(ids) a, unnest(ids) b
                WHERE a < b
                """,  # noqa: S608
                [reason, weight, MAX_GROUP],
            )
            _progress(scan, (step + 1) * 100 // steps)
        with transaction.atomic():
            _replace_pairs(cursor)
        cursor.execute("DROP TABLE duplicate_found")
    found = open_pairs().count()
    if scan is not None:
        DuplicateScan.objects.filter(pk=scan.pk).update(
            status=DuplicateScan.Status.DONE,
            progress=100,
            found=found,
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
        )
    return found


def _replace_pairs(cursor) -> None:
    cursor.execute("DELETE FROM moderation_duplicatepair WHERE dismissed_at IS NULL")
    cursor.execute(
        """
        INSERT INTO moderation_duplicatepair (low_id, high_id, reasons, score, found_at)
        SELECT low, high, array_agg(reason ORDER BY weight DESC),
               round(100 * (1 - exp(sum(ln(1 - weight)))))::smallint, now()
        FROM duplicate_found GROUP BY low, high
        ON CONFLICT (low_id, high_id) DO NOTHING
        """
    )


def _progress(scan: DuplicateScan | None, percent: int) -> None:
    if scan is None:
        return
    DuplicateScan.objects.filter(pk=scan.pk).update(
        status=DuplicateScan.Status.RUNNING, progress=percent
    )


@transaction.atomic
def duplicate_scan_start(*, actor: User) -> DuplicateScan:
    """Staff only: queue a run of the finder (one at a time)."""
    _require_staff(actor)
    running = DuplicateScan.objects.filter(
        status__in=[DuplicateScan.Status.QUEUED, DuplicateScan.Status.RUNNING]
    ).first()
    if running is not None:
        return running
    scan = DuplicateScan.objects.create(started_by=actor)
    from moderation.tasks import find_duplicates

    transaction.on_commit(lambda: find_duplicates.enqueue(scan.pk))
    return scan


@transaction.atomic
def duplicate_dismiss(*, actor: User, pair: DuplicatePair) -> DuplicatePair:
    """Staff only: "not the same firm"; the pair never comes back."""
    _require_staff(actor)
    if pair.dismissed_at is not None:
        raise ValidationError(_("This pair has already been dismissed."))
    pair.dismissed_at = timezone.now()
    pair.dismissed_by = actor
    pair.save(update_fields=["dismissed_at", "dismissed_by"])
    return pair
