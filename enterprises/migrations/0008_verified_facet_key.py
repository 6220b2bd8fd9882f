# The search's "verified" filter: the facet key of the profiles verified by the
# association (enterprises.choices.profile_verified) on the rows already there.

from django.db import migrations

FORWARD = """
UPDATE enterprises_enterprise
SET facets = array_append(facets, 'vf:yes')
WHERE source = 'staff'
  AND NOT 'vf:yes' = ANY(facets)
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_each_text(field_sources) s WHERE s.value <> 'staff')
"""
REVERSE = "UPDATE enterprises_enterprise SET facets = array_remove(facets, 'vf:yes')"


class Migration(migrations.Migration):

    dependencies = [
        ("enterprises", "0007_change_feed"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
