import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from clusters.models import Cluster
from colleges.models import College
from core.permissions import is_staff_member
from demo.models import DemoDataset
from demo.rows import ENTERPRISE_TABLE_COLUMNS
from enterprises.models import Enterprise
from enterprises.uscc import check_ok, is_well_formed
from markets.models import Market
from programmes.models import Event, Programme

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(
        Enterprise.objects.order_by("id").values_list(
            "name", "name_en", "uscc", "region_id", "sectors", "export_markets"
        )
    )


def test_seed_demo_counts_and_valid_codes():
    call_command("seed_demo", enterprises=300, seed=7, workers=1)
    assert Cluster.objects.count() == 15
    assert College.objects.count() == 14
    assert Market.objects.count() == 3
    assert Programme.objects.count() == 5
    assert Event.objects.exists()
    assert Enterprise.objects.count() == 300
    assert DemoDataset.objects.get().enterprises == 300
    assert (
        Cluster.objects.get(slug="xingcheng-swimwear")
        .designations.filter(title="中国泳装名城", awarded_on__year=2010)
        .exists()
    )
    for uscc in Enterprise.objects.values_list("uscc", flat=True):
        assert is_well_formed(uscc) and check_ok(uscc)
    # Every enterprise is indexed for search and facets.
    assert not Enterprise.objects.filter(search_vector__isnull=True).exists()
    assert not Enterprise.objects.filter(facets=[]).exists()
    # ...and keeps the rules across fields that every writer checks.
    for enterprise in Enterprise.objects.all():
        enterprise.clean()


def test_the_seeders_copy_columns_are_the_enterprise_tables():
    """The seeder writes enterprise rows with COPY in its own column order (table
    columns, not the field registry's): every column, once."""
    columns = [f.column for f in Enterprise._meta.concrete_fields]
    assert sorted(ENTERPRISE_TABLE_COLUMNS) == sorted(columns)


def test_seed_demo_is_deterministic_for_a_seed():
    call_command("seed_demo", enterprises=120, seed=11, workers=1)
    first = _snapshot()
    Enterprise.objects.all().delete()
    Cluster.objects.all().delete()
    for model in (Market, College, Event, Programme, DemoDataset):
        model.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.all().delete()
    call_command("seed_demo", enterprises=120, seed=11, workers=2)
    assert _snapshot()[:5] and [r[:6] for r in _snapshot()] == [r[:6] for r in first]


def test_other_seed_gives_other_data():
    call_command("seed_demo", enterprises=50, seed=1, workers=1)
    names = {row[0] for row in _snapshot()}
    Enterprise.objects.all().delete()
    Cluster.objects.all().delete()
    for model in (Market, College, Event, Programme, DemoDataset):
        model.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.all().delete()
    call_command("seed_demo", enterprises=50, seed=2, workers=1)
    assert names != {row[0] for row in _snapshot()}


def test_demo_logins_work_and_enterprise_user_owns_one_enterprise():
    call_command("seed_demo", enterprises=20, seed=3, workers=1)
    staff = authenticate(username="demo-staff", password="liaoning-demo-2026")
    member = authenticate(username="demo-enterprise", password="liaoning-demo-2026")
    assert staff is not None and staff.is_staff
    assert member is not None and not member.is_staff
    # Staff capability comes from the Staff group's model permissions.
    assert is_staff_member(staff) and not is_staff_member(member)
    assert staff.groups.filter(name="Staff").exists()
    memberships = list(member.memberships.all())
    assert len(memberships) == 1 and memberships[0].role == "owner"
    assert memberships[0].enterprise.published


def test_seed_demo_refuses_a_database_with_content_and_if_empty_skips():
    call_command("seed_demo", enterprises=10, seed=3, workers=1)
    with pytest.raises(CommandError):
        call_command("seed_demo", enterprises=10, seed=3, workers=1)
    call_command("seed_demo", enterprises=10, seed=3, workers=1, if_empty=True)
    assert Enterprise.objects.count() == 10


def test_bulk_load_path_rebuilds_the_indexes():
    from django.db import connection

    from demo import seed as demo

    demo.seed(enterprises=120, seed=5, workers=1, bulk=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s",
            ["enterprises_enterprise"],
        )
        indexes = {row[0] for row in cursor.fetchall()}
    assert set(demo.BULK_INDEXES) <= indexes
    assert Enterprise.objects.count() == 120
