"""The search page's addresses and controls: tidy URLs, past-the-end pages, numbered
pages, chips, the typeahead's options, and the query count with all of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def swimwear():
    EnterpriseFactory.create_batch(
        25, products="泳装", sectors=["swimwear"], is_exporter=True
    )


def test_an_untidy_address_moves_to_the_tidy_one(client, swimwear):
    # A form sent without JS: empty fields, a facet's values repeated.
    response = client.get(
        "/enterprises/?q=泳装&updated=&sort=&sector=swimwear&sector=socks&page=1"
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "/enterprises/?q=%E6%B3%B3%E8%A3%85&sector=swimwear,socks"
    )
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/enterprises/?q=").headers["Location"] == "/enterprises/"


def test_a_refused_value_stays_with_its_message(client):
    response = client.get("/enterprises/?sector=%3Cx%3E&updated=")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_a_page_past_the_end_goes_to_the_last_page(client, swimwear):
    response = client.get("/enterprises/?q=泳装&page_size=10&page=9")
    assert response.status_code == 302
    assert response["Location"].endswith("page_size=10&page=3")
    html = client.get(response["Location"]).content.decode()
    assert '<span aria-current="page">3</span>' in html
    # Through htmx: the last page is answered, and its address pushed.
    response = client.get(
        "/enterprises/?q=泳装&page_size=10&page=9&updated=",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"].endswith("page_size=10&page=3")
    assert '<span aria-current="page">3</span>' in response.content.decode()


def test_pages_are_numbered(client, swimwear):
    html = client.get("/enterprises/?q=泳装&page_size=2&page=7").content.decode()
    for n in (1, 5, 6, 8, 9, 13):
        assert f'data-page="{n}"' in html
    assert 'data-page="4"' not in html and 'data-page="10"' not in html
    assert html.count('class="gap"') == 2


def test_chips_link_to_the_search_without_them(client, swimwear):
    html = client.get(
        "/enterprises/?q=泳装&sector=swimwear&exporter=yes&updated=1y",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert 'href="?q=%E6%B3%B3%E8%A3%85&amp;exporter=yes&amp;updated=1y"' in html
    assert 'href="?q=%E6%B3%B3%E8%A3%85&amp;sector=swimwear&amp;exporter=yes"' in html
    assert "Updated since: last 365 days" in html
    assert 'href="?q=%E6%B3%B3%E8%A3%85" data-clear-filters' in html


def test_chips_use_a_full_width_colon_in_chinese(client, swimwear):
    html = client.get("/enterprises/?sector=swimwear").content.decode()
    assert "行业门类：泳装" in html


def test_typeahead_options_hold_no_links(client):
    e = EnterpriseFactory(name="大杨提示服饰有限公司")
    html = client.get("/enterprises/typeahead/?q=大杨").content.decode()
    assert (
        f'role="option" aria-selected="false" data-href="{e.get_absolute_url()}"'
        in html
    )
    assert "<a " not in html
    assert f'<span class="sub">{e.city.name}</span>' in html  # its place


def test_typeahead_costs_no_statement_per_suggestion(client):
    """Suggestions are read in one statement, with only what they show (their
    places named from the per-process region names)."""
    for i in range(8):
        EnterpriseFactory(name=f"大杨提示{i}号服饰有限公司")
    for i in range(2):
        EnterpriseFactory(name=f"宏达织造{i}号服饰有限公司")
    client.get("/enterprises/typeahead/?q=大杨提")  # the per-process caches
    found = []
    for q in ("宏达织造", "大杨提"):  # two suggestions, then eight
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/enterprises/typeahead/?q={q}").content.decode()
        found.append((html.count("号服饰有限公司"), len(queries)))
    (few, statements_few), (eight, statements_eight) = found
    assert (few, eight) == (2, 8)
    assert statements_eight <= statements_few


def test_chips_and_numbered_pages_add_no_query(client, django_assert_max_num_queries):
    EnterpriseFactory.create_batch(30, products="泳装", sectors=["swimwear"])
    client.get("/")  # warm the per-process caches
    url = "/enterprises/?q=泳装&sector=swimwear&updated=1y&page_size=2&page=5"
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_a_longer_page_of_results_costs_no_more_statements(client):
    """The page reads only the columns its rows show (run(columns=...)): a field
    the row shows but the page did not load would cost a statement per row."""
    EnterpriseFactory.create_batch(
        22,
        products="泳装",
        sectors=["swimwear"],
        is_exporter=True,
        export_markets=["EU"],
        founded_year=2001,
        contact_person="王经理",
        contact_phone="0411-88888888",
        contact_visibility="public",
    )
    client.get("/enterprises/?q=泳装&page_size=1")  # warm the per-process caches
    counts = {}
    for size in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/enterprises/?q=泳装&page_size={size}").content.decode()
        assert html.count('class="result"') == size
        assert html.count('data-field="contact_phone"') == size
        counts[size] = len(queries)
    assert counts[20] == counts[2]


def test_a_query_typed_after_browsing_is_ranked(client, swimwear):
    """The browse page lists the recently updated first, but its sort select
    shows relevance: the form sent with a query typed next asks for relevance,
    not for the browse page's order."""
    html = client.get("/enterprises/").content.decode()
    assert '<option value="relevance" selected>' in html
    assert '<option value="-updated" selected>' not in html
    # A sort chosen is shown as chosen.
    html = client.get("/enterprises/?sort=-updated").content.decode()
    assert '<option value="-updated" selected>' in html
    html = client.get("/enterprises/?q=泳装&sort=-updated").content.decode()
    assert '<option value="-updated" selected>' in html


