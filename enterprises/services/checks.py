"""The checks of a set of updates (`enterprise_update_many`) done for the whole
set in one statement each, which full_clean makes for each entry: foreign
keys, check and unique constraints; and values as the set's UPDATE sends them."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.sql import Query

from enterprises.models import Enterprise
from enterprises.services.values import jsonable

if TYPE_CHECKING:
    from enterprises.services import _Staged

# What validating an enterprise leaves out: its city (derived from the region)
# and its logo (an upload, checked by `core.uploads`).
CLEAN_EXCLUDE = ("city", "logo")


# Columns full_clean of a set of updates leaves out: the search's, rebuilt by the
# update (not read, so as not to send every document twice; their values are
# always valid, the database's column types hold them).
UNCLEANED = ("search_vector", "facets")


@dataclasses.dataclass
class _References:
    checked: list[str]  # the foreign keys found valid for every entry
    regions: dict[str, Any]  # the regions of the entries (and their cities)


def _references_valid(entries: list[Enterprise]) -> _References | None:
    """What full_clean checks of each entry's foreign keys (the row they name
    exists, `ForeignKey.validate`), for all entries in one statement per related
    model; None when one may not hold (then full_clean decides, row by row). The
    regions read (those of the entries and their cities) are returned for the
    search documents."""
    keys = [
        f
        for f in Enterprise._meta.concrete_fields
        if f.many_to_one and f.name not in CLEAN_EXCLUDE
    ]
    checked = []
    regions: dict[str, Any] = {}
    key: Any
    for key in keys:
        values = [getattr(e, key.attname) for e in entries]
        wanted = {v for v in values if v is not None}
        if key.name == "region":
            wanted |= {e.city_id for e in entries if e.city_id}
        if not wanted:
            checked.append(key.name)
            continue
        found = (
            key.remote_field.model._base_manager.complex_filter(
                key.get_limit_choices_to()
            )
            .filter(**{f"{key.target_field.name}__in": wanted})
            .in_bulk(field_name=key.target_field.name)
        )
        for value in values:
            if value is None:
                if key.null:
                    continue
                return None  # (full_clean refuses it)
            clean = key.target_field.to_python(value)
            if type(clean) is not type(value) or clean != value or value not in found:
                return None
        if key.name == "region":
            if any(e.city_id and e.city_id not in found for e in entries):
                return None
            regions = found
        checked.append(key.name)
    return _References(checked, regions)


def _constraints_hold(staged: list[_Staged]) -> bool:
    """What full_clean's `validate_constraints` checks of each entry, for all
    entries at once: every check constraint's condition, compiled as Django
    compiles it into the table's definition, over the entries' values in one
    statement; every unique constraint on fields in one query for the values
    the entries would hold (another entry holding one, or two of these entries
    sharing one, may be refused; an entry whose constraint's fields are
    unchanged holds its value already, so the table has it nowhere else). False
    when one may not hold; a constraint of another kind is checked entry by
    entry."""
    meta = Enterprise._meta
    entries = [one.enterprise for one in staged]
    checks = [c for c in meta.constraints if isinstance(c, models.CheckConstraint)]
    uniques = [
        c
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint)
        and c.fields
        and not c.expressions
        and c.nulls_distinct is not False
    ]
    others = [c for c in meta.constraints if c not in checks and c not in uniques]
    for entry in entries:
        for constraint in others:
            try:
                constraint.validate(Enterprise, entry, exclude=set(CLEAN_EXCLUDE))
            except ValidationError:
                return False
    conditions = [c.condition for c in checks] + [
        c.condition for c in uniques if c.condition is not None
    ]
    if not conditions:
        holds: list[Any] = [() for _e in entries]
    else:
        holds = _conditions(entries, conditions)
        if not all(all(row[: len(checks)]) for row in holds):
            return False
    conditional = iter(range(len(checks), len(conditions)))
    for constraint in uniques:
        column = next(conditional) if constraint.condition is not None else None
        reads = set(constraint.fields)
        if constraint.condition is not None:
            reads |= constraint.condition.referenced_base_fields
        wanted: dict[tuple, int] = {}
        changed: list[tuple] = []
        for one, row in zip(staged, holds, strict=True):
            if column is not None and not row[column]:
                continue
            value = tuple(
                getattr(one.enterprise, _concrete(name).attname)
                for name in constraint.fields
            )
            if any(v is None for v in value):
                continue  # NULL never repeats another
            if value in wanted:
                return False
            wanted[value] = one.enterprise.pk
            if reads & one.diff.keys():
                changed.append(value)
        if not changed:
            continue
        if len(constraint.fields) == 1:
            query = models.Q(**{f"{constraint.fields[0]}__in": [v for (v,) in changed]})
        else:
            query = models.Q()
            for value in changed:
                query |= models.Q(**dict(zip(constraint.fields, value, strict=True)))
        held = Enterprise._default_manager.filter(query)
        if constraint.condition is not None:
            held = held.filter(constraint.condition)
        for pk, *value in held.values_list("pk", *constraint.fields):
            if wanted.get(tuple(value), pk) != pk:
                return False
    return True


def _conditions(entries: list[Enterprise], conditions: list[Any]) -> list[tuple]:
    """Whether each condition (a Q of the enterprise's fields) holds for each
    entry's values (NULL counts as holding, as in a CHECK), in one statement: the
    values sent as JSON rows of the table's type."""
    meta = Enterprise._meta
    query = Query(model=Enterprise, alias_cols=False)
    compiler = query.get_compiler(connection=connection)
    parts: list[str] = []
    params: list[Any] = []
    names: set[str] = set()
    for condition in conditions:
        sql, where_params = query.build_where(condition).as_sql(compiler, connection)
        parts.append(f"COALESCE(({sql}), true)")
        params += where_params
        names |= condition.referenced_base_fields
    fields = [_concrete(name) for name in sorted(names)]
    rows = [
        {f.column: _json_value(f, getattr(e, f.attname)) for f in fields}
        for e in entries
    ]
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(parts)} "  # noqa: S608 - compiled by Django
            f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) "
            "WITH ORDINALITY AS entry ORDER BY ordinality",
            [*params, json.dumps(rows, ensure_ascii=False)],
        )
        return [tuple(row) for row in cursor.fetchall()]


def _concrete(name: str) -> Any:
    """An enterprise's concrete field by name."""
    return Enterprise._meta.get_field(name)


def _json_value(field: Any, value: Any) -> Any:
    """A field's value as Django would send it to PostgreSQL, as JSON for
    `jsonb_populate_record` (which reads it into the column's type)."""
    value = field.get_db_prep_save(value, connection)
    if hasattr(value, "obj"):  # psycopg's Jsonb adapter of a JSONField
        value = value.obj
    return jsonable(value)
