"""Writes to enterprises. Every published change goes through `enterprise_update`,
which validates, saves, records the change (who, when, old/new, why, origin) and keeps
the search index current."""

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.sql import Query
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.choices import Source
from enterprises.fields import EDITABLE_FIELDS
from enterprises.models import ChangeRecord, Enterprise
from enterprises.search.indexing import (
    INDEXED_FIELDS,
    IndexData,
    index,
    index_data,
)

# Fields `enterprise_update` may change (the field registry's editable fields).
# "clusters" takes a list of cluster slugs.
UPDATABLE_FIELDS = frozenset(EDITABLE_FIELDS)
ORIGIN_SOURCE: dict[str, str] = {
    ChangeRecord.Origin.STAFF: Source.STAFF_VERIFIED,
    ChangeRecord.Origin.CHANGE_REQUEST: Source.SELF_REPORTED,
    ChangeRecord.Origin.SELF_SERVICE: Source.SELF_REPORTED,
    ChangeRecord.Origin.IMPORT: Source.IMPORT,
    ChangeRecord.Origin.API: Source.STAFF_VERIFIED,
}

User = AuthUser | AnonymousUser


# Why a change was made: what a person typed, or a message the site writes (a
# code and its parameters, or a list of them: `core.messages`).
Reason = str | dict[str, Any] | list[Any]

# What an enterprise's search document reads of its related rows: certification
# schemes, designations (kind, title, English title), programme slugs.
Related = tuple[list[str], list[tuple[str, str, str]], list[str]]


def jsonable(value: Any) -> Any:
    """A field value as stored in history (JSON)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def field_value(enterprise: Enterprise, field: str) -> Any:
    """The current value of an updatable field, JSON-safe."""
    if field == "clusters":
        if "clusters" in getattr(enterprise, "_prefetched_objects_cache", {}):
            return sorted(c.slug for c in enterprise.clusters.all())  # (read)
        return sorted(enterprise.clusters.values_list("slug", flat=True))
    if field == "region":
        return enterprise.region_id
    return jsonable(getattr(enterprise, field))


def city_code(region: str | None) -> str | None:
    """The city (prefecture-level) of a county or district code."""
    return str(region)[:4] + "00" if region else None


def _set(enterprise: Enterprise, field: str, value: Any) -> None:
    if field == "region":
        enterprise.region_id = value
        enterprise.city_id = city_code(value)  # type: ignore[assignment]
    else:
        setattr(enterprise, field, value)


# What validating an enterprise leaves out: its city (derived from the region)
# and its logo (an upload, checked by `core.uploads`).
CLEAN_EXCLUDE = ("city", "logo")


def _refuse_unknown(changes: dict[str, Any]) -> None:
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )


@dataclasses.dataclass
class _Staged:
    """One enterprise's update on its way: the locked entry with the new values
    set, the changes asked for and what they change (old and new, as history
    stores them); the clusters' change apart."""

    enterprise: Enterprise
    changes: dict[str, Any]
    diff: dict[str, dict[str, Any]]
    clusters: dict[str, Any] | None = None
    update_fields: set[str] = dataclasses.field(default_factory=set)


def _stage(enterprise: Enterprise, changes: dict[str, Any]) -> _Staged | None:
    """Set the changed values on a (locked) entry; None when nothing differs."""
    diff: dict[str, dict[str, Any]] = {}
    for name, new in changes.items():
        old = field_value(enterprise, name)
        new_json = jsonable(sorted(new) if name == "clusters" else new)
        if old != new_json:
            diff[name] = {"old": old, "new": new_json}
    if not diff:
        return None
    staged = _Staged(enterprise, changes, diff, diff.pop("clusters", None))
    for name in diff:
        _set(enterprise, name, changes[name])
    return staged


def _settle(staged: _Staged, origin: str) -> bool:
    """After validation: record the values as cleaned (cleaning may normalise one,
    a USCC's case), drop what did not change after all, mark the sources and
    work out the fields to save. False when nothing changes."""
    enterprise, diff = staged.enterprise, staged.diff
    for name in list(diff):
        diff[name]["new"] = field_value(enterprise, name)
        if diff[name]["new"] == diff[name]["old"]:
            del diff[name]
    if not diff and staged.clusters is None:
        return False
    source = ORIGIN_SOURCE.get(origin)
    if source:
        enterprise.field_sources = {
            **enterprise.field_sources,
            **dict.fromkeys(
                list(diff) + (["clusters"] if staged.clusters else []), source
            ),
        }
    update_fields = set(diff)
    if "region" in update_fields:
        update_fields.add("city")
    staged.update_fields = {*update_fields, "field_sources", "updated_at"}
    return True


