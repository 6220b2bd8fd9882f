"""The typeahead's suggestions: read in one statement after the name matches, in
the order the search's tiers give them one statement at a time."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bench import querymix
from enterprises.search.query import Search
from enterprises.search.ranking import name_matches, relevance_ids, suggestion_rows
from enterprises.search.sampling import index_only, index_only_rows
from enterprises.views import TYPEAHEAD_LIMIT

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


def tier_by_tier(search: Search, names: list[int]) -> list[int]:
    """The order as the typeahead read it before: the names, then the tiers in
    a statement each (relevance_ids given the names)."""
    with index_only():
        need = TYPEAHEAD_LIMIT - len(names)
        rest = relevance_ids(search, ANON, TYPEAHEAD_LIMIT, names=names)
        return names + [i for i in rest if i not in names][:need]


def test_one_statement_gives_the_tier_by_tier_order():
    call_command("seed_demo", enterprises=300, seed=7, workers=1)
    with translation.override("zh-hans"):
        typed = querymix.typeahead_queries(80)
        # The search's mix too: places, products, English words, filters.
        typed += [q for _kind, q in querymix.queries(64)]
    compared = tiers_read = 0
    for querystring in typed:
        search = Search.from_params(QueryDict(querystring), ANON)
        if not search.tsquery:
            continue
        names = name_matches(search.q, ANON, TYPEAHEAD_LIMIT)
        expected = tier_by_tier(search, names)
        rows = suggestion_rows(search, ANON, names, TYPEAHEAD_LIMIT, ("name",))
        assert [row[0] for row in rows] == expected, querystring
        compared += 1
        tiers_read += len(expected) > len(names)
    assert compared >= 100 and tiers_read >= 50


def test_suggestions_follow_the_names_in_one_statement(client):
    from tests.factories import EnterpriseFactory

    named = EnterpriseFactory(name="泳装提示服饰有限公司")
    products = EnterpriseFactory(name="兴城某服饰有限公司", products="泳装")
    revoked = EnterpriseFactory(
        name="兴城泳装旧厂", registration_status="revoked", products="泳装"
    )
    client.get("/enterprises/typeahead/?q=泳装")  # the per-process caches
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/enterprises/typeahead/?q=泳装").content.decode()
    # the exact and prefix name, then names holding the word (active first),
    # then the products
    order = [html.index(e.get_absolute_url()) for e in (named, products, revoked)]
    assert order[0] < order[1] < order[2]
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    # the name matches, the suggestions (every tier, their columns), the clusters
    assert len(reads) == 3, reads


@pytest.mark.django_db(transaction=True)
def test_a_statement_with_planner_settings_outside_a_transaction_is_one_round_trip():
    """Outside a transaction (a request's typeahead), the settings and the
    statement go as one query string: no BEGIN, SET or COMMIT of their own, and
    the settings end with the statement."""
    settings_sql = (
        "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
    )
    notices = []
    connection.ensure_connection()
    connection.connection.add_notice_handler(notices.append)
    with CaptureQueriesContext(connection) as queries:
        rows = index_only_rows(settings_sql, [], "indexscan")
    assert rows == [("off", "off")]
    assert len(queries.captured_queries) == 1
    assert not notices  # (no "SET LOCAL outside a transaction block" warning)
    with connection.cursor() as cursor:
        cursor.execute(settings_sql)
        assert cursor.fetchall() == [("on", "on")]


@pytest.mark.django_db(transaction=True)
def test_the_typeahead_outside_a_transaction_suggests_as_inside(client):
    from tests.factories import EnterpriseFactory

    EnterpriseFactory(name="泳装提示服饰有限公司")
    EnterpriseFactory(name="兴城某服饰有限公司", products="泳装")
    client.get("/enterprises/typeahead/?q=泳装")  # the per-process caches
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/enterprises/typeahead/?q=泳装").content.decode()
    assert html.count('role="option"') == 3  # two entries, all results
    # the name matches, the suggestions, the clusters: one round trip each
    assert len(queries.captured_queries) == 3, queries.captured_queries


def test_the_typeahead_options_escape_what_was_typed_and_mark_chinese_in_english(
    client,
):
    from tests.factories import ClusterFactory, EnterpriseFactory

    entry = EnterpriseFactory(
        name="泳装<b>&提示有限公司", name_en="", region_id="211402"
    )
    ClusterFactory(slug="xingcheng", name="兴城泳装<i>集群", name_en="")
    html = client.get("/enterprises/typeahead/?q=泳装<b>&x=1").content.decode()
    assert "<b>" not in html  # (the & ended the parameter: q is 泳装<b>)
    name = "泳装&lt;b&gt;&amp;提示有限公司"
    assert f'data-href="/enterprises/{entry.pk}/">{name} ' in html
    assert 'data-href="/enterprises/?q=%E6%B3%B3%E8%A3%85%3Cb%3E" class="all">' in html
    assert "“泳装&lt;b&gt;”的全部结果" in html
    english = client.get(
        "/enterprises/typeahead/?q=泳装", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    cluster = '<span lang="zh-CN">兴城泳装&lt;i&gt;集群</span> <span class="sub">'
    assert cluster + "cluster" in english
    assert 'data-href="/enterprises/?cluster=xingcheng"' in english
    assert english.startswith("\n<li") and english.endswith("</li>\n\n")
