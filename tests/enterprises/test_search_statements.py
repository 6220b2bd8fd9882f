"""What a search costs (statements) and what its document holds (lexemes).

On a table the size of the demo a search is counted with its facets in one
statement (which names the matches; the facets are counted in memory); the page
follows in one or two more. The document indexes the pinyin
of names and products, not of addresses and processes; places stay findable in
pinyin through their English names.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from enterprises.search.indexing import search_document
from enterprises.search.query import Search, run
from enterprises.services import index_data_for
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


def searched(querystring: str):
    """(result, the SQL statements that read rows: no BEGIN, SET or COMMIT; nor
    the table's size, which is read once a minute)."""
    run(Search.from_params(QueryDict(querystring)), ANON)
    with CaptureQueriesContext(connection) as queries:
        result = run(Search.from_params(QueryDict(querystring)), ANON)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH", "EXPLAIN"))
    ]
    return result, reads


@pytest.fixture
def swimwear():
    for i in range(3):
        EnterpriseFactory(
            name=f"兴城海韵{i}泳装有限公司",
            products="泳装",
            sectors=["swimwear"],
            is_exporter=True,
        )
    EnterpriseFactory(
        name="兴城某服饰有限公司", products="泳装", sectors=["swimwear", "knitting"]
    )
    EnterpriseFactory(name="辽阳袜业有限公司", sectors=["socks"], region_id="211021")


def test_a_text_search_counts_and_ranks_in_three_statements(swimwear):
    result, reads = searched("q=泳装")
    assert result.total == 4 and not result.estimated
    assert {f.value: f.count for f in result.facets["se"]} == {
        "swimwear": 4,
        "knitting": 1,
    }
    # counts with facets, the relevance order, the page's rows
    assert len(reads) == 3, reads
    assert not any("EXPLAIN" in sql for sql in reads)  # no estimate on a small table
    assert not any("search_vector" in sql for sql in reads[-1:])  # no document read


def test_two_filters_count_each_ones_alternatives_under_the_other(swimwear):
    result, reads = searched("sector=swimwear&exporter=yes")
    assert result.total == 3
    counts = {
        (code, f.value): (f.count, f.selected)
        for code, values in result.facets.items()
        for f in values
    }
    # sector's alternatives under exporter=yes; exporter's under sector=swimwear
    assert counts[("se", "swimwear")] == (3, True)
    assert ("se", "socks") not in counts
    assert counts[("ex", "yes")] == (3, True)
    assert counts[("ex", "no")] == (1, False)
    # one statement names the matches (the facets are counted in memory,
    # enterprises.search.facetindex), then the page's ids and its rows
    assert len(reads) == 3, reads
    assert "array_agg(id)" in reads[0]


def test_exact_then_prefix_name_matches_come_first(swimwear):
    exact = EnterpriseFactory(name="泳装", products="泳装")
    prefix = EnterpriseFactory(name="泳装世家服饰有限公司")
    rows = run(Search.from_params(QueryDict("q=泳装")), ANON).rows
    assert [e.id for e in rows[:2]] == [exact.id, prefix.id]


def test_the_document_has_pinyin_of_names_and_products_not_of_addresses():
    firm = EnterpriseFactory(
        name="兴城海韵泳装有限公司",
        products="沙滩裤",
        address="兴城市红旗街道滨海路",
        processes="裁剪",
    )
    document = search_document(index_data_for(firm))
    lexemes = {entry.split("'")[1] for entry in document.split()}
    assert {"haiyun", "yongzhuang", "shatanku", "滨海", "裁剪"} <= lexemes
    assert "binhai" not in lexemes and "caijian" not in lexemes


def test_a_place_is_still_found_in_pinyin():
    firm = EnterpriseFactory(name="某某服饰有限公司", region_id="211481")
    EnterpriseFactory(name="另一服饰有限公司", region_id="211021")
    result = run(Search.from_params(QueryDict("q=xingcheng")), ANON)
    assert [e.id for e in result.rows] == [firm.id]


SETTINGS_SQL = (
    "current_setting('enable_seqscan') || current_setting('enable_indexscan')"
)


def settings_seen() -> str:
    """The planner settings an ORM statement runs with now."""
    from django.db.models.expressions import RawSQL

    from enterprises.models import Enterprise

    return (
        Enterprise.objects.annotate(s=RawSQL(SETTINGS_SQL, ()))  # noqa: S611
        .values_list("s", flat=True)
        .first()
    )


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_every_statement_of_a_block_carries_its_settings():
    """A request's search opens no transaction: each statement of an index_only()
    block (the ORM's too) is sent with the block's settings, which end with it."""
    from enterprises.search.sampling import index_only

    EnterpriseFactory()
    with CaptureQueriesContext(connection) as queries:
        with index_only():
            assert settings_seen() == "offon"
            with index_only("indexscan"):
                assert settings_seen() == "offoff"
            assert settings_seen() == "offon"
        assert settings_seen() == "onon"
    assert len(queries.captured_queries) == 4  # no BEGIN, SET, reset or COMMIT
    assert not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_a_search_outside_a_transaction_is_one_statement_a_step(swimwear):
    """Counted with its facets, ranked, its rows: three round trips, each with
    its planner settings (none scans the table)."""
    from enterprises.search.plans import capture

    run(Search.from_params(QueryDict("q=泳装")), ANON)
    with CaptureQueriesContext(connection) as queries, capture() as captured:
        result = run(Search.from_params(QueryDict("q=泳装")), ANON)
    assert result.total == 4
    assert len(queries.captured_queries) == 3, queries.captured_queries
    assert all(
        q["sql"].startswith("SET LOCAL enable_seqscan TO off")
        for q in queries.captured_queries
    )
    assert len(captured.plans) == 3
    assert not any(plan.scans_table for plan in captured.plans)
