"""Data health of enterprise profiles: completeness and staleness.

The completeness score is defined once, in the field registry (each field's
``completeness`` part, gathered in :data:`COMPLETENESS_FIELDS`), and computed
two ways that agree: :func:`completeness` in Python for one enterprise, and
:func:`completeness_sql` as a SQL expression so that the dashboard and the search page
can count and filter a million rows in one scan. Only columns of the enterprise row
count (no joins), so the SQL stays a per-row expression.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from enterprises.fields import COMPLETENESS_PARTS

STALE_AFTER_DAYS = 365  # "not confirmed in 12 months"
INCOMPLETE_BELOW = 70  # a score under this (percent) is an incomplete profile

# (label, kind, columns) of each part of the profile the score counts, from the
# field registry (`enterprises.fields.Completeness` says what "filled" means).
COMPLETENESS_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (part.part, part.kind, part.columns) for part in COMPLETENESS_PARTS
)
_WEIGHTS = tuple(part.weight for part in COMPLETENESS_PARTS)
_TOTAL_WEIGHT = sum(_WEIGHTS)


def _filled(enterprise, kind: str, columns: tuple[str, ...]) -> bool:
    values = [getattr(enterprise, c) for c in columns]
    if kind == "text":
        return all(bool(v) for v in values)
    if kind == "value":
        return values[0] is not None and values[0] != ""
    if kind == "array":
        return bool(values[0])
    if kind == "any":
        return any(bool(v) for v in values)
    if kind == "export":
        return not values[0] or bool(values[1])
    raise ValueError(kind)


def missing_parts(enterprise) -> list[str]:
    """Labels of the profile parts that are not filled in."""
    return [
        label
        for label, kind, columns in COMPLETENESS_FIELDS
        if not _filled(enterprise, kind, columns)
    ]


def completeness(enterprise) -> int:
    """The completeness score of an enterprise, 0–100 (integer percent): the
    weighted share of the parts filled in."""
    filled = sum(
        weight
        for weight, (_label, kind, columns) in zip(
            _WEIGHTS, COMPLETENESS_FIELDS, strict=True
        )
        if _filled(enterprise, kind, columns)
    )
    return filled * 100 // _TOTAL_WEIGHT


def _sql_filled(table: str, kind: str, columns: tuple[str, ...]) -> str:
    cols = [f"{table}.{c}" for c in columns]
    if kind == "text":
        return " AND ".join(f"{c} <> ''" for c in cols)
    if kind == "value":
        return f"{cols[0]} IS NOT NULL"
    if kind == "array":
        return f"cardinality({cols[0]}) > 0"
    if kind == "any":
        return " OR ".join(f"{c} <> ''" for c in cols)
    if kind == "export":
        return f"NOT {cols[0]} OR cardinality({cols[1]}) > 0"
    raise ValueError(kind)


def completeness_sql(table: str = "enterprises_enterprise") -> str:
    """A SQL expression equal to :func:`completeness` for each row of ``table``.

    Built from constants only (no user input): safe to embed in a query.
    """
    terms = " + ".join(
        f"(CASE WHEN {_sql_filled(table, kind, columns)} THEN {weight} ELSE 0 END)"
        for weight, (_label, kind, columns) in zip(
            _WEIGHTS, COMPLETENESS_FIELDS, strict=True
        )
    )
    return f"(({terms}) * 100 / {_TOTAL_WEIGHT})"


def stale_before() -> dt.date:
    """Profiles last confirmed before this date (or never) are stale."""
    return timezone.localdate() - dt.timedelta(days=STALE_AFTER_DAYS)


def stale_sql(table: str = "enterprises_enterprise") -> str:
    """SQL condition for a stale profile; takes one parameter, :func:`stale_before`."""
    return f"({table}.last_confirmed_on IS NULL OR {table}.last_confirmed_on < %s)"
