"""The in-memory facet counts (enterprises.search.facetindex) agree with
PostgreSQL's, and are never stale: an edit, a new entry, a draft or a deletion
shows in the next search's counts of the same process."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from enterprises.models import ChangeRecord, Enterprise
from enterprises.search import facetindex
from enterprises.search.query import Search, run
from enterprises.search.sampling import sampled_facet_counts
from enterprises.services import enterprise_update
from tests.factories import EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db

VISITOR = AnonymousUser()


@pytest.fixture(autouse=True)
def fresh_index():
    facetindex._indexes.clear()
    yield
    facetindex._indexes.clear()


@pytest.fixture
def entries():
    made = []
    places = ["210214", "210681", "211002", "211481"]
    sectors = [["swimwear"], ["socks"], ["swimwear", "knitting"], ["apparel"]]
    for i in range(24):
        made.append(
            EnterpriseFactory(
                products="泳装" if i % 3 else "袜子",
                sectors=sectors[i % 4],
                region_id=places[i % 4],
                is_exporter=bool(i % 2),
                published=i != 5,
            )
        )
    return made


def search(query: str, user=VISITOR) -> Search:
    return Search.from_params(QueryDict(query), user)


def in_memory(query: str, user=VISITOR):
    return facetindex.facet_counts(search(query, user), user, 50_000)


def in_sql(query: str, user=VISITOR):
    sample = sampled_facet_counts(
        search(query, user), user, with_facets=True, percent=100
    )
    return sample.counts, sample.total


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=泳装",
        "q=袜子",
        "sector=swimwear",
        "sector=swimwear,socks",
        "q=泳装&sector=knitting&exporter=yes",
        "city=210200,210600&sector=swimwear",
        "q=nothingmatchesthis",
    ],
)
def test_counts_agree_with_postgresql(entries, query):
    assert in_memory(query) == in_sql(query)


def test_staff_counts_include_drafts_as_the_policy_says(entries):
    staff = StaffFactory()
    assert in_memory("", staff) == in_sql("", staff)
    assert in_memory("", staff)[1] == in_memory("")[1] + 1


def test_an_edit_shows_in_the_next_counts(entries):
    before, _total = in_memory("sector=socks")
    moved = next(e for e in entries if e.sectors == ["socks"] and e.published)
    enterprise_update(
        actor=None,
        enterprise=moved,
        changes={"sectors": ["apparel"]},
        origin=ChangeRecord.Origin.STAFF,
    )
    after, _total = in_memory("")
    assert after["se:socks"] == before["se:socks"] - 1
    assert after == in_sql("")[0]


def test_new_and_deleted_entries_show_in_the_next_counts(entries):
    _counts, total = in_memory("")
    EnterpriseFactory(sectors=["socks"], region_id="210214")
    assert in_memory("")[1] == total + 1
    Enterprise.objects.filter(pk=entries[0].pk).delete()
    counts, total_after = in_memory("")
    assert total_after == total
    assert (counts, total_after) == in_sql("")


def test_the_search_page_counts_from_memory(client, entries):
    result = run(search("q=泳装"), VISITOR)
    assert result.total == in_sql("q=泳装")[1]
    assert facetindex._indexes, "the search did not use the in-memory index"
    html = client.get("/enterprises/?q=泳装").content.decode()
    assert f'data-total="{result.total}"' in html
