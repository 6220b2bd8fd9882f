"""The page cache's generation (core/pagecache.py): a sequence that every write of a
table visitors see advances, through a statement trigger that first takes a shared
advisory lock for the rest of the writing transaction (so a reader can tell that a
write is in flight). ``core.pagecache.install_triggers`` attaches the trigger to the
tables after every ``migrate``. Also the "pages" cache's table."""

from django.core.management import call_command
from django.db import migrations

LOCK_KEY = 0x50_41474543  # as core.pagecache.LOCK_KEY

CREATE = f"""
CREATE SEQUENCE core_pagecache_generation;
CREATE FUNCTION core_pagecache_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK_KEY});
    PERFORM nextval('core_pagecache_generation');
    RETURN NULL;
END $$;
"""

DROP = """
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tgrelid::regclass AS tab FROM pg_trigger
             WHERE tgname = 'core_pagecache_bump' LOOP
        EXECUTE format('DROP TRIGGER core_pagecache_bump ON %s', t.tab);
    END LOOP;
END $$;
DROP FUNCTION core_pagecache_bump();
DROP SEQUENCE core_pagecache_generation;
"""


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias)


def drop_pages_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS directory_pagecache")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_cache_table")]
    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunPython(create_cache_tables, drop_pages_table),
    ]
