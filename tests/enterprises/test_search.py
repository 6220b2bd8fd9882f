"""Search recall, ranking, filters and facet counts on a real PostgreSQL."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import timezone

from clusters.models import Designation
from enterprises.models import Enterprise, EnterpriseCertification
from enterprises.search.query import Search, run
from enterprises.services import enterprise_reindex
from programmes.models import Participation, Programme
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


def ids(querystring: str, user=ANON) -> set[int]:
    search = Search.from_params(QueryDict(querystring))
    return set(search.queryset(user).values_list("id", flat=True))


@pytest.fixture
def names():
    make = EnterpriseFactory
    return {
        "group": make(
            name="大连大杨集团有限责任公司",
            name_en="Dalian Dayang Group Co., Ltd.",
            region_id="210214",
            products="西装、衬衫",
            sectors=["suits"],
        ),
        "home": make(name="大连大杨家纺有限公司", region_id="210214"),
        "silk": make(name="丹东柞蚕丝绸有限公司", region_id="210681"),
        "swim": make(name="兴城海韵泳装有限公司", products="泳装、比基尼"),
        "swim_en": make(
            name="兴城甲乙服饰有限公司",
            name_en="Xingcheng Jiayi Swimwear Co., Ltd.",
        ),
        "textile": make(name="辽阳纺织有限公司", region_id="211002"),
        "uscc": make(
            name="锦州某服装厂", uscc="91110000600037341L", region_id="210781"
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("大杨", {"group", "home"}),  # 大杨家纺 is cut 大/杨家/纺 by jieba
        ("蚕丝", {"silk"}),  # a substring across segmentation in 柞蚕丝绸
        ("dayang", {"group", "home"}),  # full pinyin
        ("dy", {"group", "home"}),  # initials
        ("dldy", {"group", "home"}),  # initials of a longer run
        ("Dayang Group", {"group"}),  # English words
        ("swimwear", {"swim", "swim_en"}),  # English finds Chinese via synonyms
        ("泳衣", {"swim", "swim_en"}),  # 泳衣 = 泳装 = swimwear
        ("紡織", {"textile"}),  # Traditional input finds simplified text
        ("91110000600037341L", {"uscc"}),  # an exact USCC
        ("91110000600037341l", {"uscc"}),
        ("普兰店", {"group", "home"}),  # place name (county)
        ("dandong", {"silk"}),  # place name in pinyin
    ],
)
def test_recall(names, query, expected):
    found = ids("q=" + query)
    assert {key for key, e in names.items() if e.id in found} == expected


def test_cluster_names_find_their_enterprises(names):
    cluster = ClusterFactory(
        name="兴城泳装产业集群", name_en="Xingcheng Swimwear Cluster"
    )
    member = EnterpriseFactory(name="葫芦岛某某制衣厂", clusters=[cluster])
    assert member.id in ids("q=泳装产业集群")
    assert member.id in ids(f"cluster={cluster.slug}")


def test_punctuation_only_query_finds_nothing_and_does_not_fail(names):
    assert ids("q=%27%5C%26%7C%21") == set()


def test_ranking_exact_then_prefix_then_other():
    other = EnterpriseFactory(name="沈阳宏达大杨服饰有限公司")
    prefix = EnterpriseFactory(name="大杨服饰有限公司")
    exact = EnterpriseFactory(name="大杨服饰")
    result = run(Search.from_params(QueryDict("q=大杨服饰")), ANON)
    assert [e.id for e in result.rows] == [exact.id, prefix.id, other.id]


FILTER_CASES = [
    ("sector=swimwear", {"sectors": ["swimwear"]}),
    ("model=odm", {"business_models": ["odm"]}),
    ("market=JP", {"export_markets": ["JP"], "is_exporter": True}),
    ("exporter=yes", {"is_exporter": True}),
    ("employees=100-299", {"employee_band": "100-299"}),
    ("revenue=gt500m", {"revenue_band": "gt500m"}),  # signed-in users (members tier)
    ("founded=1990", {"founded_year": 1995}),
    ("city=210200", {"region_id": "210214"}),
    ("county=210214", {"region_id": "210214"}),
]


@pytest.mark.parametrize(("querystring", "fields"), FILTER_CASES)
def test_each_filter_selects_matching_enterprises(querystring, fields):
    match = EnterpriseFactory(**fields)
    EnterpriseFactory()  # matches none of the filters
    user = UserFactory() if "revenue_band" in fields else ANON
    assert ids(querystring, user) == {match.id}


def test_certification_designation_and_programme_filters():
    certified, designated, participant = EnterpriseFactory.create_batch(3)
    EnterpriseCertification.objects.create(enterprise=certified, scheme="oeko_tex_100")
    Designation.objects.create(
        enterprise=designated, kind="high_quality", title="高质量", awarding_body="协会"
    )
    programme = Programme.objects.create(
        slug="heritage", kind="heritage", name="非遗", name_en="Heritage"
    )
    Participation.objects.create(programme=programme, enterprise=participant, year=2025)
    for e in (certified, designated, participant):
        enterprise_reindex(enterprise=e)
    assert ids("cert=oeko_tex_100") == {certified.id}
    assert ids("designation=high_quality") == {designated.id}
    assert ids("programme=heritage") == {participant.id}


def test_updated_since_filter():
    old = EnterpriseFactory()
    recent = EnterpriseFactory()
    Enterprise.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=400)
    )
    assert ids("updated=1y") == {recent.id}
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert ids("updated=" + since) == {recent.id}


def test_values_of_one_facet_are_ored_and_facets_anded():
    a = EnterpriseFactory(sectors=["socks"], region_id="211021")
    b = EnterpriseFactory(sectors=["swimwear"], region_id="211021")
    EnterpriseFactory(sectors=["swimwear"], region_id="211481")
    assert ids("sector=socks&sector=swimwear&county=211021") == {a.id, b.id}


def test_facet_counts_under_the_current_query():
    for _ in range(3):
        EnterpriseFactory(
            name="兴城甲泳装有限公司", sectors=["swimwear"], is_exporter=True
        )
    EnterpriseFactory(name="兴城乙泳装有限公司", sectors=["swimwear", "knitting"])
    EnterpriseFactory(name="辽阳袜业有限公司", sectors=["socks"], region_id="211021")
    result = run(Search.from_params(QueryDict("q=泳装")), ANON)
    assert result.total == 4 and not result.estimated
    counts = {
        (code, f.value): f.count for code, fs in result.facets.items() for f in fs
    }
    assert counts[("se", "swimwear")] == 4
    assert counts[("se", "knitting")] == 1
    assert ("se", "socks") not in counts
    assert counts[("ex", "yes")] == 3
    assert counts[("ci", "211400")] == 4


def test_selected_facet_still_counts_its_alternatives():
    EnterpriseFactory(sectors=["swimwear"])
    EnterpriseFactory(sectors=["socks"])
    result = run(Search.from_params(QueryDict("sector=swimwear")), ANON)
    counts = {f.value: (f.count, f.selected) for f in result.facets["se"]}
    assert counts == {"swimwear": (1, True), "socks": (1, False)}
    assert result.total == 1


def test_visibility_of_unpublished_entries():
    draft = EnterpriseFactory(published=False, name="兴城草稿泳装有限公司")
    published = EnterpriseFactory(name="兴城发布泳装有限公司")
    assert ids("q=兴城") == {published.id}
    assert ids("q=兴城", StaffFactory()) == {published.id, draft.id}


def test_bad_parameters_are_reported_not_fatal():
    search = Search.from_params(
        QueryDict("sector=<script>&updated=yesterday&sort=bogus&page=x&page_size=9999")
    )
    assert len(search.errors) == 3
    assert search.filters == {}
    assert search.page == 1 and search.page_size == 100


@pytest.fixture
def broad_limits(monkeypatch):
    """Make a dozen rows a 'broad' result: counts and facets come from the block
    sample (the whole small table here, so the estimates are exact)."""
    from enterprises.search import counting

    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    monkeypatch.setattr(counting, "BROAD_ESTIMATE", 5)


def test_broad_results_estimate_counts_and_facets_in_one_pass(broad_limits):
    for _ in range(6):
        EnterpriseFactory(
            name="兴城某泳装有限公司", sectors=["swimwear"], is_exporter=True
        )
    for _ in range(4):
        EnterpriseFactory(name="兴城某袜业有限公司", sectors=["socks"])
    EnterpriseFactory(name="兴城某袜业有限公司", sectors=["socks"], published=False)
    result = run(Search.from_params(QueryDict("q=兴城&sector=swimwear")), ANON)
    assert result.estimated
    assert result.total == 6
    counts = {
        (c, f.value): (f.count, f.selected)
        for c, fs in result.facets.items()
        for f in fs
    }
    # The selected facet counts its alternatives without its own filter.
    assert counts[("se", "swimwear")] == (6, True)
    assert counts[("se", "socks")] == (4, False)
    # Other facets count under every filter.
    assert counts[("ex", "yes")] == (6, False)
    assert ("ex", "no") not in counts
    assert len(result.rows) == 6


def test_broad_relevance_pins_exact_and_prefix_names_first(broad_limits):
    for i in range(8):
        EnterpriseFactory(name=f"沈阳第{i}大杨服饰有限公司")
    prefix = EnterpriseFactory(name="大杨服饰有限公司")
    exact = EnterpriseFactory(name="大杨服饰")
    result = run(Search.from_params(QueryDict("q=大杨服饰&page_size=5")), ANON)
    assert result.estimated
    assert [e.id for e in result.rows[:2]] == [exact.id, prefix.id]
    page2 = run(Search.from_params(QueryDict("q=大杨服饰&page_size=5&page=2")), ANON)
    shown = [e.id for e in result.rows] + [e.id for e in page2.rows]
    assert len(shown) == len(set(shown)) == 10


def test_a_page_s_rows_read_with_only_its_columns_are_the_orm_s():
    """query.fetch with columns (the search page's): the ids' order, missing ids
    left out, each value as the ORM's only() reads it (JSON, arrays, dates,
    foreign keys) and every other field deferred."""
    from enterprises.listing import RESULT_COLUMNS
    from enterprises.search.query import fetch

    first = EnterpriseFactory(
        sectors=["swimwear", "knitting"],
        export_markets=["JP"],
        is_exporter=True,
        field_sources={"products": {"kind": "staff"}},
        last_confirmed_on=dt.date(2026, 6, 30),
        founded_year=1998,
    )
    second = EnterpriseFactory(region_id="210202")
    ids = [second.pk, 999_999, first.pk]
    rows = fetch(ids, RESULT_COLUMNS)
    assert [e.pk for e in rows] == [second.pk, first.pk]
    read = Enterprise.objects.filter(pk__in=ids).only(*RESULT_COLUMNS)
    orm = {e.pk: e for e in read}
    for entry in rows:
        expected = orm[entry.pk]
        assert entry.get_deferred_fields() == expected.get_deferred_fields()
        for field in Enterprise._meta.concrete_fields:
            if field.attname not in entry.get_deferred_fields():
                assert getattr(entry, field.attname) == getattr(
                    expected, field.attname
                ), field.attname
    assert rows[1].field_sources == {"products": {"kind": "staff"}}
    assert rows[0].city_id == "210200"
