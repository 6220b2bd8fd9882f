"""Stored search documents get the lexemes of their synonym groups
(core.textsearch.queries.GROUP_MARK): a query word of a group now matches its
group's one lexeme, which documents built before lacked."""

from django.db import migrations

from enterprises.search.storage import fold_synonym_groups

# enterprises.search.storage.folding_fingerprint() of the groups folded here.
FOLDS = "7f09e2ec274ee605"


def fold(apps, schema_editor):
    fold_synonym_groups(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0012_search_document_inline"),
    ]

    operations = [
        migrations.RunPython(fold, migrations.RunPython.noop, elidable=True),
    ]
