"""The table of the "shared" database cache (see CACHES in settings), so that
`migrate` alone sets up a database."""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS directory_cache")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_load_regions")]
    operations = [migrations.RunPython(create, drop)]
