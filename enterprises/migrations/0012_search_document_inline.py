"""The search document is stored inline in the row (enterprises.search.storage)."""

from django.db import migrations

from enterprises.search.storage import MIGRATION_REWRITES_UP_TO, inline_documents

TABLE = "enterprises_enterprise"


def rewrite(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        rows = cursor.fetchone()[0]
    if rows <= MIGRATION_REWRITES_UP_TO:
        inline_documents(connection)
    else:
        print(
            f"\n  {rows} enterprises: their search documents move inline as they "
            "are next written; run `manage.py inline_search_documents` to move "
            "them all now (it takes a while)."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0011_change_record_system_reason"),
    ]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE MAIN",
            f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE EXTENDED",
        ),
        migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True),
    ]
