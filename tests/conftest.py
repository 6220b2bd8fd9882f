import pytest
from rest_framework.test import APIClient

from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    token_client,
)


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
    from core.models import Region
    from core.regions import load_regions

    load_regions(Region)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for store in caches.all():
        store.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through the test client
    leaves the language it activated (LocaleMiddleware) on the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


# API clients: anonymous, an enterprise owner, another enterprise's user, staff.


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def owner(db):
    """An enterprise user and its (unpublished) enterprise."""
    membership = MembershipFactory(
        enterprise=EnterpriseFactory(
            published=False,
            contact_phone="0429-5550101",
            contact_email="sales@example.com",
            monthly_capacity="20000 pieces",
            survey_year=2024,
        )
    )
    return membership.user


@pytest.fixture
def owned(owner):
    return owner.memberships.get().enterprise


@pytest.fixture
def owner_api(owner):
    return token_client(owner)


@pytest.fixture
def other_api(db):
    return token_client(UserFactory())


@pytest.fixture
def staff_api(db):
    return token_client(StaffFactory())