def _record(
    staged: _Staged,
    *,
    actor: User | None,
    origin: str,
    reason: Reason,
    reference: str,
) -> ChangeRecord:
    """The (unsaved) change record of a staged update."""
    diff = staged.diff
    if staged.clusters is not None:
        diff["clusters"] = staged.clusters
    return ChangeRecord(
        enterprise=staged.enterprise,
        actor=actor if isinstance(actor, AuthUser) else None,
        origin=origin,
        **reason_fields(reason),
        reference=reference,
        changes=diff,
    )


def enterprise_update(
    *,
    actor: User | None,
    enterprise: Enterprise,
    changes: dict[str, Any],
    origin: str,
    reason: Reason = "",
    reference: str = "",
) -> ChangeRecord | None:
    """Apply field changes to an enterprise and record them.

    `reason` is what a person typed, or a message the site writes (a code and its
    parameters, `core.messages.coded`: rendered in the reader's language).
    Returns the change record, or None when nothing actually changed. Raises
    ValidationError (nothing is saved) for unknown fields or invalid values.
    The one-entry case of `enterprise_update_many`.
    """
    [record] = enterprise_update_many(
        actor=actor,
        changes=[(enterprise.pk, changes)],
        origin=origin,
        reason=reason,
        reference=reference,
    )
    return record


@transaction.atomic
def _update_row(
    *,
    actor: User | None,
    pk: int,
    changes: dict[str, Any],
    origin: str,
    reason: Reason = "",
    reference: str = "",
) -> ChangeRecord | None:
    """`enterprise_update_many` for one entry, statement by statement (the
    model's full_clean, its own save, the cluster manager): what a set of
    updates falls back to when a set-based check says a value may be refused,
    so that the error raised, and the order entries are checked in, are
    exactly those of updating the entries one after the other."""
    _refuse_unknown(changes)
    enterprise = Enterprise.objects.select_for_update().get(pk=pk)
    staged = _stage(enterprise, changes)
    if staged is None:
        return None
    enterprise.full_clean(exclude=list(CLEAN_EXCLUDE))
    if not _settle(staged, origin):
        return None
    enterprise.save(update_fields=staged.update_fields)
    if staged.clusters is not None:
        slugs = staged.clusters["new"]
        clusters = list(_cluster_model().objects.filter(slug__in=slugs))
        if len(clusters) != len(set(slugs)):
            raise ValidationError(_("Unknown cluster."))
        enterprise.clusters.set(clusters)
    record = _record(
        staged, actor=actor, origin=origin, reason=reason, reference=reference
    )
    record.save()
    enterprise_reindex(enterprise=enterprise)
    return record


