"""ImportJob.message holds a message of `core.messages` (a code and its
parameters, rendered in the reader's language) instead of a text in the language
of the job. Texts stored before stay, as JSON strings (shown as they are)."""

from django.db import migrations, models

TABLE = "imports_importjob"


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0006_export_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # Django's own ALTER would cast the text as JSON (failing on
                # plain text): keep each text as a JSON string instead.
                migrations.RunSQL(
                    f"ALTER TABLE {TABLE} ALTER COLUMN message TYPE jsonb "
                    "USING to_jsonb(message)",
                    reverse_sql=f"ALTER TABLE {TABLE} ALTER COLUMN message TYPE text "
                    "USING (CASE WHEN jsonb_typeof(message) = 'string' "
                    "THEN message #>> '{}' ELSE message::text END)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="importjob",
                    name="message",
                    field=models.JSONField(
                        blank=True, default=str, verbose_name="message"
                    ),
                ),
            ],
        ),
    ]
