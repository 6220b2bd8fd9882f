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

from enterprises.choices import Source
from enterprises.fields import EDITABLE_FIELDS
from enterprises.models import ChangeRecord, Enterprise
from enterprises.search.indexing import IndexData, facet_keys, search_document

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
        return sorted(enterprise.clusters.values_list("slug", flat=True))
    if field == "region":
        return enterprise.region_id
    return jsonable(getattr(enterprise, field))


def _set(enterprise: Enterprise, field: str, value: Any) -> None:
    if field == "region":
        enterprise.region_id = value
        enterprise.city_id = str(value)[:4] + "00" if value else None  # type: ignore[assignment]
    else:
        setattr(enterprise, field, value)


@transaction.atomic
def enterprise_update(
    *,
    actor: User | None,
    enterprise: Enterprise,
    changes: dict[str, Any],
    origin: str,
    reason: str = "",
    reference: str = "",
) -> ChangeRecord | None:
    """Apply field changes to an enterprise and record them.

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
        reason=reason,
        reference=reference,
        changes=diff,
    )
    enterprise_reindex(enterprise=enterprise)
    return record


def enterprise_build(
    *, data: dict[str, Any], origin: str
) -> tuple[Enterprise, dict[str, dict[str, Any]]]:
    """An unsaved enterprise made from field values (as `enterprise_update` takes
    them; "region" is a region code, "clusters" a list of slugs, not set here) and
    the changes its creation records: every field given a non-empty value, with
    ``old`` None. Shared by `enterprise_create` and the bulk importer."""
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    enterprise = Enterprise()
    changes: dict[str, dict[str, Any]] = {}
    for field, value in data.items():
        if field == "clusters":
            if value:
                changes[field] = {"old": None, "new": sorted(value)}
            continue
        _set(enterprise, field, value)
        if value not in (None, "", [], False):
            changes[field] = {"old": None, "new": jsonable(value)}
    source = ORIGIN_SOURCE.get(origin)
    if source:
        enterprise.source = source
        enterprise.field_sources = dict.fromkeys(changes, str(source))
    return enterprise, changes


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
    *, actor: User, record: ChangeRecord, reason: str = ""
) -> ChangeRecord | None:
    """Put back the old values of a recorded change (itself recorded)."""
    enterprise = Enterprise.objects.get(pk=record.enterprise_id)
    for field, values in record.changes.items():
        if field_value(enterprise, field) != values["new"]:
            raise ValidationError(
                _("“%(field)s” has changed again since; revert the later change first.")
                % {
                    "field": getattr(
                        Enterprise._meta.get_field(field), "verbose_name", field
                    )
                }
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
    places = [region.name, region.name_en]
    if city.pk != region.pk:
        places += [city.name, city.name_en]
    designations = list(enterprise.designations.all())
    return IndexData(
        name=enterprise.name,
        name_en=enterprise.name_en,
        short_name=enterprise.short_name,
        former_names=list(enterprise.former_names),
        uscc=enterprise.uscc,
        uscc_check_override=enterprise.uscc_check_override,
        products=enterprise.products,
        products_en=enterprise.products_en,
        processes=enterprise.processes,
        sectors=list(enterprise.sectors),
        business_models=list(enterprise.business_models),
        export_markets=list(enterprise.export_markets),
        is_exporter=enterprise.is_exporter,
        certifications=[c.scheme for c in enterprise.certifications.all()],
        designation_kinds=[d.kind for d in designations],
        designation_titles=[t for d in designations for t in (d.title, d.title_en)],
        employee_band=enterprise.employee_band,
        revenue_band=enterprise.revenue_band,
        founded_year=enterprise.founded_year,
        city_code=city.code,
        county_code=region.code,
        place_names=places,
        address=enterprise.address,
        address_en=enterprise.address_en,
        clusters=[(c.slug, c.name, c.name_en) for c in enterprise.clusters.all()],
        programmes=sorted({p.programme.slug for p in enterprise.participations.all()}),
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
    data = index_data_for(enterprise)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enterprises_enterprise SET search_vector = %s::tsvector, "
            "facets = %s WHERE id = %s",
            [search_document(data), facet_keys(data), enterprise.pk],
        )


def _cluster_model():
    """The cluster model, through the relation (clusters is a layer above)."""
    return Enterprise._meta.get_field("clusters").related_model