@transaction.atomic
def enterprise_update_many(
    *,
    actor: User | None,
    changes: Sequence[tuple[int, dict[str, Any]]],
    origin: str,
    reason: Reason = "",
    reference: str = "",
    references: Sequence[str] | None = None,
) -> list[ChangeRecord | None]:
    """Apply field changes to many enterprises (pairs of an ID and its changes,
    as `enterprise_update` takes them) and record them: for each, its change
    record or None when nothing changed, in the order given. `references` gives
    each entry's record its own reference instead of `reference`.

    What is written is what `enterprise_update` would write for each entry in
    turn (the values, the history, the search document and facet keys, the
    change feed's events, which the table's triggers write), made by the same
    functions, in a few statements whatever the number of entries: the entries
    locked and read in one, each validated by the model's `full_clean` without
    the statements (its references and constraints checked for all entries in one
    statement each, `_references_valid`, `_constraints_hold`), one UPDATE of every
    changed column, one DELETE and one INSERT of cluster links, one INSERT of
    change records. When one of those checks says a value may be refused, or an
    entry is named twice, the entries are updated one after the other
    (`_update_row`), which raises the exact ValidationError (nothing is saved)."""
    for _pk, entry_changes in changes:
        _refuse_unknown(entry_changes)
    pks = [pk for pk, _entry_changes in changes]
    entry_refs = list(references) if references is not None else [reference] * len(pks)
    if len(entry_refs) != len(pks):
        raise ValueError("one reference for each entry")

    def one_by_one() -> list[ChangeRecord | None]:
        return [
            _update_row(
                actor=actor,
                pk=pk,
                changes=entry_changes,
                origin=origin,
                reason=reason,
                reference=ref,
            )
            for (pk, entry_changes), ref in zip(changes, entry_refs, strict=True)
        ]

    if not pks:
        return []
    if len(set(pks)) != len(pks):
        return one_by_one()
    # The clusters come along (the diff reads them); the rest of what the search
    # documents read with `index_relations`.
    locked = (
        Enterprise.objects.select_for_update()
        .defer(*UNCLEANED)
        .prefetch_related("clusters")
    )
    entries = {e.pk: e for e in locked.filter(pk__in=pks)}
    if len(entries) != len(pks):
        return one_by_one()  # (raises Enterprise.DoesNotExist)
    staged: dict[int, _Staged] = {}
    for pk, entry_changes in changes:
        one = _stage(entries[pk], entry_changes)
        if one is not None:
            staged[pk] = one
    if not staged:
        return [None] * len(pks)
    touched = [one.enterprise for one in staged.values()]
    # full_clean's steps in its order: each entry's fields (normalised) and
    # rules, then the constraints, over the cleaned values.
    related = _references_valid(touched)
    if related is None:
        return one_by_one()
    for one in staged.values():
        try:
            one.enterprise.full_clean(
                exclude=[*CLEAN_EXCLUDE, *related.checked, *UNCLEANED],
                validate_constraints=False,
            )
        except ValidationError:
            return one_by_one()
    if not _constraints_hold(list(staged.values())):
        return one_by_one()
    settled = {pk: one for pk, one in staged.items() if _settle(one, origin)}
    wanted = {
        slug for one in settled.values() if one.clusters for slug in one.clusters["new"]
    }
    clusters = (
        {c.slug: c for c in _cluster_model().objects.filter(slug__in=wanted)}
        if wanted
        else {}
    )
    if len(clusters) != len(wanted):
        return one_by_one()  # (raises "Unknown cluster.")
    if not settled:
        return [None] * len(pks)
    _write_many(
        list(settled.values()),
        clusters,
        related.regions,
        index_relations(list(settled)),
    )
    ref_of = dict(zip(pks, entry_refs, strict=True))  # (each entry once here)
    records = {
        pk: _record(
            one, actor=actor, origin=origin, reason=reason, reference=ref_of[pk]
        )
        for pk, one in settled.items()
    }
    ChangeRecord.objects.bulk_create(records.values())
    return [records.get(pk) for pk in pks]


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


def _write_many(
    staged: list[_Staged],
    clusters: dict[str, Any],
    regions: dict[str, Any],
    relations: dict[int, Related],
) -> None:
    """Save validated updates: one UPDATE of every changed column (each entry's
    own columns only) with the search document and facet keys, the cluster links
    removed and added in one statement each."""
    columns: dict[str, Any] = {}
    rows = []
    through = Enterprise.clusters.through
    removed: list[tuple[int, int]] = []
    added = []
    for one in staged:
        enterprise = one.enterprise
        saved = Enterprise.fields_saved(one.update_fields)
        if saved & set(Enterprise.NAME_KEY_FIELDS):
            enterprise.set_name_keys()
        cluster_list = None
        if one.clusters is not None:  # as the cluster manager's set() does
            cluster_list = [clusters[slug] for slug in one.clusters["new"]]
            new = {c.pk for c in cluster_list}
            old = {c.pk for c in enterprise.clusters.all()}
            removed += [(enterprise.pk, pk) for pk in sorted(old - new)]
            added += [
                through(enterprise_id=enterprise.pk, cluster_id=pk)
                for pk in sorted(new - old)
            ]
        row: dict[str, Any] = {"id": enterprise.pk}
        for name in sorted(saved):
            f = _concrete(name)
            columns[f.column] = f
            row[f.column] = _json_value(f, f.pre_save(enterprise, False))
        document, facets = index(
            index_data_for(
                enterprise,
                regions=regions,
                clusters=cluster_list,
                related=relations[enterprise.pk],
            )
        )
        row["search_vector"], row["facets"] = document, facets
        rows.append(row)
    quote = connection.ops.quote_name
    table = quote(Enterprise._meta.db_table)
    sets = [
        f"{quote(column)} = CASE WHEN entry.r ? '{column}' "
        f"THEN new.{quote(column)} ELSE e.{quote(column)} END"
        for column in sorted(columns)
    ] + [f"{quote(c)} = new.{quote(c)}" for c in ("search_vector", "facets")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET {', '.join(sets)} "  # noqa: S608
            "FROM jsonb_array_elements(%s::jsonb) AS entry(r), "
            f"LATERAL jsonb_populate_record(NULL::{table}, entry.r) AS new "
            "WHERE e.id = new.id",
            [json.dumps(rows, ensure_ascii=False)],
        )
        if removed:
            cursor.execute(
                f"DELETE FROM {quote(through._meta.db_table)} "  # noqa: S608
                "WHERE (enterprise_id, cluster_id) IN "
                "(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
                [[e for e, _c in removed], [c for _e, c in removed]],
            )
    if added:
        through.objects.bulk_create(added)


