"""Merging one enterprise into another, and undoing it.

``enterprise_merge(actor=, source=, target=, take=)`` keeps ``target`` (the
survivor) with its own values except the fields named in ``take``, which take the
source's; every row that points at the source (memberships, claims, change
requests, market stalls, participations, awards, designations, certifications,
photos, history, entries merged into it before…) moves to the survivor. The
relations are found through the model registry, so a relation added later moves
too. A row the survivor already has (a unique constraint: the same certificate
scheme, the same user's membership) stays with the merged-away entry, and is
reported; a conflict that needs a person to decide (two owners, two open change
requests) refuses the merge with what to resolve first.

The source is kept, hidden by the access policy (``merged_into``), without its
USCC (kept in the merge, so that imports still find the survivor by it); its page
and API address redirect to the survivor. The merge is one history entry of the
survivor (origin MERGE, through ``enterprise_update``) and ``merge_undo`` puts
everything back.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.messages import coded, every_language
from enterprises.fields import field_label
from enterprises.models import ChangeRecord, Enterprise, EnterpriseMerge
from enterprises.services import (
    UPDATABLE_FIELDS,
    User,
    change_record_revert,
    enterprise_reindex,
    enterprise_update,
    field_value,
    reason_fields,
)

# Fields a merge may take from the source (the service's updatable fields; the
# USCC moves through ``take`` like the others).
MERGE_FIELDS = tuple(f for f in UPDATABLE_FIELDS if f != "uscc_check_override")

# Unique constraints whose conflict a person has to resolve before a merge.
BLOCKING_CONSTRAINTS: dict[str, Any] = {
    "membership_one_owner": gettext_lazy(
        "Both entries have an owner. End one of the two owners' memberships "
        "(or make one an editor) first."
    ),
    "change_request_one_open_per_enterprise": gettext_lazy(
        "Both entries have an open change request. Decide one of them in the "
        "review queue first."
    ),
}


def _relations() -> list[Any]:
    """Every foreign key to an enterprise that moves with a merge."""
    found: list[Any] = []
    for model in apps.get_models(include_auto_created=True):
        if model is EnterpriseMerge:
            continue
        for field in model._meta.concrete_fields:
            if not (field.many_to_one and field.related_model is Enterprise):
                continue
            if model is Enterprise and field.name != "merged_into":
                continue  # region and city are not enterprises
            if model is Enterprise._meta.get_field("clusters").remote_field.through:
                continue  # the clusters are a field the merge chooses
            if getattr(field.remote_field, "related_name", None) == "+":
                continue  # no way back from the entry (e.g. duplicate pairs)
            found.append(field)
    return found


def _key(field: models.ForeignKey) -> str:
    return f"{field.model._meta.label_lower}.{field.name}"


def _field_by_key(key: str) -> models.ForeignKey | None:
    label, _dot, name = key.rpartition(".")
    try:
        return apps.get_model(label)._meta.get_field(name)  # type: ignore[return-value]
    except (LookupError, ValueError):
        return None


def _constraint(error: IntegrityError) -> str:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _move(
    field: models.ForeignKey, ids: list[Any], to: int
) -> tuple[list[Any], list[Any]]:
    """Point the rows ``ids`` of ``field``'s model at enterprise ``to``: (moved,
    stayed). All at once when nothing conflicts, else row by row."""
    manager = field.model._base_manager
    try:
        with transaction.atomic():
            manager.filter(pk__in=ids).update(**{field.attname: to})
        return ids, []
    except IntegrityError:
        pass
    moved, stayed = [], []
    for pk in ids:
        try:
            with transaction.atomic():
                manager.filter(pk=pk).update(**{field.attname: to})
            moved.append(pk)
        except IntegrityError as error:
            message = BLOCKING_CONSTRAINTS.get(_constraint(error))
            if message:
                raise ValidationError(message) from None
            stayed.append(pk)
    return moved, stayed


def _value(enterprise: Enterprise, field: str) -> Any:
    """A field's value as ``enterprise_update`` takes it."""
    if field == "clusters":
        return sorted(enterprise.clusters.values_list("slug", flat=True))
    if field == "region":
        return enterprise.region_id
    return getattr(enterprise, field)


def merge_differences(source: Enterprise, target: Enterprise) -> list[dict]:
    """The fields whose values differ, for the merge page: name, label, both
    values (as stored in history)."""
    return [
        {
            "field": field,
            "label": field_label(field),
            "source": field_value(source, field),
            "target": field_value(target, field),
        }
        for field in MERGE_FIELDS
        if field_value(source, field) != field_value(target, field)
    ]


