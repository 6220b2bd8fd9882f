import pytest

from tests.factories import EnterpriseFactory, StaffFactory, UserFactory


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory()


@pytest.fixture(autouse=True)
def _regions(request):
    """Regions come from a data migration; a transactional test's flush removes
    them, so put them back for tests that use the database."""
    if not any(
        name in request.fixturenames
        for name in ("db", "transactional_db", "live_server", "django_db_setup")
    ) and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue(
        "transactional_db"
        if "live_server" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or _is_transactional(request)
        else "db"
    )
    from directory.models import Region
    from directory.regions import load_regions

    load_regions(Region)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for store in caches.all():
        store.clear()
