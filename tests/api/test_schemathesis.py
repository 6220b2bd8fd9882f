"""Property-based run over the whole OpenAPI schema, in process against the WSGI
app: no 5xx, and every response conforms to the schema (status code, content type,
body). Bounded in examples per operation so it stays well under two minutes."""

import datetime as dt
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import api_token_create
from colleges.models import College
from markets.models import Market
from programmes.models import Event, Programme
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI app, keeping the test's database connection (and its
    transaction) open across requests, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, settings):
    # Generous rates: the run is about conformance, throttling has its own tests.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "token": None, "user": None},
    }
    cache.clear()
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)


@pytest.fixture
def staff_key(db):
    cluster = ClusterFactory(slug="xingcheng")
    EnterpriseFactory.create_batch(3, clusters=[cluster], sectors=["swimwear"])
    MembershipFactory(enterprise=EnterpriseFactory(published=False, pk=424242))
    College.objects.create(
        slug="dlpu", name="大连工业大学", kind="university", region_id="210200"
    )
    Market.objects.create(slug="wuai", name="五爱市场", region_id="210100")
    programme = Programme.objects.create(slug="heritage", kind="heritage", name="非遗")
    Event.objects.create(
        slug="week",
        kind="fashion_week",
        name="时装周",
        programme=programme,
        starts_on=dt.date(2025, 5, 1),
        ends_on=dt.date(2025, 5, 2),
    )
    return api_token_create(actor=StaffFactory(), name="schemathesis")[1]


# Path parameters of rows the fixtures create: half of the generated cases are
# pointed at them, so reads and writes of real objects are exercised too.
EXISTING = {
    "id": 424242,
    "slug": {"clusters": "xingcheng", "colleges": "dlpu", "markets": "wuai",
             "programmes": "heritage", "events": "week"},
    "code": "211481",
}  # fmt: skip


def _aim_at_existing_rows(case) -> None:
    for name, value in (case.path_parameters or {}).items():
        if name not in EXISTING or zlib.crc32(str(value).encode()) % 2:
            continue
        known = EXISTING[name]
        if isinstance(known, dict):
            section = case.operation.path.split("/")[3]
            if section not in known:
                continue
            known = known[section]
        case.path_parameters[name] = known


RUN = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_api_conforms_to_its_schema(api_schema, staff_key, who):
    headers = {"Authorization": f"Bearer {staff_key}"} if who == "staff" else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18

    for operation in operations:

        @RUN
        @given(case=operation.as_strategy())
        def conforms(case):
            _aim_at_existing_rows(case)
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
