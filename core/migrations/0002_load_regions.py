"""Load Liaoning's administrative divisions (GB/T 2260)."""

from django.db import migrations


def load(apps, schema_editor):
    from core.regions import load_regions

    load_regions(apps.get_model("core", "Region"))


def unload(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    Region.objects.filter(level="county").delete()
    Region.objects.filter(level="city").delete()
    Region.objects.filter(level="province").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
