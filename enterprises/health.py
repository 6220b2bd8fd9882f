"""Data health of enterprise profiles: completeness and staleness.

The completeness score is defined once, in :data:`COMPLETENESS_FIELDS`, and computed
two ways that agree: :func:`completeness` in Python for one enterprise, and
:func:`completeness_sql` as a SQL expression so that the dashboard and the search page
can count and filter a million rows in one scan. Only columns of the enterprise row
count (no joins), so the SQL stays a per-row expression.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

STALE_AFTER_DAYS = 365  # "not confirmed in 12 months"
INCOMPLETE_BELOW = 70  # a score under this (percent) is an incomplete profile

# (label, kind, columns): what "filled" means for each part of the profile
# (DESIGN.md: Enterprise profile).
#   text   - every column is a non-empty string
#   value  - the column is not NULL
#   array  - the array has at least one element
#   any    - at least one of the text columns is non-empty
#   export - not an exporter, or an exporter with at least one market
COMPLETENESS_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("English name", "text", ("name_en",)),
    ("short name", "text", ("short_name",)),
    ("USCC", "value", ("uscc",)),
    ("founded year", "value", ("founded_year",)),
    ("address", "text", ("address",)),
    ("coordinates", "value", ("latitude",)),
    ("business model", "array", ("business_models",)),
    ("sector", "array", ("sectors",)),
    ("products", "text", ("products",)),
    ("processes", "text", ("processes",)),
    ("monthly capacity", "text", ("monthly_capacity",)),
    ("minimum order", "text", ("moq",)),
    ("lead time", "value", ("lead_time_days",)),
    ("description", "text", ("description",)),
    ("export markets", "export", ("is_exporter", "export_markets")),
    ("employees", "text", ("employee_band",)),
    ("revenue", "text", ("revenue_band",)),
    ("contact person", "text", ("contact_person",)),
    ("phone or email", "any", ("contact_phone", "contact_email")),
    ("website", "text", ("website",)),
)


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
    """The completeness score of an enterprise, 0–100 (integer percent)."""
    total = len(COMPLETENESS_FIELDS)
    return (total - len(missing_parts(enterprise))) * 100 // total


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
        f"(CASE WHEN {_sql_filled(table, kind, columns)} THEN 1 ELSE 0 END)"
        for _label, kind, columns in COMPLETENESS_FIELDS
    )
    return f"(({terms}) * 100 / {len(COMPLETENESS_FIELDS)})"


def stale_before() -> dt.date:
    """Profiles last confirmed before this date (or never) are stale."""
    return timezone.localdate() - dt.timedelta(days=STALE_AFTER_DAYS)


def stale_sql(table: str = "enterprises_enterprise") -> str:
    """SQL condition for a stale profile; takes one parameter, :func:`stale_before`."""
    return f"({table}.last_confirmed_on IS NULL OR {table}.last_confirmed_on < %s)"
