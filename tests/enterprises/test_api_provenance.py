"""The API's provenance: per section, where the values come from and when they
were last confirmed, for signed-in clients, in an entry's detail."""

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.provenance import enterprise_verify
from tests.factories import EnterpriseFactory, StaffFactory, UserFactory, token_client

pytestmark = pytest.mark.django_db


def detail(client, entry) -> dict:
    response = client.get(f"/api/v1/enterprises/{entry.pk}/")
    assert response.status_code == 200
    return response.json()


def test_a_visitor_gets_no_provenance(api):
    entry = EnterpriseFactory(products="泳装", source="self")
    assert "provenance" not in detail(api, entry)


def test_a_member_sees_each_sections_source_and_confirmation_date():
    entry = EnterpriseFactory(
        products="泳装", source="self", last_confirmed_on=dt.date(2026, 7, 2)
    )
    sections = {
        s["section"]: s
        for s in detail(token_client(UserFactory()), entry)["provenance"]
    }
    assert sections["business"]["kind"] == "confirmed"
    assert sections["business"]["date"] == "2026-07-02"
    assert "products" in sections["business"]["fields"]
    assert sections["names"]["label"]


def test_verified_sections_say_so_with_the_day_of_the_check():
    entry = EnterpriseFactory(products="泳装", source="import")
    enterprise_verify(actor=StaffFactory(), enterprise=entry)
    sections = detail(token_client(UserFactory()), entry)["provenance"]
    assert {s["kind"] for s in sections} == {"verified"}
    assert {s["date"] for s in sections} == {timezone.localdate().isoformat()}


def test_a_member_does_not_learn_staff_only_fields_through_provenance():
    entry = EnterpriseFactory(contact_phone="0429-1", contact_person="")
    sections = detail(token_client(UserFactory()), entry)["provenance"]
    assert all("contact_phone" not in s["fields"] for s in sections)


def test_lists_carry_no_provenance(staff_api):
    EnterpriseFactory.create_batch(2)
    results = staff_api.get("/api/v1/enterprises/").json()["results"]
    assert results and all("provenance" not in e for e in results)
