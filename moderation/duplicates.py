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

# The host of a website: no scheme, path, port or leading "www.".
_HOST = (
    "split_part(split_part(CASE WHEN position('://' in lower(website)) > 0 "
    "THEN split_part(lower(website), '://', 2) ELSE lower(website) END, '/', 1), "
    "':', 1)"
)
_DIGITS = "translate(contact_phone, ' -()+./', '')"

# reason: (weight, key expression: NULL for none). Plain string functions, not
# regular expressions: these run over every row (4 s per 100,000 rows with them).
RULES: dict[str, tuple[float, str]] = {
    "uscc": (0.9, "CASE WHEN length(uscc) = 18 THEN substr(uscc, 9, 9) END"),
    "name": (0.8, "CASE WHEN name_key <> '' THEN name_key || '|' || region_id END"),
    "email": (0.7, "nullif(lower(btrim(contact_email)), '')"),
    "phone": (0.6, f"CASE WHEN length({_DIGITS}) >= 7 THEN right({_DIGITS}, 11) END"),
    "website": (
        0.5,
        f"nullif(CASE WHEN left({_HOST}, 4) = 'www.' THEN substr({_HOST}, 5) "
        f"ELSE {_HOST} END, '')",
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


def duplicates_find(
    *, scan: DuplicateScan | None = None, table: str = TABLE, keep: bool = True
) -> int:
    """Find every likely duplicate pair again (dismissed pairs stay dismissed);
    returns how many open pairs there are. ``scan`` receives the progress.
    ``table`` and ``keep=False`` (count the pairs, keep nothing) are for the
    benchmark, which runs the same SQL over a generated table."""
    started = time.perf_counter()
    steps = len(RULES) + 2
    # The steps run one by one (outside a transaction when called so, as by the
    # task) so that the scan's progress shows; the queue changes at once at the end.
    with connection.cursor() as cursor:
        # Hashing a million keys in the default 4 MB spills to disk.
        cursor.execute("SET work_mem = '128MB'")
        cursor.execute("DROP TABLE IF EXISTS duplicate_found")
        cursor.execute("DROP TABLE IF EXISTS duplicate_keys")
        cursor.execute(
            "CREATE TEMPORARY TABLE duplicate_found "
            "(low integer, high integer, reason text, weight float8)"
        )
        # One pass over the entries computes every key; one GROUP BY per reason.
        keys = ", ".join(f"{key} AS {reason}" for reason, (_w, key) in RULES.items())
        cursor.execute(
            f"CREATE TEMPORARY TABLE duplicate_keys AS SELECT id, {keys} "  # noqa: S608
            f"FROM {table} WHERE merged_into_id IS NULL"
        )
        _progress(scan, 100 // steps)
        for step, (reason, (weight, _key)) in enumerate(RULES.items(), start=1):
            # Constant SQL from RULES; values are parameters.
            # The keys held by 2..MAX_GROUP entries (a count, no arrays), their
            # few entries, then those paired.
            cursor.execute(
                f"""
                INSERT INTO duplicate_found
                WITH members AS MATERIALIZED (
                    SELECT e.id, e.{reason} AS k
                    FROM duplicate_keys e
                    JOIN (
                        SELECT {reason} AS k FROM duplicate_keys
                        WHERE {reason} IS NOT NULL
                        GROUP BY {reason} HAVING count(*) BETWEEN 2 AND %s
                    ) shared ON e.{reason} = shared.k
                )
                SELECT a.id, b.id, %s, %s
                FROM members a JOIN members b ON a.k = b.k AND a.id < b.id
                """,  # noqa: S608
                [MAX_GROUP, reason, weight],
            )
            _progress(scan, (step + 1) * 100 // steps)
        cursor.execute("DROP TABLE duplicate_keys")
        cursor.execute("RESET work_mem")
        if not keep:
            cursor.execute("SELECT count(DISTINCT (low, high)) FROM duplicate_found")
            (found,) = cursor.fetchone()
            cursor.execute("DROP TABLE duplicate_found")
            return found
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
