"""Load Liaoning's administrative divisions (GB/T 2260)."""

from django.db import migrations


def load(apps, schema_editor):
    from directory.regions_data import REGIONS

    Region = apps.get_model("directory", "Region")
    for code, name, name_en, level, parent in REGIONS:  # parents come first
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "level": level,
                "parent_id": parent,
            },
        )


def unload(apps, schema_editor):
    Region = apps.get_model("directory", "Region")
    Region.objects.filter(level="county").delete()
    Region.objects.filter(level="city").delete()
    Region.objects.filter(level="province").delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
