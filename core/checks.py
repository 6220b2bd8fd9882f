"""System checks of the database (run by ``migrate`` and ``check --database``).
Like Django's own checks, their messages are for operators, in English."""

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def database_predates_the_layout(app_configs=None, databases=None, **kwargs):
    """A database migrated before the layered layout (its migrations started again
    with it) cannot be migrated further: say so instead of failing halfway."""
    errors = []
    for alias in databases or []:
        with connections[alias].cursor() as cursor:
            tables = connections[alias].introspection.table_names(cursor)
            if "django_migrations" not in tables:
                continue
            cursor.execute("SELECT 1 FROM django_migrations WHERE app = 'directory'")
            if cursor.fetchone():
                errors.append(
                    Error(
                        "The database was made before the project's layered "
                        "layout and cannot be migrated.",
                        hint="Development: run `make reset-db` and `make run` (the "
                        "demo data is generated again).",
                        id="core.E001",
                    )
                )
    return errors
