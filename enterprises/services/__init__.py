"""Writes to enterprises. Every published change goes through `enterprise_update`,
which validates, saves, records the change (who, when, old/new, why, origin) and keeps
the search index current."""

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import ChangeRecord, Enterprise
from enterprises.search.indexing import index
from enterprises.services.checks import (
    CLEAN_EXCLUDE,
    UNCLEANED,
    _concrete,
    _constraints_hold,
    _json_value,
    _references_valid,
)
from enterprises.services.documents import (
    enterprise_reindex,
    index_data_for,
    index_relations,
)
from enterprises.services.values import (
    ORIGIN_SOURCE,
    UPDATABLE_FIELDS,
    Reason,
    Related,
    User,
    city_code,
    field_value,
    jsonable,
    reason_fields,
)

__all__ = [
    "ORIGIN_SOURCE",
    "UPDATABLE_FIELDS",
    "Reason",
    "Related",
    "User",
    "change_record_revert",
    "change_record_revert_many",
    "city_code",
    "enterprise_build",
    "enterprise_create",
    "enterprise_reindex",
    "enterprise_update",
    "enterprise_update_many",
    "enterprise_values",
    "field_value",
    "index_data_for",
    "index_relations",
    "jsonable",
    "reason_fields",
]


def _set(enterprise: Enterprise, field: str, value: Any) -> None:
    if field == "region":
        enterprise.region_id = value
        enterprise.city_id = city_code(value)  # type: ignore[assignment]
    else:
        setattr(enterprise, field, value)


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


def _cluster_model():
    """The cluster model, through the relation (clusters is a layer above)."""
    return Enterprise._meta.get_field("clusters").related_model
