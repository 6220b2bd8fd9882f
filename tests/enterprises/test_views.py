"""Directory pages: visibility tiers in the HTML, query counts, htmx fragments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import EnterpriseCertification, EnterpriseMembership
from tests.factories import EnterpriseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = {
    "contact_person": "王经理",
    "contact_phone": "13900001111",
    "contact_email": "boss@example.com",
    "monthly_capacity": "80000 件",
    "export_share": 65,
}


@pytest.fixture
def profile():
    return EnterpriseFactory(
        name="兴城保密泳装有限公司",
        is_exporter=True,
        contact_visibility="staff",
        **SECRET,
    )


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url_kind", ["detail", "search"])
def test_visitor_sees_public_fields_only(client, profile, url_kind):
    url = profile.get_absolute_url() if url_kind == "detail" else "/enterprises/?q=保密"
    html = _html(client, url)
    assert profile.name in html
    for value in ("王经理", "13900001111", "boss@example.com", "80000 件"):
        assert value not in html


def test_member_tier_sees_member_fields_not_staff_contacts(client, profile):
    client.force_login(UserFactory())
    html = _html(client, profile.get_absolute_url())
    assert "王经理" in html and "80000 件" in html and "65%" in html
    assert "13900001111" not in html and "boss@example.com" not in html
    search_html = _html(client, "/enterprises/?q=保密")
    assert "王经理" in search_html and "13900001111" not in search_html


def test_staff_and_own_members_see_everything(client, profile):
    client.force_login(StaffFactory())
    html = _html(client, profile.get_absolute_url())
    assert "13900001111" in html and "boss@example.com" in html
    assert "13900001111" in _html(client, "/enterprises/?q=保密")
    owner = UserFactory()
    EnterpriseMembership.objects.create(user=owner, enterprise=profile, role="owner")
    client.force_login(owner)
    assert "13900001111" in _html(client, profile.get_absolute_url())


def test_published_contacts_are_public(client):
    e = EnterpriseFactory(contact_phone="13700002222", contact_visibility="public")
    assert "13700002222" in _html(client, e.get_absolute_url())


def test_unpublished_entry_is_404_for_others_visible_to_staff_and_members(client):
    draft = EnterpriseFactory(published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(draft.get_absolute_url()).status_code == 404
    member = UserFactory()
    EnterpriseMembership.objects.create(user=member, enterprise=draft)
    client.force_login(member)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.force_login(StaffFactory())
    assert client.get(draft.get_absolute_url()).status_code == 200


def _queries(client, url) -> int:
    client.get("/")  # warm the per-process caches (demo flag, regions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("user_kind", ["anonymous", "member", "staff"])
def test_list_page_runs_a_constant_number_of_queries(client, user_kind):
    EnterpriseFactory.create_batch(60, products="泳装", sectors=["swimwear"])
    if user_kind == "member":
        client.force_login(UserFactory())
    elif user_kind == "staff":
        client.force_login(StaffFactory())
    # A first search fills the per-process caches (the table's size, kept 60 s),
    # whose one query would otherwise fall on whichever page comes first.
    _queries(client, "/enterprises/?q=泳衣&page_size=5")
    small = _queries(client, "/enterprises/?q=泳装&page_size=5&sector=swimwear")
    large = _queries(client, "/enterprises/?q=泳装&page_size=50&sector=swimwear")
    assert small == large
    assert large <= 14  # 12, and the badges: memberships and certificates


def test_related_list_pages_have_constant_queries(client):
    from clusters.models import Cluster

    EnterpriseFactory.create_batch(3)
    cluster = Cluster.objects.create(
        slug="c1", name="集群", region_id="211481", specialty="泳装"
    )
    # The clusters' enterprise counts are precomputed (clusters.figures): the
    # first request finds none yet and computes them.
    _queries(client, "/clusters/")
    first = _queries(client, "/clusters/")
    Cluster.objects.create(slug="c2", name="集群2", region_id="211481", specialty="袜")
    assert _queries(client, "/clusters/") == first
    assert client.get(cluster.get_absolute_url()).status_code == 200


def test_htmx_request_gets_the_results_fragment(client):
    EnterpriseFactory(name="兴城片段泳装有限公司")
    response = client.get("/enterprises/?q=片段", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-body"')
    assert "兴城片段泳装有限公司" in html and "<html" not in html
    # A history restore (back button without cache) gets the whole page.
    response = client.get(
        "/enterprises/?q=片段",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_typeahead_suggests_names(client):
    e = EnterpriseFactory(name="大杨提示服饰有限公司")
    html = _html(client, "/enterprises/typeahead/?q=大杨")
    assert e.name in html and e.get_absolute_url() in html
    assert _html(client, "/enterprises/typeahead/?q=%21%21").strip() == ""


def test_unknown_filter_value_is_reported_and_page_still_works(client):
    html = _html(client, "/enterprises/?sector=%3Cx%3E&updated=notadate")
    assert 'role="alert"' in html
    assert "<x>" not in html


def test_url_holds_the_state_for_paging(client):
    EnterpriseFactory.create_batch(25, products="泳装", sectors=["swimwear"])
    html = _html(client, "/enterprises/?q=泳装&sector=swimwear&page_size=10")
    assert "page=2" in html and "q=%E6%B3%B3%E8%A3%85" in html


def test_typeahead_suggests_clusters_and_places(client):
    from tests.factories import ClusterFactory

    cluster = ClusterFactory(name="兴城泳装产业集群")
    html = _html(client, "/enterprises/typeahead/?q=兴城")
    assert f"?cluster={cluster.slug}" in html
    assert "?county=211481" in html  # 兴城市, a county-level city
    assert "?city=211400" not in html
    assert "?city=211400" in _html(client, "/enterprises/typeahead/?q=葫芦岛")


# A filter or facet on a field the viewer may not see is neither applied nor offered.


def test_revenue_filter_and_facet_are_not_on_the_search_page_for_visitors(
    client, banded
):
    """Leak: the search page filtered by, and counted, the members-only band."""
    html = client.get("/enterprises/?revenue=gt500m").content.decode()
    assert banded["small"].name in html and banded["rich"].name in html
    assert 'data-facet="revenue"' not in html and 'name="revenue"' not in html
    client.force_login(UserFactory())
    html = client.get("/enterprises/?revenue=gt500m").content.decode()
    assert banded["rich"].name in html and banded["small"].name not in html
    assert 'data-facet="revenue"' in html


def test_staff_only_filters_are_ignored_for_others(client, banded):
    # uscc_warning and incomplete read staff-only fields (the USCC override, the
    # hidden contacts): for others they filter nothing.
    warned = EnterpriseFactory(name="校验失败有限公司", uscc="91110000600037341X")
    for query in ("uscc_warning=yes", "incomplete=1"):
        for user in (None, UserFactory()):
            if user:
                client.force_login(user)
            html = client.get(f"/enterprises/?{query}").content.decode()
            assert banded["rich"].name in html and warned.name in html, query
            assert "data-health-filters" not in html
    client.force_login(StaffFactory())
    html = client.get("/enterprises/?uscc_warning=yes").content.decode()
    assert warned.name in html and banded["rich"].name not in html


# Results and detail show the same fields for the same viewer.

CONTACTS_SEEN = {  # contact publication -> viewers who see the phone
    "public": {"anonymous", "other", "owner", "staff"},
    "members": {"other", "owner", "staff"},
    "staff": {"owner", "staff"},
}


@pytest.mark.parametrize("contacts", list(CONTACTS_SEEN))
def test_result_list_and_detail_show_the_same_contacts(client, contacts):
    """Leak: a published phone showed on the detail page but not in the results."""
    e = EnterpriseFactory(
        name="联系方式测试有限公司",
        contact_person="李经理",
        contact_phone="0429-3216549",
        contact_visibility=contacts,
    )
    owner = UserFactory()
    EnterpriseMembership.objects.create(user=owner, enterprise=e, role="owner")
    viewers = {
        "anonymous": None,
        "other": UserFactory(),
        "owner": owner,
        "staff": StaffFactory(),
    }
    for who, user in viewers.items():
        if user is not None:
            client.force_login(user)
        detail = _html(client, e.get_absolute_url())
        results = _html(client, "/enterprises/?q=联系方式测试")
        phone = who in CONTACTS_SEEN[contacts]
        person = who != "anonymous"  # the members tier
        for html in (detail, results):
            assert ("0429-3216549" in html) is phone, (contacts, who)
            assert ("李经理" in html) is person, (contacts, who)


def test_a_custom_updated_date_in_the_url_stays_in_the_form(client):
    # The form is the source of truth for the next request (site.js): a date that
    # is not one of the presets must be an option of the select, or the next
    # filter change silently drops it from the URL and the results.
    html = _html(client, "/enterprises/?updated=2026-03-05")
    assert '<option value="2026-03-05" selected>' in html
    html = _html(client, "/enterprises/?updated=1y")
    assert 'value="2026-03-05"' not in html and '<option value="1y" selected>' in html


def test_the_enterprise_page_reads_each_section_once(client):
    """The page asks for its certifications and its history in two places each
    (the list and whether it is empty); each is read once (the views memoise)."""
    firm = EnterpriseFactory()
    EnterpriseCertification.objects.create(
        enterprise=firm, scheme="iso9001", certificate_no="Q-1"
    )
    with CaptureQueriesContext(connection) as queries:
        html = client.get(firm.get_absolute_url()).content.decode()
    assert 'data-certificate="iso9001"' in html
    sqls = [q["sql"] for q in queries.captured_queries]
    full_list = [
        s for s in sqls if s.startswith('SELECT "enterprises_enterprisecertification"')
    ]
    assert len(full_list) == 1, full_list
    history = [s for s in sqls if 'FROM "enterprises_changerecord"' in s]
    assert len(history) <= 1, history


def test_the_enterprise_page_reads_only_the_sections_an_entry_has(client):
    """Whether an entry has clusters, certificates, designations, market stalls,
    programmes, awards, partners, history or members comes with the entry; a
    section it has none of is not read (most entries have two or three)."""
    from tests.factories import ClusterFactory

    bare = EnterpriseFactory()
    client.get(bare.get_absolute_url())  # the per-process caches
    with CaptureQueriesContext(connection) as queries:
        html = client.get(bare.get_absolute_url()).content.decode()
    assert "data-claim" in html  # not claimed: no member
    # (the table of each statement's first column)
    read = [q["sql"].split()[1].split(".")[0] for q in queries.captured_queries]
    assert read == ['"enterprises_enterprise"'], queries.captured_queries
    cluster = ClusterFactory(name="兴城泳装产业集群")
    bare.clusters.add(cluster)
    html = client.get(bare.get_absolute_url()).content.decode()
    assert cluster.get_absolute_url() in html


def test_former_names_are_listed_the_readers_way(client):
    e = EnterpriseFactory(former_names=["Old One", "Old Two"])
    en = client.get(e.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get(e.get_absolute_url()).content.decode()
    assert "Old One, Old Two" in en
    assert "Old One、Old Two" in zh


def test_typeahead_searches_the_names_once(client, django_assert_max_num_queries):
    """Names first, then the best text matches: the name matches are not looked
    up a second time for the text matches' pinning, and the tiers are read in
    one statement with the suggestions' columns (8 statements here with the
    planner settings, their reset in the test's transaction, the places and the
    clusters; it was 13, then 10)."""
    named = EnterpriseFactory(name="泳装提示服饰有限公司")
    for i in range(8):  # enough for the first tier: names with the word
        EnterpriseFactory(name=f"兴城泳装{i}号服饰有限公司")
    other = EnterpriseFactory(name="兴城某服饰有限公司", products="泳装")
    client.get("/")  # the per-process caches
    with django_assert_max_num_queries(8):
        html = _html(client, "/enterprises/typeahead/?q=泳装")
    assert named.get_absolute_url() in html
    assert other.get_absolute_url() not in html  # a products match: later tiers
