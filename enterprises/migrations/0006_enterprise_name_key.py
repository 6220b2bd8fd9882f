from django.db import migrations, models

BATCH = 5000


def fill_name_keys(apps, schema_editor):
    """Compute the key of every existing name (in batches, one UPDATE each)."""
    from enterprises.names import name_key

    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name FROM enterprises_enterprise WHERE id > %s "
                "ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            keyed = [(pk, name_key(name)) for pk, name in rows]
            cursor.execute(
                "UPDATE enterprises_enterprise e SET name_key = k.key "
                "FROM unnest(%s::bigint[], %s::text[]) AS k(id, key) "
                "WHERE e.id = k.id AND k.key <> ''",
                [[pk for pk, _ in keyed], [key for _, key in keyed]],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("clusters", "0002_initial"),
        ("directory", "0005_import_job"),
        ("enterprises", "0005_accounts_moderation"),
    ]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="name_key",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=200,
                verbose_name="name key",
            ),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                fields=["name_key", "region"], name="enterprise_name_key"
            ),
        ),
    ]