def enterprise_values(
    *,
    data: dict[str, Any],
    origin: str,
    json: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """What creating an enterprise from field values (as `enterprise_update` takes
    them; "region" is a region code, "clusters" a list of slugs, not set here)
    sets: the column values by attribute name (on top of the model's defaults),
    and the changes its creation records: every field given a non-empty value, with
    ``old`` None. `json` may give ``jsonable(value)`` of some values, worked out
    ahead. Shared by `enterprise_create` and the bulk importer, which write the
    same rows."""
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    json = json or {}
    attrs: dict[str, Any] = {}
    changes: dict[str, dict[str, Any]] = {}
    for field, value in data.items():
        if field == "clusters":
            if value:
                changes[field] = {"old": None, "new": sorted(value)}
            continue
        if field == "region":
            attrs["region_id"] = value
            attrs["city_id"] = city_code(value)
        else:
            attrs[field] = value
        if value not in (None, "", [], False):
            new = json[field] if field in json else jsonable(value)
            changes[field] = {"old": None, "new": new}
    source = ORIGIN_SOURCE.get(origin)
    if source:
        attrs["source"] = source
        attrs["field_sources"] = dict.fromkeys(changes, str(source))
    return attrs, changes


def enterprise_build(
    *, data: dict[str, Any], origin: str
) -> tuple[Enterprise, dict[str, dict[str, Any]]]:
    """An unsaved enterprise made from field values (see `enterprise_values`) and
    the changes its creation records."""
    attrs, changes = enterprise_values(data=data, origin=origin)
    return Enterprise(**attrs), changes


@transaction.atomic
def enterprise_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    origin: str,
    reference: str = "",
) -> Enterprise:
    """Create an enterprise from field values and record its creation in history.

    Raises ValidationError (nothing is saved) for unknown fields, invalid values or
    unknown clusters.
    """
    enterprise, changes = enterprise_build(data=data, origin=origin)
    enterprise.full_clean(exclude=["city", "logo"])
    for field in changes.keys() - {"clusters"}:  # as cleaned (see enterprise_update)
        changes[field]["new"] = field_value(enterprise, field)
    enterprise.save()
    slugs = data.get("clusters") or []
    if slugs:
        clusters = list(_cluster_model().objects.filter(slug__in=slugs))
        if len(clusters) != len(set(slugs)):
            raise ValidationError(_("Unknown cluster."))
        enterprise.clusters.set(clusters)
    ChangeRecord.objects.create(
        enterprise=enterprise,
        actor=actor if isinstance(actor, AuthUser) else None,
        origin=origin,
        reference=reference,
        changes=changes,
    )
    enterprise_reindex(enterprise=enterprise)
    return enterprise


def reason_fields(reason: Reason | None) -> dict[str, Any]:
    """The columns of a change record that hold `reason`: a person's text in
    ``reason``, a message of the site's (`core.messages`) in ``system_reason``."""
    if isinstance(reason, dict | list):
        return {"reason": "", "system_reason": reason}
    return {"reason": reason or "", "system_reason": None}


@transaction.atomic
def change_record_revert(
    *, actor: User, record: ChangeRecord, reason: Reason = ""
) -> ChangeRecord | None:
    """Put back the old values of a recorded change (itself recorded)."""
    [revert] = change_record_revert_many(actor=actor, records=[record], reason=reason)
    return revert


def _reverted_values(enterprise: Enterprise, record: ChangeRecord) -> dict[str, Any]:
    """The changes that put back a record's old values; raises ValidationError
    when one of its fields has changed again since."""
    for name, values in record.changes.items():
        if field_value(enterprise, name) != values["new"]:
            raise ValidationError(
                gettext_lazy(
                    "“%(field)s” has changed again since; revert the later change "
                    "first."
                ),
                params={
                    "field": getattr(
                        Enterprise._meta.get_field(name), "verbose_name", name
                    )
                },
            )
    old = {name: values["old"] for name, values in record.changes.items()}
    for name in ("latitude", "longitude"):
        if old.get(name) is not None:
            old[name] = Decimal(old[name])
    for name in ("last_confirmed_on",):
        if old.get(name):
            old[name] = dt.date.fromisoformat(old[name])
    return old


