import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clusters.figures import CACHE_KEY
from clusters.tasks import refresh_cluster_figures
from core.sharedcache import FRESH_SECONDS, shared_cache
from tests.dashboard.test_views import figure, search_total
from tests.factories import ClusterFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_cluster_page_has_its_own_figures_and_charts(client, staff, known):
    client.force_login(staff)
    html = client.get("/clusters/swim/").content.decode()
    assert figure(html, "enterprises") == 3
    assert figure(html, "processing") == 2
    assert figure(html, "exporters") == 2
    assert figure(html, "high_quality") == 0
    for name in ("sector", "model", "market", "employees"):
        assert f'data-chart="{name}"' in html
        assert f'href="/clusters/swim/charts/{name}.csv"' in html
    # Figures link to the cluster's search and match it.
    url = (
        re.search(r'href="([^"]+)" data-figure-link="exporters"', html)
        .group(1)
        .replace("&amp;", "&")
    )
    assert url == "/enterprises/?cluster=swim&exporter=yes"
    assert search_total(client, url) == 2


def test_visitors_see_figures_of_published_enterprises(client, known):
    html = client.get("/clusters/swim/").content.decode()
    assert figure(html, "enterprises") == 3
    known["swim3"].published = False
    known["swim3"].save(update_fields=["published"])
    # The figures are precomputed: the page says when, and shows them until the
    # worker recomputes them (at most FRESH_SECONDS later).
    html = client.get("/clusters/swim/").content.decode()
    assert 'id="computed-at"' in html
    assert figure(html, "enterprises") == 3
    refresh_cluster_figures.call()
    html = client.get("/clusters/swim/").content.decode()
    assert figure(html, "enterprises") == 2


def test_staff_count_drafts_visitors_do_not(client, staff, known):
    known["swim3"].published = False
    known["swim3"].save(update_fields=["published"])
    assert figure(client.get("/clusters/swim/").content.decode(), "enterprises") == 2
    client.force_login(staff)
    assert figure(client.get("/clusters/swim/").content.decode(), "enterprises") == 3


def test_stale_cluster_figures_are_recomputed_by_the_worker(client, known):
    client.get("/clusters/swim/")
    EnterpriseFactory(clusters=[known["swim2"].clusters.get()])
    assert figure(client.get("/clusters/swim/").content.decode(), "enterprises") == 3
    data = shared_cache().get(CACHE_KEY)
    data["computed_at"] -= dt.timedelta(seconds=FRESH_SECONDS + 1)
    shared_cache().set(CACHE_KEY, data)
    # Served the previous figures; the worker (immediate in tests) recomputes.
    assert figure(client.get("/clusters/swim/").content.decode(), "enterprises") == 3
    assert figure(client.get("/clusters/swim/").content.decode(), "enterprises") == 4


def test_cluster_page_counts_nothing_per_request(
    client, known, django_assert_max_num_queries
):
    client.get("/clusters/swim/")  # the figures computed once
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/clusters/swim/").status_code == 200
    # No aggregate over the enterprises: only the 20 listed are read.
    assert not [q for q in queries if "count(" in q["sql"].lower()]
    with django_assert_max_num_queries(7):
        client.get("/clusters/swim/")


def test_comparison_queries_do_not_grow_with_the_clusters_compared(
    client, known, django_assert_max_num_queries
):
    for i in range(3):
        ClusterFactory(slug=f"extra-{i}")
    client.get("/clusters/compare/?c=swim")  # the figures computed once
    with CaptureQueriesContext(connection) as two:
        client.get("/clusters/compare/?c=swim&c=suits")
    with CaptureQueriesContext(connection) as five:
        page = client.get(
            "/clusters/compare/?c=swim&c=suits&c=extra-0&c=extra-1&c=extra-2"
        )
    assert page.status_code == 200
    assert len(five) == len(two)
    assert not [q for q in five if "count(" in q["sql"].lower()]
    with django_assert_max_num_queries(8):
        client.get("/clusters/compare/?c=swim&c=suits&c=extra-0&c=extra-1&c=extra-2")


def test_compare_two_clusters_side_by_side(client, staff, known):
    client.force_login(staff)
    html = client.get("/clusters/compare/?c=swim&c=suits").content.decode()
    assert re.findall(r'data-cluster="([^"]+)"', html) == ["swim", "suits"]
    cells = re.findall(r'data-figure="enterprises"><a href="[^"]+">(\d+)<', html)
    assert cells == ["3", "1"]
    high = re.findall(r'data-figure="high_quality"><a href="[^"]+">(\d+)<', html)
    assert high == ["0", "1"]
    sectors = re.search(r'data-compare="sector">(.*?)</tbody>', html, re.S).group(1)
    row = re.search(r'data-code="swimwear">(.*?)</tr>', sectors, re.S).group(1)
    assert re.findall(r">(\d+)</a>", row) == ["3", "0"]
    assert "data-compare-error" not in html


def test_compare_more_than_five_says_so(client, staff, known):
    for i in range(5):
        ClusterFactory(slug=f"extra-{i}")
    client.force_login(staff)
    query = "&".join(
        f"c={s}" for s in ["swim", "suits"] + [f"extra-{i}" for i in range(5)]
    )
    html = client.get("/clusters/compare/?" + query).content.decode()
    assert "data-compare-error" in html
    assert len(re.findall(r'<th scope="col" data-cluster=', html)) == 5


def test_compare_unknown_cluster_is_reported(client, staff, known):
    client.force_login(staff)
    html = client.get("/clusters/compare/?c=swim&c=nope").content.decode()
    assert "data-compare-error" in html
    assert re.findall(r'data-cluster="([^"]+)"', html) == ["swim"]


def test_cluster_list_counts_nothing_per_request_for_visitors(client, known):
    client.get("/clusters/")  # the figures computed once
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/clusters/").content.decode()
    assert html.split("?cluster=swim")[1].split("<")[0] == '">3'
    assert not [q for q in queries if "count(" in q["sql"].lower()]
