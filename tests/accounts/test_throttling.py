"""Rate limits: anonymous clients by address, each token separately; 429 with
Retry-After in the API's error format."""

import pytest

from tests.factories import UserFactory, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "token": "5/min", "user": "5/min"},
    }


def test_anonymous_clients_are_throttled_with_retry_after(api, low_rates):
    for _ in range(3):
        assert api.get("/api/v1/programmes/").status_code == 200
    response = api.get("/api/v1/programmes/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"


def test_each_token_has_its_own_budget(low_rates):
    user = UserFactory()
    first, second = token_client(user), token_client(user)
    for _ in range(5):
        assert first.get("/api/v1/programmes/").status_code == 200
    assert first.get("/api/v1/programmes/").status_code == 429
    # Another token (even of the same user) and anonymous clients are unaffected.
    assert second.get("/api/v1/programmes/").status_code == 200


def test_token_clients_are_not_held_to_the_anonymous_rate(low_rates):
    client = token_client(UserFactory())
    for _ in range(5):
        assert client.get("/api/v1/programmes/").status_code == 200
