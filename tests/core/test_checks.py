import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection


@pytest.mark.django_db
def test_migrate_refuses_a_database_from_before_the_layout_with_a_hint():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('directory', '0001_initial', now())"
        )
    with pytest.raises(SystemCheckError, match="make reset-db"):
        call_command("migrate", verbosity=0, skip_checks=False)


@pytest.mark.django_db
def test_a_current_database_passes_the_check():
    call_command("check", databases=["default"])
