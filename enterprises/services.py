"""Writes to enterprises. Every published change goes through `enterprise_update`,
which validates, saves, records the change (who, when, old/new, why, origin) and keeps
the search index current."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
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


@transaction.atomic
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
    """
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    diff: dict[str, dict[str, Any]] = {}
    for field, new in changes.items():
        old = field_value(enterprise, field)
        new_json = jsonable(sorted(new) if field == "clusters" else new)
        if old != new_json:
            diff[field] = {"old": old, "new": new_json}
    if not diff:
        return None
    cluster_slugs = diff.pop("clusters", None)
    for field in diff:
        _set(enterprise, field, changes[field])
    enterprise.full_clean(exclude=["city", "logo"])
    # Record what is saved: cleaning may normalise a value (a USCC's case).
    for field in list(diff):
        diff[field]["new"] = field_value(enterprise, field)
        if diff[field]["new"] == diff[field]["old"]:
            del diff[field]
    if not diff and cluster_slugs is None:
        return None
    source = ORIGIN_SOURCE.get(origin)
    if source:
        enterprise.field_sources = {
            **enterprise.field_sources,
            **dict.fromkeys(
                list(diff) + (["clusters"] if cluster_slugs else []), source
            ),
        }
    update_fields = set(diff)
    if "region" in update_fields:
        update_fields.add("city")
    enterprise.save(update_fields=[*update_fields, "field_sources", "updated_at"])
    if cluster_slugs is not None:
        clusters = list(_cluster_model().objects.filter(slug__in=cluster_slugs["new"]))
        if len(clusters) != len(set(cluster_slugs["new"])):
            raise ValidationError(_("Unknown cluster."))
        enterprise.clusters.set(clusters)
        diff["clusters"] = cluster_slugs
    record = ChangeRecord.objects.create(
        enterprise=enterprise,
        actor=actor if isinstance(actor, AuthUser) else None,
        origin=origin,
        **reason_fields(reason),
        reference=reference,
        changes=diff,
    )
    enterprise_reindex(enterprise=enterprise)
    return record


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
    enterprise = Enterprise.objects.get(pk=record.enterprise_id)
    for field, values in record.changes.items():
        if field_value(enterprise, field) != values["new"]:
            raise ValidationError(
                gettext_lazy(
                    "“%(field)s” has changed again since; revert the later change "
                    "first."
                ),
                params={
                    "field": getattr(
                        Enterprise._meta.get_field(field), "verbose_name", field
                    )
                },
            )
    old = {field: values["old"] for field, values in record.changes.items()}
    for field in ("latitude", "longitude"):
        if old.get(field) is not None:
            old[field] = Decimal(old[field])
    for field in ("last_confirmed_on",):
        if old.get(field):
            old[field] = dt.date.fromisoformat(old[field])
    revert = enterprise_update(
        actor=actor,
        enterprise=enterprise,
        changes=old,
        origin=ChangeRecord.Origin.REVERT,
        reason=reason,
        reference=f"change-record:{record.pk}",
    )
    if revert is not None:
        revert.reverts = record
        revert.save(update_fields=["reverts"])
    return revert


def index_data_for(enterprise: Enterprise) -> IndexData:
    """Collect what search needs of an enterprise from the database."""
    region = enterprise.region
    city = enterprise.city if enterprise.city_id else region
    return index_data(
        {name: getattr(enterprise, name) for name in INDEXED_FIELDS},
        county=(region.code, region.name, region.name_en),
        city=(city.code, city.name, city.name_en),
        clusters=[(c.slug, c.name, c.name_en) for c in enterprise.clusters.all()],
        certifications=[c.scheme for c in enterprise.certifications.all()],
        designations=[
            (d.kind, d.title, d.title_en) for d in enterprise.designations.all()
        ],
        programmes=[p.programme.slug for p in enterprise.participations.all()],
    )


@transaction.atomic
def enterprise_reindex(*, enterprise: Enterprise) -> None:
    """Recompute the search document and facet keys of one enterprise."""
    enterprise = (
        Enterprise.objects.select_related("region", "city")
        .prefetch_related(
            "clusters",
            "certifications",
            "designations",
            "participations__programme",
        )
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