@transaction.atomic
def enterprise_merge(
    *,
    actor: User | None,
    source: Enterprise,
    target: Enterprise,
    take: list[str] | tuple[str, ...] = (),
    reason: str = "",
) -> EnterpriseMerge:
    """Merge ``source`` into ``target`` (see the module). Raises ValidationError,
    with nothing changed, for an unknown field, a merge of an entry into itself or
    into a merged-away one, or a conflict to resolve first."""
    unknown = set(take) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be taken: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    locked = Enterprise.objects.select_for_update().filter(
        pk__in=[source.pk, target.pk]
    )
    rows = {e.pk: e for e in locked}
    source, target = rows[source.pk], rows[target.pk]
    if source.pk == target.pk:
        raise ValidationError(_("An entry cannot be merged into itself."))
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError(
            _("One of the entries has already been merged into another.")
        )
    merge = EnterpriseMerge.objects.create(
        source=source,
        target=target,
        actor=actor if isinstance(actor, AuthUser) else None,
        taken=sorted(take),
        source_uscc=source.uscc or "",
        field_sources_before=dict(target.field_sources),
    )
    changes = {field: _value(source, field) for field in take}
    # The source gives up its USCC first (unique), whether or not it is taken.
    Enterprise.objects.filter(pk=source.pk).update(uscc=None)
    moved: dict[str, list] = {}
    stayed: dict[str, list] = {}
    for field in _relations():
        ids = list(
            field.model._base_manager.filter(**{field.attname: source.pk}).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            continue
        done, left = _move(field, ids, target.pk)
        if done:
            moved[_key(field)] = done
        if left:
            stayed[_key(field)] = left
    reference = f"merge:{merge.pk}"
    why: str | dict[str, Any] = reason or coded(
        "merged_entry", id=source.pk, name=every_language(lambda: source.display_name)
    )
    record = enterprise_update(
        actor=actor,
        enterprise=target,
        changes=changes,
        origin=ChangeRecord.Origin.MERGE,
        reason=why,
        reference=reference,
    )
    if record is None:
        record = ChangeRecord.objects.create(
            enterprise=target,
            actor=merge.actor,
            origin=ChangeRecord.Origin.MERGE,
            **reason_fields(why),
            reference=reference,
            changes={},
        )
    if take:
        sources = {
            **merge.field_sources_before,
            **{field: source.field_sources.get(field, source.source) for field in take},
        }
        Enterprise.objects.filter(pk=target.pk).update(field_sources=sources)
    Enterprise.objects.filter(pk=source.pk).update(
        merged_into=target, updated_at=timezone.now()
    )
    merge.moved, merge.stayed, merge.record = moved, stayed, record
    merge.save(update_fields=["moved", "stayed", "record"])
    enterprise_reindex(enterprise=target)
    enterprise_reindex(enterprise=source)
    return merge


@transaction.atomic
def merge_undo(*, actor: User, merge: EnterpriseMerge) -> EnterpriseMerge:
    """Undo a merge: the survivor's taken values back (a revert in its history),
    the moved rows back to the merged-away entry, its USCC back, and it shows
    again. Raises ValidationError when something has happened since that the undo
    would overwrite."""
    merge = EnterpriseMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError(_("This merge has already been undone."))
    source = Enterprise.objects.select_for_update().get(pk=merge.source_id)
    target = Enterprise.objects.select_for_update().get(pk=merge.target_id)
    if target.merged_into_id:
        raise ValidationError(
            _("The survivor has since been merged into another entry: undo that first.")
        )
    if merge.record is not None and merge.record.changes:
        change_record_revert(
            actor=actor,  # type: ignore[arg-type]
            record=merge.record,
            reason=coded("undo_of_merge", id=merge.pk),
        )
    if merge.taken:
        Enterprise.objects.filter(pk=target.pk).update(
            field_sources=merge.field_sources_before
        )
    for key, ids in merge.moved.items():
        field = _field_by_key(key)
        if field is None:
            continue
        field.model._base_manager.filter(
            pk__in=ids, **{field.attname: target.pk}
        ).update(**{field.attname: source.pk})
    if merge.source_uscc and Enterprise.objects.filter(uscc=merge.source_uscc).exists():
        raise ValidationError(
            _("USCC %(uscc)s now belongs to another entry; change it first.")
            % {"uscc": merge.source_uscc}
        )
    Enterprise.objects.filter(pk=source.pk).update(
        merged_into=None, uscc=merge.source_uscc or None, updated_at=timezone.now()
    )
    merge.undone_at = timezone.now()
    merge.undone_by = actor if isinstance(actor, AuthUser) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    enterprise_reindex(enterprise=target)
    enterprise_reindex(enterprise=source)
    return merge


def survivor_id(pk: Any) -> int | None:
    """The entry a merged-away entry ``pk`` lives on in (following later merges),
    or None for an entry not merged away."""
    seen: set[int] = set()
    current = pk
    while True:
        try:
            row = (
                Enterprise.objects.filter(pk=current)
                .values_list("merged_into_id", flat=True)
                .first()
            )
        except (ValueError, TypeError):
            return None
        if row is None:
            return current if current != pk else None
        if row in seen:
            return None
        seen.add(row)
        current = row


def redirect_merged_rows(rows: list[dict[str, Any]]) -> None:
    """Point rows of an import at the survivors: an ``id`` of a merged-away entry
    becomes its survivor's; a row without an id whose ``uscc`` a merged-away entry
    gave up updates its survivor (keeping the survivor's own USCC)."""
    ids = {row["id"] for row in rows if row.get("id")}
    merged = dict(
        Enterprise.objects.filter(pk__in=ids, merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    usccs = {row["uscc"] for row in rows if row.get("uscc") and not row.get("id")}
    given_up: dict[str, int] = {}
    if usccs:  # merges are few: ask them first, the entries only for their USCCs
        given_up = dict(
            EnterpriseMerge.objects.filter(
                source_uscc__in=usccs, undone_at__isnull=True
            ).values_list("source_uscc", "target_id")
        )
    if given_up:
        for code in Enterprise.objects.filter(uscc__in=given_up).values_list(
            "uscc", flat=True
        ):
            given_up.pop(code or "", None)  # the USCC has a holder again
    for row in rows:
        if row.get("id") in merged:
            row["id"] = survivor_id(row["id"]) or row["id"]
        elif not row.get("id") and row.get("uscc") in given_up:
            row["id"] = survivor_id(given_up[row["uscc"]]) or given_up[row["uscc"]]
            del row["uscc"]
