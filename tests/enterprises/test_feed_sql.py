"""The change feed's page is written by PostgreSQL (enterprises.feed.events_sql):
its projection gives each tier the fields the registry and the access policy give
it, values as the API writes them (times in any zone, logos, odd characters), a
stored key that is no registered column never, and a page costs the same few
statements however many events it holds."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.test import APIClient

from enterprises.feed_sql import COLUMN_FIELDS, moment_sql
from enterprises.models import ChangeEvent, ChangeRecord, Enterprise
from enterprises.permissions import Viewer
from enterprises.services import enterprise_update
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    token_client,
)

FEED = "/api/v1/changes/"
CARRIED = set(COLUMN_FIELDS.values())


def page(client, since="0", **params) -> dict:
    response = client.get(FEED, {"since": since, **params})
    assert response.status_code == 200, response.content
    return response.json()


def last_cursor() -> str:
    return str(ChangeEvent.objects.order_by("-id").values_list("id", flat=True)[0])


@pytest.mark.parametrize("reader", ["anonymous", "member", "owner", "staff"])
@pytest.mark.parametrize("contacts", ["public", "members", "staff"])
def test_a_create_carries_exactly_the_fields_the_policy_gives_each_tier(
    db, reader, contacts
):
    entry = EnterpriseFactory(
        contact_phone="0429-1", contact_email="a@example.com", wechat="wx",
        moq="10", contact_visibility=contacts, survey_year=2024,
        latitude="40.610000", longitude="120.720000", datum="wgs84",
    )  # fmt: skip
    user = {
        "anonymous": None,
        "member": UserFactory(),
        "owner": MembershipFactory(enterprise=entry).user,
        "staff": StaffFactory(),
    }[reader]
    client = APIClient() if user is None else token_client(user)
    (create,) = [e for e in page(client)["results"] if e["enterprise"] == entry.pk]
    viewer = Viewer(user or AnonymousUser())
    shown = viewer.fields_of(entry.pk, contacts) & CARRIED
    assert set(create["data"]) == shown
    assert set(create["fields"]) == shown - {"clusters"}
    assert ("contact_phone" in shown) == (
        reader in ("owner", "staff") or contacts == "public"
        or (contacts == "members" and reader == "member")
    )  # fmt: skip


def test_a_logo_has_the_address_the_api_gives_it(db, api):
    entry = EnterpriseFactory()
    since = last_cursor()
    Enterprise.objects.filter(pk=entry.pk).update(logo="logos/标志 a&b.png")
    (event,) = page(api, since)["results"]
    detail = api.get(f"/api/v1/enterprises/{entry.pk}/").json()
    assert detail["logo"].startswith("http://testserver/")
    assert event["fields"] == ["logo"]
    assert event["data"]["logo"] == detail["logo"]
    assert set(event["data"]) <= {"logo", "updated_at"}
    create, update = [e for e in page(api)["results"] if e["enterprise"] == entry.pk]
    assert create["data"]["logo"] is None  # created without one
    assert update == event
    since = last_cursor()
    Enterprise.objects.filter(pk=entry.pk).update(logo="")
    (cleared,) = page(api, since)["results"]
    assert cleared["data"]["logo"] is None


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "UTC"])
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 4, 3, 40, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 23, 59, 59, 120500, tzinfo=dt.UTC),
        dt.datetime(1995, 12, 31, 16, 0, 0, 5, tzinfo=dt.UTC),
    ],
)
def test_times_are_written_as_the_apis_datetime_field_writes_them(db, zone, moment):
    with override_settings(TIME_ZONE=zone), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        try:
            cursor.execute(f"SELECT {moment_sql('%s::timestamptz')}", [moment])
            (written,) = cursor.fetchone()
        finally:
            cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
        expected = serializers.DateTimeField().to_representation(moment)
    assert written == expected
    assert zoneinfo.ZoneInfo(zone)  # a real zone


def test_the_sessions_time_zone_is_set_back_after_a_page(db, api):
    EnterpriseFactory()
    page(api)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        assert cursor.fetchone()[0] == connection.timezone_name


def test_a_stored_key_that_is_no_registered_column_is_never_shown(db):
    """An event written before a column was dropped keeps its old value: no
    reader, not even staff, is sent it."""
    staff = StaffFactory()
    entry = EnterpriseFactory()
    since = last_cursor()
    enterprise_update(
        actor=staff, enterprise=entry, changes={"products": "泳装"},
        origin=ChangeRecord.Origin.STAFF,
    )  # fmt: skip
    ChangeEvent.objects.filter(id__gt=since).update(
        data={"products": "泳装", "old_phone": "0429-9"},
        fields=["old_phone", "products"],
    )
    for client in (APIClient(), token_client(staff)):
        (event,) = page(client, since)["results"]
        assert event["fields"] == ["products"]
        assert event["data"] == {"products": "泳装"}


def test_line_separators_are_escaped_as_drf_escapes_them(db, api):
    entry = EnterpriseFactory(products="泳装\u2028泳衣\u2029", description='"引号" \\')
    response = api.get(FEED, {"since": "0"})
    assert "\u2028".encode() not in response.content
    assert b"\\u2028" in response.content and b"\\u2029" in response.content
    (create,) = [e for e in response.json()["results"] if e["enterprise"] == entry.pk]
    assert create["data"]["products"] == "泳装\u2028泳衣\u2029"
    assert create["data"]["description"] == '"引号" \\'


def test_an_indented_page_holds_the_same_events(db, api):
    EnterpriseFactory()
    compact = api.get(FEED).json()
    indented = api.get(FEED, HTTP_ACCEPT="application/json; indent=2")
    assert b'\n  "results"' in indented.content
    assert json.loads(indented.content) == compact


def test_a_page_costs_the_same_statements_however_many_events(db):
    staff = StaffFactory()
    client = token_client(staff)
    EnterpriseFactory()
    page(client)  # the token's first use is written down once
    with CaptureQueriesContext(connection) as one:
        page(client, page_size=1)
    for _ in range(30):
        EnterpriseFactory()
    with CaptureQueriesContext(connection) as many:
        assert len(page(client, page_size=1000)["results"]) == 31
    assert len(many) == len(one)
    feed = [q for q in many.captured_queries if "enterprises_changeevent" in q["sql"]]
    assert len(feed) == 2  # where the page may reach, and the page itself


def test_a_create_with_a_logo_names_the_same_fields_as_one_without(db, api):
    """A create is written whole by PostgreSQL, its list of fields too, unless it
    has a logo (whose address Python writes): both lists are the same."""
    plain = EnterpriseFactory(contact_visibility="members")
    with_logo = EnterpriseFactory(contact_visibility="members", logo="logos/a.png")
    shown = {e["enterprise"]: e for e in page(api)["results"]}
    assert shown[with_logo.pk]["data"]["logo"].startswith("http://testserver/")
    assert shown[plain.pk]["data"]["logo"] is None
    assert shown[with_logo.pk]["fields"] == shown[plain.pk]["fields"]
    assert {"logo", "name", "city"} <= set(shown[plain.pk]["fields"])
    assert "contact_phone" not in shown[plain.pk]["fields"]  # members' only


def test_a_create_of_a_dropped_column_shows_only_registered_fields(db):
    """A create written when the table had another column carries it in its
    columns and values: it is written by Python's list of fields, without it."""
    staff = StaffFactory()
    EnterpriseFactory()
    since = last_cursor()
    entry = EnterpriseFactory()
    event = ChangeEvent.objects.get(id__gt=since, kind="create")
    expected = {
        client: page(client, since)["results"]
        for client in (APIClient(), token_client(staff))
    }
    ChangeEvent.objects.filter(pk=event.pk).update(
        data=event.data | {"old_phone": "0429-9"},
        fields=sorted([*event.fields, "old_phone"]),
    )
    for client, before in expected.items():
        (create,) = page(client, since)["results"]
        assert create["enterprise"] == entry.pk
        assert "old_phone" not in create["fields"]
        assert "old_phone" not in create["data"]
        assert [create] == before


def test_a_tiers_page_statement_is_prepared_once_per_connection(db, api):
    """Parsed and planned once, however many pages a connection serves."""
    EnterpriseFactory()
    for _ in range(3):
        page(api)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%FROM enterprises_changeevent c%"],
        )
        assert [row[0] for row in cursor.fetchall()] == [3]
