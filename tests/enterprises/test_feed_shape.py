"""The exact shape of a change-feed page for a visitor, a member and staff: the
JSON integrators parse (keys, types, how values are written, which events and
fields each tier gets), pinned so that a faster way of writing it changes
nothing."""

import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from enterprises.merging import enterprise_merge
from enterprises.models import ChangeRecord
from enterprises.services import enterprise_update
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    StaffFactory,
    UserFactory,
    token_client,
)

FEED = "/api/v1/changes/"
# A moment as the API writes it: ISO 8601 in the site's time zone.
MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+08:00$")
# The list's fields the feed does not carry (related rows, the address).
NOT_CARRIED = {"url", "certifications", "designations", "photos"}


@pytest.fixture
def page(db):
    """A create, a cluster change, an update of fields of every tier, contacts
    published and hidden again, and a merge; each reader's page of it."""
    staff = StaffFactory()
    start = APIClient().get(FEED).json()["cursor"]
    entry = EnterpriseFactory(
        name="兴城泳装有限公司", products="泳装", latitude=Decimal("40.61"),
        longitude=Decimal("120.72"), datum="wgs84", moq="50",
        contact_phone="0429-1", wechat="wx1", clusters=[ClusterFactory(slug="swim")],
    )  # fmt: skip
    twin = EnterpriseFactory(name="兴城泳装二厂")

    def update(**changes):
        enterprise_update(
            actor=staff, enterprise=entry, changes=changes,
            origin=ChangeRecord.Origin.STAFF,
        )  # fmt: skip

    readers = {
        "visitor": APIClient(),
        "member": token_client(UserFactory()),
        "staff": token_client(staff),
    }
    listed = {
        name: client.get("/api/v1/enterprises/?cursor=").json()["results"]
        for name, client in readers.items()
    }
    update(
        products="泳衣", moq="100", wechat="wx2", latitude="40.62",
        contact_phone="0429-2", survey_year=2024,
    )  # fmt: skip
    update(contact_visibility="public")
    update(contact_visibility="staff")
    enterprise_merge(actor=staff, source=twin, target=entry)
    pages = {
        name: client.get(FEED, {"since": start}) for name, client in readers.items()
    }
    # The cursors of staff's six events, in order: the twin's create is nobody's
    # to see now (it is merged away), only its merge.
    cursors = [e["cursor"] for e in pages["staff"].json()["results"]]
    assert len(cursors) == 6
    return {
        "entry": entry, "twin": twin, "listed": listed, "pages": pages,
        "start": start, "c": cursors,
    }  # fmt: skip


def moments_checked(events: list[dict]) -> list[dict]:
    """The events with their times checked for form and left out."""
    for event in events:
        assert MOMENT.match(event.pop("at")), event
        data = event["data"] or {}
        for name in ("updated_at", "created_at"):
            if name in data:
                assert MOMENT.match(data.pop(name)), event
    return events


@pytest.mark.parametrize("reader", ["visitor", "member", "staff"])
def test_a_page_is_compact_utf8_json_with_its_cursor_and_next_address(page, reader):
    response = page["pages"][reader]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.content.decode()
    first, last = page["c"][0], page["c"][-1]
    assert body.startswith(f'{{"results":[{{"cursor":"{first}","enterprise":')
    assert "兴城泳装有限公司" in body  # not \u-escaped
    assert body.endswith(
        f'],"cursor":"{last}","next":"http://testserver/api/v1/changes/?since={last}",'
        '"more":false}'
    )


@pytest.mark.parametrize("reader", ["visitor", "member", "staff"])
def test_a_create_carries_the_values_the_readers_list_shows(page, reader):
    body = page["pages"][reader].json()
    create = body["results"][0]
    entry = page["entry"]
    assert create["type"] == "create"
    assert (create["cursor"], create["enterprise"]) == (page["c"][0], entry.pk)
    (listed,) = [e for e in page["listed"][reader] if e["id"] == entry.pk]
    carried = {k: v for k, v in listed.items() if k not in NOT_CARRIED}
    # Clusters come with the event after the row's.
    assert create["data"] == {**carried, "clusters": []}
    assert create["data"]["latitude"] == "40.610000"
    assert create["data"]["logo"] is None
    assert create["data"]["merged_into"] is None
    assert ("contact_phone" in create["data"]) == (reader == "staff")
    assert ("moq" in create["data"]) == (reader != "visitor")
    assert set(create["fields"]) <= set(create["data"]) | {"clusters"}


