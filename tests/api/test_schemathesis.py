"""Property-based run over the whole OpenAPI schema, in process against the WSGI
app, as a visitor, an enterprise user (token) and staff (token), with every check
schemathesis has (``--checks all``: no 5xx; status code, content type, headers and
body as documented; schema-valid input accepted and invalid input refused; …), in
positive and negative generation. Bounded in examples per operation so that the
three runs together stay around two minutes."""

import datetime as dt
import os
import zlib

import pytest
import schemathesis
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.tokens import api_token_create
from colleges.models import College
from enterprises.permissions import usable_facets
from enterprises.search.indexing import FACETS
from markets.models import Market
from programmes.models import Event, Programme
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
)

# Examples per operation and generation mode (SCHEMATHESIS_EXAMPLES overrides).
EXAMPLES = {
    GenerationMode.POSITIVE: int(os.environ.get("SCHEMATHESIS_EXAMPLES", 6)),
    GenerationMode.NEGATIVE: int(os.environ.get("SCHEMATHESIS_EXAMPLES", 6)) // 2,
}


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
    # No rate limits: the run is about conformance, throttling has its own tests.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_CLASSES": [],
    }
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)


@pytest.fixture
def keys(db):
    cluster = ClusterFactory(slug="xingcheng")
    EnterpriseFactory.create_batch(3, clusters=[cluster], sectors=["swimwear"])
    member = MembershipFactory(enterprise=EnterpriseFactory(published=False, pk=424242))
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
    staff = StaffFactory()
    return {
        "anonymous": (AnonymousUser(), None),
        "enterprise": (member.user, api_token_create(actor=member.user, name="st")[1]),
        "staff": (staff, api_token_create(actor=staff, name="st")[1]),
    }


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


# Request bodies whose values are checked against the database (region codes,
# cluster slugs, the fields pending in a change request, a claim's state) and the
# model's cross-field rules, which a schema cannot express: a schema-valid body
# may rightly be a 400 there, so "schema-valid input is accepted" is not asked.
SEMANTIC_BODIES = {
    "PATCH /api/v1/enterprises/{id}/",
    "POST /api/v1/change-requests/{id}/decide/",
    "POST /api/v1/claims/{id}/decide/",
    "POST /api/v1/claims/{id}/revoke/",
}


def _usable_facets_only(case, user) -> None:
    """The schema lists every facet name; which a client may use depends on what
    it may see (visitors get no revenue counts), so positive cases ask for those."""
    facets = (case.query or {}).get("facets")
    if not isinstance(facets, str) or facets in ("", "all"):
        return
    usable = {FACETS[code] for code in usable_facets(user)}
    names = [n for n in facets.split(",") if n in usable]
    case.query["facets"] = ",".join(names)


def _run(operation, mode, user, headers, failures) -> None:
    excluded = [positive_data_acceptance] if operation.label in SEMANTIC_BODIES else []

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def conforms(case):
        if mode is GenerationMode.POSITIVE:
            _aim_at_existing_rows(case)
            _usable_facets_only(case, user)
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    try:
        conforms()
    except Unsatisfiable:
        pass  # e.g. no string is an invalid slug: nothing negative to send
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - collected, reported together below
        failures.append(f"{operation.label} [{mode.value}]: {exc}")


@pytest.mark.parametrize("who", ["anonymous", "enterprise", "staff"])
def test_api_conforms_to_its_schema(api_schema, keys, who):
    user, key = keys[who]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18
    failures: list[str] = []
    for operation in operations:
        for mode in EXAMPLES:
            _run(operation, mode, user, headers, failures)
    assert not failures, "\n\n".join(failures)
