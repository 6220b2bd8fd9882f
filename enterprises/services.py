"""Writes to enterprises that touch more than one row or keep derived data current."""

from django.db import connection, transaction

from enterprises.indexing import IndexData, facet_keys, search_document
from enterprises.models import Enterprise


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