def test_a_visitors_page(page):
    events = moments_checked(page["pages"]["visitor"].json()["results"])
    entry, twin = page["entry"].pk, page["twin"].pk
    c = page["c"]
    assert [e["cursor"] for e in events] == c
    assert events[2:] == [
        {"cursor": c[2], "enterprise": entry, "type": "update",
         "fields": ["latitude", "products"],
         "data": {"latitude": "40.620000", "products": "泳衣"}},
        {"cursor": c[3], "enterprise": entry, "type": "update", "fields": [],
         "data": {"contact_email": "", "contact_phone": "0429-2"}, "removed": []},
        # The contacts hidden again: no value, the names to drop.
        {"cursor": c[4], "enterprise": entry, "type": "update", "fields": [],
         "data": {}, "removed": ["contact_phone", "contact_email"]},
        {"cursor": c[5], "enterprise": twin, "type": "merge", "fields": [],
         "data": {"merged_into": entry}},
    ]  # fmt: skip
    assert events[1] == {
        "cursor": c[1], "enterprise": entry, "type": "update",
        "fields": ["clusters"], "data": {"clusters": ["swim"]},
    }  # fmt: skip


def test_a_members_page(page):
    events = moments_checked(page["pages"]["member"].json()["results"])
    entry = page["entry"].pk
    c = page["c"]
    assert [e["cursor"] for e in events] == c
    assert events[2:5] == [
        {"cursor": c[2], "enterprise": entry, "type": "update",
         "fields": ["latitude", "moq", "products", "wechat"],
         "data": {"moq": "100", "wechat": "wx2", "latitude": "40.620000",
                  "products": "泳衣"}},
        {"cursor": c[3], "enterprise": entry, "type": "update", "fields": [],
         "data": {"contact_email": "", "contact_phone": "0429-2"}, "removed": []},
        {"cursor": c[4], "enterprise": entry, "type": "update", "fields": [],
         "data": {}, "removed": ["contact_phone", "contact_email"]},
    ]  # fmt: skip


def test_a_staff_page(page):
    events = moments_checked(page["pages"]["staff"].json()["results"])
    entry, twin = page["entry"].pk, page["twin"].pk
    c = page["c"]
    assert [e["cursor"] for e in events] == c
    sources = {
        "moq": "staff", "wechat": "staff", "latitude": "staff", "products": "staff",
        "survey_year": "staff", "contact_phone": "staff",
    }  # fmt: skip
    assert events[2:] == [
        {"cursor": c[2], "enterprise": entry, "type": "update",
         "fields": ["contact_phone", "field_sources", "latitude", "moq", "products",
                    "survey_year", "wechat"],
         "data": {"moq": "100", "wechat": "wx2", "latitude": "40.620000",
                  "products": "泳衣", "survey_year": 2024,
                  "contact_phone": "0429-2", "field_sources": sources}},
        {"cursor": c[3], "enterprise": entry, "type": "update",
         "fields": ["contact_visibility", "field_sources"],
         "data": {"contact_email": "", "contact_phone": "0429-2",
                  "field_sources": {**sources, "contact_visibility": "staff"},
                  "contact_visibility": "public"},
         "removed": []},
        {"cursor": c[4], "enterprise": entry, "type": "update",
         "fields": ["contact_visibility"],
         "data": {"contact_email": "", "contact_phone": "0429-2",
                  "contact_visibility": "staff"},
         "removed": []},
        {"cursor": c[5], "enterprise": twin, "type": "merge", "fields": [],
         "data": {"merged_into": entry}},
    ]  # fmt: skip


@pytest.mark.parametrize("reader", ["visitor", "member"])
def test_contacts_hidden_again_leave_a_readers_replayed_copy(page, reader):
    """A reader who was shown the phone once it was published keeps no copy of it
    once the entry hides it again (the change is only of a field hidden from
    the reader, but it must say which values to drop)."""
    copy: dict = {}
    for event in page["pages"][reader].json()["results"]:
        if event["enterprise"] != page["entry"].pk:
            continue
        copy.update(event["data"] or {})
        for name in event.get("removed", []):
            copy.pop(name, None)
    assert "contact_phone" not in copy
    assert copy["products"] == "泳衣"
