"""What an enterprise's search document reads of the database, and its rebuild."""

from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction

from enterprises.models import Enterprise
from enterprises.search.indexing import (
    INDEXED_FIELDS,
    IndexData,
    index,
    index_data,
)
from enterprises.services.values import Related


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
