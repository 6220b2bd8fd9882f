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
