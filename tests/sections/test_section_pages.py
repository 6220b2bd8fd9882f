"""List and detail pages of clusters, colleges, markets, programmes and events show
their relations, and only published enterprises to visitors."""

import datetime as dt

import pytest

from clusters.models import Designation
from colleges.models import College, Partnership
from markets.models import Market, Tenancy
from programmes.models import Award, Event, Participation, Programme
from tests.factories import ClusterFactory, EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_cluster_page_shows_designations_markets_and_enterprises(client):
    cluster = ClusterFactory(name="兴城泳装产业集群")
    Designation.objects.create(
        cluster=cluster,
        kind="cluster_title",
        title="中国泳装名城",
        awarding_body="中国纺织工业联合会",
        awarded_on=dt.date(2010, 1, 1),
    )
    Market.objects.create(
        slug="m", name="兴城泳装市场", region_id="211481", cluster=cluster
    )
    member = EnterpriseFactory(name="兴城集群成员有限公司", clusters=[cluster])
    hidden = EnterpriseFactory(
        name="兴城草稿成员有限公司", clusters=[cluster], published=False
    )
    html = _html(client, cluster.get_absolute_url())
    for text in (
        "中国泳装名城",
        "中国纺织工业联合会",
        "2010",
        "兴城泳装市场",
        member.name,
    ):
        assert text in html
    assert hidden.name not in html
    assert f"?cluster={cluster.slug}" in html
    listing = _html(client, "/clusters/")
    assert cluster.name in listing
    client.force_login(StaffFactory())
    assert hidden.name in _html(client, cluster.get_absolute_url())


def test_unknown_slugs_are_404(client):
    for url in (
        "/clusters/nope/",
        "/colleges/nope/",
        "/markets/nope/",
        "/programmes/nope/",
        "/events/nope/",
        "/enterprises/999999/",
    ):
        assert client.get(url).status_code == 404


def test_market_page_lists_its_tenants(client):
    market = Market.objects.create(
        slug="xiliu", name="西柳服装市场", region_id="210381"
    )
    tenant = EnterpriseFactory(name="海城租户服饰有限公司", region_id="210381")
    Tenancy.objects.create(market=market, enterprise=tenant, stall="A-101")
    html = _html(client, market.get_absolute_url())
    assert tenant.name in html and "A-101" in html
    assert market.name in _html(client, "/markets/")
    assert market.name in _html(client, tenant.get_absolute_url())


def test_college_page_lists_partner_enterprises(client):
    college = College.objects.create(
        slug="dpu", name="大连工业大学", kind="university", region_id="210211"
    )
    partner = EnterpriseFactory(name="大连合作伙伴服装有限公司", region_id="210211")
    Partnership.objects.create(college=college, enterprise=partner, kind="internship")
    assert partner.name in _html(client, college.get_absolute_url())
    assert college.name in _html(client, "/colleges/")
    assert college.name in _html(client, partner.get_absolute_url())


def test_programme_and_event_pages_show_events_participants_and_awards(client):
    programme = Programme.objects.create(
        slug="regional-brand", kind="regional_brand", name="区域品牌计划"
    )
    event = Event.objects.create(
        slug="expo",
        kind="exhibition",
        programme=programme,
        name="泳装博览会",
        starts_on=dt.date(2025, 6, 12),
        ends_on=dt.date(2025, 6, 15),
    )
    winner = EnterpriseFactory(name="兴城获奖泳装有限公司")
    Participation.objects.create(
        programme=programme, enterprise=winner, event=event, year=2025
    )
    Award.objects.create(event=event, title="金奖", enterprise=winner)
    html = _html(client, programme.get_absolute_url())
    assert "泳装博览会" in html and winner.name in html and "金奖" in html
    event_html = _html(client, event.get_absolute_url())
    assert winner.name in event_html and "金奖" in event_html
    assert "泳装博览会" in _html(client, "/events/")
    assert "区域品牌计划" in _html(client, "/programmes/")
    detail = _html(client, winner.get_absolute_url())
    assert "区域品牌计划" in detail and "金奖" in detail
