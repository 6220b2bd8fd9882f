"""List and detail pages of clusters, colleges, markets, programmes and events show
their relations, and only published enterprises to visitors."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from clusters.models import Designation
from clusters.views import MEMBERS_SHOWN, newest_members
from colleges.models import College, Partnership
from enterprises.models import EnterpriseMembership
from markets.models import Market, Tenancy
from programmes.models import Award, Event, Participation, Programme
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    StaffFactory,
    UserFactory,
)

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


@pytest.fixture
def draft_everywhere():
    """An unpublished enterprise linked to every section, beside a published one."""
    cluster = ClusterFactory(slug="xingcheng", name="兴城泳装产业集群")
    draft = EnterpriseFactory(
        name="未发布的草稿企业有限公司", published=False, clusters=[cluster]
    )
    public = EnterpriseFactory(name="已发布的公开企业有限公司", clusters=[cluster])
    Designation.objects.create(
        kind="honour", title="草稿荣誉", awarding_body="协会", enterprise=draft
    )
    market = Market.objects.create(slug="wuai", name="五爱市场", region_id="210100")
    college = College.objects.create(
        slug="dlpu", name="大连工业大学", kind="university", region_id="210200"
    )
    programme = Programme.objects.create(
        slug="heritage", kind="heritage", name="非遗计划"
    )
    event = Event.objects.create(
        slug="expo-2025",
        kind="competition",
        programme=programme,
        name="设计大赛",
        starts_on=dt.date(2025, 6, 1),
        ends_on=dt.date(2025, 6, 2),
    )
    for e, stall, prize in ((draft, "B-1", "草稿金奖"), (public, "B-2", "公开银奖")):
        Tenancy.objects.create(market=market, enterprise=e, stall=stall)
        Partnership.objects.create(college=college, enterprise=e, kind="internship")
        Participation.objects.create(
            programme=programme, enterprise=e, event=event, year=2025
        )
        Award.objects.create(event=event, title=prize, enterprise=e)
    Award.objects.create(event=event, title="个人奖", winner_name="张设计师")
    owner = UserFactory()
    EnterpriseMembership.objects.create(user=owner, enterprise=draft, role="owner")
    return {"draft": draft, "public": public, "owner": owner}


SECTION_PAGES = [
    "/clusters/xingcheng/",
    "/markets/wuai/",
    "/colleges/dlpu/",
    "/programmes/heritage/",
    "/events/expo-2025/",
]


@pytest.mark.parametrize("url", SECTION_PAGES)
@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_section_pages_hide_unpublished_enterprises(client, draft_everywhere, url, who):
    """Leak: programme and event pages listed the awards of unpublished entries
    (name and link) to visitors; every section page is checked."""
    if who == "other":
        client.force_login(UserFactory())
    html = _html(client, url)
    draft = draft_everywhere["draft"]
    assert draft.name not in html and draft.get_absolute_url() not in html
    assert "草稿金奖" not in html
    assert draft_everywhere["public"].name in html


@pytest.mark.parametrize("url", SECTION_PAGES)
@pytest.mark.parametrize("who", ["owner", "staff"])
def test_section_pages_show_unpublished_enterprises_to_those_who_see_them(
    client, draft_everywhere, url, who
):
    client.force_login(draft_everywhere["owner"] if who == "owner" else StaffFactory())
    html = _html(client, url)
    assert draft_everywhere["draft"].name in html
    assert draft_everywhere["public"].name in html


def test_awards_to_people_stay_on_event_and_programme_pages(client, draft_everywhere):
    for url in ("/events/expo-2025/", "/programmes/heritage/"):
        html = _html(client, url)
        assert "个人奖" in html and "张设计师" in html and "公开银奖" in html


def test_cluster_list_counts_the_enterprises_the_user_may_see(client, draft_everywhere):
    def count() -> str:
        html = _html(client, "/clusters/")
        return html.split("?cluster=xingcheng")[1].split("<")[0]

    assert count() == '">1'
    client.force_login(draft_everywhere["owner"])
    assert count() == '">2'  # its own draft too, as the search it links to
    client.force_login(StaffFactory())
    assert count() == '">2'


def test_cluster_page_lists_its_newest_members_a_visitor_may_see(client):
    cluster = ClusterFactory()
    older = EnterpriseFactory.create_batch(MEMBERS_SHOWN, clusters=[cluster])
    # More drafts than one batch of candidates, newest of all.
    EnterpriseFactory.create_batch(
        MEMBERS_SHOWN * 5 + 3, clusters=[cluster], published=False
    )
    EnterpriseFactory(name="不在集群的企业有限公司")
    newest_first = sorted((e.pk for e in older), reverse=True)
    assert [e.pk for e in newest_members(AnonymousUser(), cluster)] == newest_first
    html = _html(client, cluster.get_absolute_url())
    assert html.count('<li><a href="/enterprises/') >= MEMBERS_SHOWN
    assert "不在集群的企业有限公司" not in html
    # Staff see the drafts, the newest.
    shown = newest_members(StaffFactory(), cluster)
    assert len(shown) == MEMBERS_SHOWN and all(not e.published for e in shown)
