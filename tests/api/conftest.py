import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from directory.tokens import api_token_create
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def token_client(user) -> APIClient:
    _token, key = api_token_create(actor=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


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