def test_a_result_row_is_written_in_the_readers_language(client):
    EnterpriseFactory(
        name="海城<测试>服饰有限公司",
        name_en="Haicheng <Test> Apparel",
        products="泳装",
        products_en="swimwear",
        sectors=["swimwear"],
        is_exporter=True,
        export_markets=["JP", "KR"],
        founded_year=2008,
    )
    zh = client.get("/enterprises/?q=泳装").content.decode()
    en = client.get("/enterprises/?q=泳装", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The name escaped, the markets joined and labelled the language's way.
    assert "海城&lt;测试&gt;服饰有限公司" in zh and "<测试>" not in zh
    assert "出口企业：日本、韩国" in zh
    assert "成立于 2008 年" in zh
    assert "Haicheng &lt;Test&gt; Apparel" in en
    assert "Exporter: Japan, South Korea" in en
    assert "founded 2008" in en and ">swimwear</div>" in en


def test_facet_groups_are_in_the_reader_language_with_this_page_s_counts(client):
    """Each facet group's fieldset is rendered once a process per language and
    kind of group (enterprises.listing.facet_fieldsets); its title, filter box
    and "More" follow the language, its checkboxes and counts the page."""
    for i in range(14):  # more cities than a group shows: a "More" and a filter box
        EnterpriseFactory.create_batch(
            1 + i % 2, products="泳装", region_id=f"21{i + 1:02d}02"
        )
    EnterpriseFactory.create_batch(3, products="袜子", region_id="211002")
    pages = {}
    for language in ("zh-hans", "en"):
        for q in ("泳装", "袜子"):
            pages[language, q] = client.get(
                f"/enterprises/?q={q}", HTTP_ACCEPT_LANGUAGE=language
            ).content.decode()
    zh, en = pages["zh-hans", "泳装"], pages["en", "泳装"]
    assert "<legend>市</legend>" in zh and "<legend>City</legend>" in en
    assert "<summary>更多</summary>" in zh and "<summary>More</summary>" in en
    assert 'placeholder="在列表中查找"' in zh and 'placeholder="Search the list"' in en
    socks = pages["zh-hans", "袜子"]
    assert 'name="city" value="211000"' in socks and "<summary>" not in socks
    assert '<span class="count">3</span>' in socks
    chaoyang = 'name="city" value="211300"'
    assert chaoyang in zh and chaoyang not in socks
