"""What people type and see (issue 12): status facet, sorting by name, homophones,
spaced pinyin and English prefixes, counts that agree, cluster names after products."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.utils import translation

from enterprises.choices import RegistrationStatus
from enterprises.permissions import SYSTEM
from enterprises.search import homophones
from enterprises.search.counts import published_total
from enterprises.search.query import Search, run
from enterprises.services import enterprise_update
from tests.factories import ClusterFactory, EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


def result(querystring: str, user=ANON):
    return run(Search.from_params(QueryDict(querystring)), user)


def names(found) -> list[str]:
    return [e.name for e in found.rows]


# --- registration status -------------------------------------------------------


def test_registration_status_is_a_facet_and_a_filter(client):
    active = EnterpriseFactory(name="兴城甲泳装有限公司", products="泳装")
    gone = EnterpriseFactory(
        name="兴城乙泳装有限公司", products="泳装", registration_status="deregistered"
    )
    EnterpriseFactory(
        name="兴城丙泳装有限公司", products="泳装", registration_status="revoked"
    )
    found = result("q=泳装")
    counts = {f.value: f.count for f in found.facets["rs"]}
    assert counts == {"active": 1, "deregistered": 1, "revoked": 1}
    assert found.rows[0] == active  # active firms first
    assert result("q=泳装&status=deregistered").rows == [gone]
    assert result("q=泳装&status=deregistered,revoked").total == 2
    # A selected status keeps its alternatives' counts, to add one.
    selected = result("q=泳装&status=active")
    assert {f.value: f.count for f in selected.facets["rs"]}["revoked"] == 1

    page = client.get("/enterprises/", {"q": "泳装"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'data-facet="status"' in html
    assert "注销" in html and "吊销" in html

    data = client.get(
        "/api/v1/enterprises/", {"q": "泳装", "status": "active", "facets": "status"}
    ).json()
    assert [row["id"] for row in data["results"]] == [active.id]
    assert {f["value"]: f["count"] for f in data["facets"]["status"]} == {
        "active": 1,
        "deregistered": 1,
        "revoked": 1,
    }


def test_a_status_change_moves_the_entry_to_its_new_facet_value():
    entry = EnterpriseFactory(name="海城某服饰有限公司")
    enterprise_update(
        actor=None,
        enterprise=entry,
        changes={"registration_status": RegistrationStatus.REVOKED},
        origin="staff",
    )
    assert result("status=revoked").rows == [entry]
    assert result("status=active").rows == []


# --- sorting by name -----------------------------------------------------------


@pytest.fixture
def named():
    return [
        EnterpriseFactory(name="鞍山服装有限公司", name_en="Zenith Garments"),
        EnterpriseFactory(name="大连服装有限公司", name_en="Apex Garments"),
        EnterpriseFactory(name="丹东服装有限公司", name_en=""),  # dan dong
        EnterpriseFactory(name="长海服装有限公司", name_en="Mist Garments"),  # chang
    ]


def test_sorting_by_name_is_pinyin_order_in_chinese(named):
    with translation.override("zh-hans"):
        for querystring in ("sort=name", "q=服装&sort=name"):
            # an 安, chang 长, da 大, dan 丹 (not code point order: 丹 < 大 < 长 < 鞍)
            assert names(result(querystring)) == [
                "鞍山服装有限公司",
                "长海服装有限公司",
                "大连服装有限公司",
                "丹东服装有限公司",
            ], querystring


def test_sorting_by_name_is_by_english_name_in_english(named, client):
    with translation.override("en"):
        # Apex, dan dong (no English name: its pinyin), Mist, Zenith
        assert names(result("sort=name")) == [
            "大连服装有限公司",
            "丹东服装有限公司",
            "长海服装有限公司",
            "鞍山服装有限公司",
        ]
    data = client.get(
        "/api/v1/enterprises/", {"sort": "name"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert [row["name_en"] for row in data["results"]][:2] == ["Apex Garments", ""]


def test_a_renamed_entry_sorts_by_its_new_name(named):
    enterprise_update(
        actor=None,
        enterprise=named[0],
        changes={"name": "营口服装有限公司"},
        origin="staff",
    )
    with translation.override("zh-hans"):
        assert names(result("sort=name"))[-1] == "营口服装有限公司"


# --- homophones, spaced pinyin, English prefixes -------------------------------


def test_a_homophone_finds_the_intended_names_after_the_exact_ones(client):
    dayang = EnterpriseFactory(name="大连大杨集团有限公司", products="西装")
    exact = EnterpriseFactory(name="大阳服饰有限公司", products="衬衫")
    EnterpriseFactory(name="大连某纺织有限公司", products="棉纱")
    found = result("q=大阳")
    assert found.rows == [exact, dayang]
    assert found.total == 2 and found.homophones
    # with a second word, both must still match
    assert result("q=大阳 西装").rows == [dayang]
    page = client.get("/enterprises/", {"q": "大阳"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (
        "按输入的“大阳”找到 1 家企业；其后是读音相同的名称。" in page.content.decode()
    )
    data = client.get("/api/v1/enterprises/", {"q": "大阳"}).json()
    assert [row["id"] for row in data["results"]] == [exact.id, dayang.id]
    assert data["homophones"] is True


def test_homophones_are_not_added_when_the_query_finds_enough(monkeypatch):
    monkeypatch.setattr(homophones, "HOMOPHONES_BELOW", 2)
    EnterpriseFactory(name="大连大杨集团有限公司")
    exact = [EnterpriseFactory(name=f"大阳{i}服饰有限公司") for i in range(2)]
    found = result("q=大阳")
    assert set(found.rows) == set(exact) and not found.homophones


def test_pinyin_with_spaces_or_capitals_works_like_without():
    dayang = EnterpriseFactory(name="大连大杨集团有限公司")
    EnterpriseFactory(name="大连某纺织有限公司")
    for q in ("dayang", "da yang", "DaYang", "Da Yang"):
        assert result("q=" + q).rows == [dayang], q


def test_english_word_prefixes_match_in_the_search():
    longfeng = EnterpriseFactory(name="龙凤服饰有限公司", name_en="Longfeng Apparel")
    EnterpriseFactory(name="某服饰有限公司", name_en="Lotus Apparel")
    for q in ("Longf", "longfeng app", "Apparel Longf"):
        assert result("q=" + q).rows == [longfeng], q


def test_t_shirts_are_found_without_every_word_starting_with_t():
    tshirts = EnterpriseFactory(name="某针织有限公司", products="T恤、polo衫")
    EnterpriseFactory(name="铁西某服饰有限公司", address="铁西区", products="恤衫")
    assert result("q=T恤").rows == [tshirts]


# --- counts ------------------------------------------------------------------------


def _copies(entry, count: int) -> None:
    """``count`` published copies of an entry's row (a large result, quickly; not
    analysed: ANALYZE's row estimate would outlive the test's transaction)."""
    columns = [
        f.column
        for f in type(entry)._meta.concrete_fields
        if f.column not in ("id", "uscc")
    ]
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO enterprises_enterprise ({cols}) "  # noqa: S608
            f"SELECT {cols} FROM enterprises_enterprise, generate_series(1, %s) "
            "WHERE id = %s",
            [count, entry.pk],
        )


def test_counts_are_exact_beyond_ten_thousand():
    """Staff saw "约 10,344 家企业（估算）" for 10,007 entries, facet counts "≈482"
    for 455: a result of up to 50,000 entries is counted exactly."""
    entry = EnterpriseFactory(name="兴城某泳装有限公司", products="泳装")
    _copies(entry, 10_006)
    found = result("q=泳装", SYSTEM)
    assert (found.total, found.estimated) == (10_007, False)
    assert {f.value: f.count for f in found.facets["rs"]} == {"active": 10_007}


def test_home_dashboard_and_list_agree_on_the_published_total(client):
    cache.clear()
    EnterpriseFactory.create_batch(3)
    EnterpriseFactory(published=False)
    assert published_total() == 3
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-figure="enterprises">3<' in home
    assert "published enterprises" in home
    listed = client.get("/enterprises/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-total="3" data-counts="published"' in listed
    assert "3 published enterprises" in listed

    staff = StaffFactory()
    client.force_login(staff)
    assert 'data-figure="enterprises">3<' in client.get("/").content.decode()
    board = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-figure="published">3<' in board
    assert 'data-figure="enterprises">4<' in board
    listed = client.get("/enterprises/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-total="4" data-counts="with_drafts"' in listed
    assert "4 enterprises, drafts included" in listed
    data = client.get("/api/v1/enterprises/").json()
    assert (data["count"], data["counts"]) == (4, "with_drafts")
    client.logout()
    data = client.get("/api/v1/enterprises/").json()
    assert (data["count"], data["counts"]) == (3, "published")
    cache.clear()


# --- clusters ------------------------------------------------------------------------


def test_firms_making_swimwear_come_before_cluster_members_making_other_things():
    cluster = ClusterFactory(name="兴城泳装产业集群", name_en="Xingcheng Swimwear")
    members = [
        EnterpriseFactory(
            name=f"兴城某{i}袜业有限公司", products="袜子", clusters=[cluster]
        )
        for i in range(3)
    ]
    makers = [
        EnterpriseFactory(name=f"葫芦岛某{i}服饰有限公司", products="泳装、比基尼")
        for i in range(3)
    ]
    for q in ("泳装", "swimwear"):
        rows = result("q=" + q).rows
        assert set(rows[:3]) == set(makers), q
        assert set(rows[3:]) == set(members), q


def test_sorting_by_name_walks_an_index_in_either_language(named):
    from enterprises.search.plans import capture

    for language in ("zh-hans", "en"):
        with translation.override(language), capture() as captured:
            result("sort=name&page=2&page_size=2")
        assert captured.plans
        assert not [p.sql for p in captured.plans if p.scans_table], language
