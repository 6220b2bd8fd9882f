"""The search's "verified" filter: profiles verified by the association, on the
search page and in the API, following verification and later self-reported
changes."""

import pytest
from django.urls import reverse

from enterprises.models import ChangeRecord
from enterprises.provenance import enterprise_verify
from enterprises.services import enterprise_update
from tests.factories import EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db


def api_ids(api, query: str = "") -> set[int]:
    response = api.get(f"/api/v1/enterprises/?verified=yes&{query}")
    assert response.status_code == 200
    return {e["id"] for e in response.json()["results"]}


def test_the_api_filters_to_profiles_the_association_verified(api):
    verified = EnterpriseFactory(source="staff")
    EnterpriseFactory(source="import")
    EnterpriseFactory(source="self")
    assert api_ids(api) == {verified.pk}


def test_verifying_a_profile_brings_it_into_the_filter_and_a_later_self_report_out(
    api,
):
    entry = EnterpriseFactory(source="import", products="泳装")
    assert api_ids(api) == set()
    enterprise_verify(actor=StaffFactory(), enterprise=entry)
    assert api_ids(api) == {entry.pk}
    enterprise_update(
        actor=None, enterprise=entry, changes={"products": "泳衣"},
        origin=ChangeRecord.Origin.CHANGE_REQUEST,
    )  # fmt: skip
    assert api_ids(api) == set()


def test_the_search_page_offers_the_filter_with_its_count(client):
    EnterpriseFactory.create_batch(2, source="staff")
    EnterpriseFactory(source="demo")
    page = client.get(reverse("enterprises:enterprise-list"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    start = html.index('data-facet="verified"')
    group = html[start : html.index("</fieldset>", start)]
    assert "Verified by the association" in group
    assert "2" in group
    filtered = client.get(reverse("enterprises:enterprise-list"), {"verified": "yes"})
    assert filtered.context["result"].total == 2


def test_the_verified_badge_follows_the_same_rule(client):
    entry = EnterpriseFactory(source="staff", field_sources={"products": "self"})
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'data-badge="staff-verified"' not in html
    entry.field_sources = {"products": "staff"}
    entry.save()
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'data-badge="staff-verified"' in html
