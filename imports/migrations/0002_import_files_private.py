# Import files move to private storage (outside MEDIA_ROOT, never served).

from django.core.files.storage import default_storage
from django.db import migrations, models

import core.storage


def move_files(apps, schema_editor, *, source, target):
    """Move the files of existing jobs from ``source`` to ``target`` storage; the
    dry runs' prepared rows beside them are a cache and are dropped."""
    ImportJob = apps.get_model("imports", "ImportJob")
    for name in ImportJob.objects.exclude(file="").values_list("file", flat=True):
        if source.exists(name) and not target.exists(name):
            with source.open(name, "rb") as handle:
                target.save(name, handle)
        if source.exists(name):
            source.delete(name)
        for suffix in (".prepared", ".tmp"):
            if source.exists(name + suffix):
                source.delete(name + suffix)


def to_private(apps, schema_editor):
    move_files(
        apps,
        schema_editor,
        source=default_storage,
        target=core.storage.private_storage(),
    )


def to_public(apps, schema_editor):
    move_files(
        apps,
        schema_editor,
        source=core.storage.private_storage(),
        target=default_storage,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.FileField(
                blank=True,
                storage=core.storage.private_storage,
                upload_to="imports/",
                verbose_name="file",
            ),
        ),
        migrations.RunPython(to_private, to_public),
    ]
