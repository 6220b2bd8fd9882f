"""Tag existing enterprises whose USCC check character fails with the facet key
``uw:yes`` (new rows get it from enterprises.indexing.facet_keys)."""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

FORWARD = f"""
UPDATE enterprises_enterprise AS e
SET facets = array_append(e.facets, 'uw:yes')
WHERE e.uscc ~ '^[0-9A-HJ-NPQRTUWXY]{{18}}$'
  AND NOT e.uscc_check_override
  AND NOT ('uw:yes' = ANY(e.facets))
  AND substr(e.uscc, 18, 1) <> substr(
    '{ALPHABET}',
    (31 - (
      SELECT sum(
        (strpos('{ALPHABET}', substr(e.uscc, i, 1)) - 1)
        * (power(3, i - 1)::bigint % 31)
      ) FROM generate_series(1, 17) AS i
    )::int % 31) % 31 + 1,
    1
  )
"""

BACKWARD = """
UPDATE enterprises_enterprise
SET facets = array_remove(facets, 'uw:yes')
WHERE 'uw:yes' = ANY(facets)
"""


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_name_prefix_indexes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
