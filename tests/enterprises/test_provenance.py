"""Provenance shown on the enterprise page, and staff verifying a profile."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import ChangeRecord
from enterprises.services import enterprise_update
from tests.factories import EnterpriseFactory, MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _provenance(client, enterprise) -> str:
    html = client.get(enterprise.get_absolute_url()).content.decode()
    start = html.index('id="provenance"')
    return html[start : html.index("</section>", start)]


def test_a_self_reported_section_says_when_the_enterprise_confirmed_it(client):
    enterprise = EnterpriseFactory(
        products="泳装", source="self", last_confirmed_on=dt.date(2026, 7, 2)
    )
    # In the page's date style (Chinese by default), as every other date.
    assert "2026年7月2日" in _provenance(client, enterprise)
    assert 'data-provenance="confirmed"' in _provenance(client, enterprise)


def test_a_staff_edit_shows_as_verified_by_the_association_on_its_date(client):
    enterprise = EnterpriseFactory(products="泳装", source="self")
    enterprise_update(
        actor=StaffFactory(),
        enterprise=enterprise,
        changes={"products": "泳衣", "sectors": ["swimwear"]},
        origin=ChangeRecord.Origin.STAFF,
    )
    enterprise.field_sources = {**enterprise.field_sources}
    section = _provenance(client, enterprise)
    assert 'data-provenance="confirmed"' in section  # names are still self-reported
    client.force_login(StaffFactory())
    client.post(reverse("enterprises:enterprise-verify", args=[enterprise.pk]))
    section = _provenance(client, enterprise)
    assert 'data-provenance="confirmed"' not in section
    assert 'data-provenance="verified"' in section
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in section
    record = ChangeRecord.objects.filter(enterprise=enterprise).first()
    assert record.reference == "verify" and "field_sources" in record.changes


def test_only_staff_may_verify(client):
    member = MembershipFactory(enterprise__source="self")
    client.force_login(member.user)
    url = reverse("enterprises:enterprise-verify", args=[member.enterprise.pk])
    assert client.post(url).status_code == 404
    member.enterprise.refresh_from_db()
    assert member.enterprise.field_sources == {}


def test_hidden_fields_do_not_decide_a_visitors_provenance(client):
    enterprise = EnterpriseFactory(
        contact_phone="0429-5550101", field_sources={"contact_phone": "staff"}
    )
    visitor = _provenance(client, enterprise)
    assert "0429-5550101" not in visitor
    client.force_login(StaffFactory())
    staff = _provenance(client, enterprise)
    # The contact section exists only for a viewer who sees the phone.
    assert staff.count("data-provenance=") == visitor.count("data-provenance=") + 1