@transaction.atomic
def change_record_revert_many(
    *, actor: User | None, records: Sequence[ChangeRecord], reason: Reason = ""
) -> list[ChangeRecord | None]:
    """Revert recorded changes of different entries in the order given (as
    `change_record_revert` each, through `enterprise_update_many`): for each, the
    revert's record, or None when nothing changed. Raises ValidationError
    (nothing is saved) at the first whose fields have changed again since.
    Records of the same entry are reverted one after the other."""
    entry_ids = [r.enterprise_id for r in records]
    if len(set(entry_ids)) != len(entry_ids):
        return [
            change_record_revert_many(actor=actor, records=[r], reason=reason)[0]
            for r in records
        ]
    entries = Enterprise.objects.defer(*UNCLEANED).prefetch_related("clusters")
    found = entries.in_bulk(entry_ids)
    changes = []
    for record in records:
        if record.enterprise_id not in found:
            raise Enterprise.DoesNotExist
        changes.append(
            (
                record.enterprise_id,
                _reverted_values(found[record.enterprise_id], record),
            )
        )
    reverts = enterprise_update_many(
        actor=actor,
        changes=changes,
        origin=ChangeRecord.Origin.REVERT,
        reason=reason,
        references=[f"change-record:{r.pk}" for r in records],
    )
    done = []
    for record, revert in zip(records, reverts, strict=True):
        if revert is not None:
            revert.reverts = record
            done.append(revert)
    if done:  # (bulk_update's CASE of a thousand records took longer than this)
        table = connection.ops.quote_name(ChangeRecord._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET reverts_id = pair.reverts "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[]) AS pair(id, reverts) "
                f"WHERE {table}.id = pair.id",
                [[r.pk for r in done], [r.reverts_id for r in done]],
            )
    return reverts


def index_data_for(
    enterprise: Enterprise,
    *,
    regions: Mapping[str, Any] | None = None,
    clusters: list[Any] | None = None,
    related: Related | None = None,
) -> IndexData:
    """Collect what search needs of an enterprise from the database: its regions
    from `regions` (by code), its clusters from `clusters` and its related rows
    from `related` (`index_relations`) when given (a set of updates has them at
    hand), else through its relations."""
    if regions is not None:
        region = regions[enterprise.region_id]
        city = regions[enterprise.city_id] if enterprise.city_id else region
    else:
        region = enterprise.region
        city = enterprise.city if enterprise.city_id else region
    if clusters is None:
        clusters = list(enterprise.clusters.all())
    if related is None:
        related = (
            [c.scheme for c in enterprise.certifications.all()],
            [(d.kind, d.title, d.title_en) for d in enterprise.designations.all()],
            [p.programme.slug for p in enterprise.participations.all()],
        )
    certifications, designations, programmes = related
    return index_data(
        {name: getattr(enterprise, name) for name in INDEXED_FIELDS},
        county=(region.code, region.name, region.name_en),
        city=(city.code, city.name, city.name_en),
        clusters=[(c.slug, c.name, c.name_en) for c in clusters],
        certifications=certifications,
        designations=designations,
        programmes=programmes,
    )


def index_relations(pks: list[int]) -> dict[int, Related]:
    """What `index_data_for` reads of these enterprises' related rows, in one
    query per relation (in each relation's own order, as prefetching reads it)
    and without a model instance or manager per row."""
    out: dict[int, Related] = {pk: ([], [], []) for pk in pks}
    for position, name, columns in (
        (0, "certifications", ("scheme",)),
        (1, "designations", ("kind", "title", "title_en")),
        (2, "participations", ("programme__slug",)),
    ):
        model: Any = Enterprise._meta.get_field(name).related_model
        rows = model._default_manager.filter(enterprise_id__in=pks).values_list(
            "enterprise_id", *columns
        )
        for pk, *values in rows:
            found: list[Any] = out[pk][position]
            found.append(values[0] if len(values) == 1 else tuple(values))
    return out


# The relations an enterprise's search document reads (`index_data_for`).
INDEX_RELATIONS = (
    "clusters",
    "certifications",
    "designations",
    "participations__programme",
)


@transaction.atomic
def enterprise_reindex(*, enterprise: Enterprise) -> None:
    """Recompute the search document and facet keys of one enterprise."""
    enterprise = (
        Enterprise.objects.select_related("region", "city")
        .prefetch_related(*INDEX_RELATIONS)
        .get(pk=enterprise.pk)
    )
    document, facets = index(index_data_for(enterprise))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enterprises_enterprise SET search_vector = %s::tsvector, "
            "facets = %s WHERE id = %s",
            [document, facets, enterprise.pk],
        )


def _cluster_model():
    """The cluster model, through the relation (clusters is a layer above)."""
    return Enterprise._meta.get_field("clusters").related_model
