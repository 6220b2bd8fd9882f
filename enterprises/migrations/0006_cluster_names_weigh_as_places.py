"""Cluster names moved from weight B (products) to C (places) in the search
document (enterprises.search.indexing.search_document): the documents of cluster
members are rebuilt."""

from django.db import migrations

CHUNK = 2_000


def rebuild_member_documents(apps, schema_editor):
    # The current code builds documents (as the services do); it reads only the
    # fields search indexes.
    from enterprises.models import Enterprise
    from enterprises.search.indexing import INDEXED_FIELDS, index
    from enterprises.services import index_data_for

    through = Enterprise.clusters.through
    ids = sorted(set(through.objects.values_list("enterprise_id", flat=True)))
    for start in range(0, len(ids), CHUNK):
        chunk = (
            Enterprise.objects.filter(id__in=ids[start : start + CHUNK])
            .only("id", "region", "city", *INDEXED_FIELDS)
            .select_related("region", "city")
            .prefetch_related(
                "clusters", "certifications", "designations", "participations__programme"
            )
        )
        rows = [(e.pk, *index(index_data_for(e))) for e in chunk]
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE enterprises_enterprise SET search_vector = %s::tsvector, "
                "facets = %s WHERE id = %s",
                [[document, facets, pk] for pk, document, facets in rows],
            )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0005_name_sort_keys_and_status_facet")]

    operations = [
        migrations.RunPython(rebuild_member_documents, migrations.RunPython.noop),
    ]
