import re

import pytest

from tests.dashboard.test_views import figure, search_total
from tests.factories import ClusterFactory

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
    html = client.get("/clusters/swim/").content.decode()
    assert figure(html, "enterprises") == 2


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
