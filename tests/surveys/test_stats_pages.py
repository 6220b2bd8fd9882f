"""Survey statistics on the cluster comparison and the dashboard, against
figures worked out by hand; suppression below staff; the CSV downloads."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from surveys.models import Survey
from surveys.services import figures_record
from surveys.statistics import statistics_refresh
from tests.factories import ClusterFactory, EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record(enterprise, year, employees, revenue, exports=0):
    figures_record(
        actor=None,
        enterprise_id=enterprise.pk,
        year=year,
        values={
            "employees": employees,
            "revenue": Decimal(revenue),
            "output": Decimal(revenue),
            "exports": Decimal(exports),
        },
        source="staff",
    )


@pytest.fixture
def two_clusters():
    """swim (Xingcheng, swimwear): a, b (swimwear) and c (apparel); knit
    (Dalian, apparel): d and e, two firms, so suppressed below staff.

    2025: a 200 staff / 2000 revenue / 500 exports, b 50/500/0, c 50/500/100,
    d 200/2000/0, e 150/1100/0; 2024 the same except a 100/1000/500.
    2024 and 2025 are published, 2026 (a only) is not."""
    swim = ClusterFactory(slug="swim", sectors=["swimwear"], region_id="211481")
    knit = ClusterFactory(slug="knit", sectors=["apparel"], region_id="210203")
    a = EnterpriseFactory(region_id="211481", clusters=[swim], sectors=["swimwear"])
    b = EnterpriseFactory(region_id="211481", clusters=[swim], sectors=["swimwear"])
    c = EnterpriseFactory(region_id="211481", clusters=[swim], sectors=["apparel"])
    d = EnterpriseFactory(region_id="210203", clusters=[knit], sectors=["apparel"])
    e = EnterpriseFactory(region_id="210203", clusters=[knit], sectors=["apparel"])
    for year, factor in ((2024, 1), (2025, 2)):
        _record(a, year, 100 * factor, 1000 * factor, 500)
        _record(b, year, 50, 500, 0)
        _record(c, year, 50, 500, 100)
        _record(d, year, 200, 2000, 0)
        _record(e, year, 150, 1100, 0)
    _record(a, 2026, 999, 99999, 0)
    for year, status in ((2024, "published"), (2025, "published"), (2026, "closed")):
        Survey.objects.create(
            year=year,
            opens_on=f"{year + 1}-01-01",
            closes_on=f"{year + 1}-03-31",
            status=status,
        )
    statistics_refresh()


def _cell(html, slug, figure):
    match = re.search(
        rf'<td class="num[^"]*" data-cluster="{slug}" data-figure="{figure}"[^>]*>'
        r"([^<]*)<",
        html,
    )
    assert match, (slug, figure)
    if "data-suppressed" in match.group(0):
        return "suppressed"
    return match.group(1).replace(",", "")  # grouping depends on the language


def _csv(client, url):
    body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


COMPARE = reverse("clusters:cluster-compare") + "?c=swim&c=knit"


def test_comparison_shows_the_figures_side_by_side(client, two_clusters):
    html = client.get(COMPARE).content.decode()
    assert 'id="compare-statistics"' in html
    # The newest year an anonymous reader may see: 2025 (2026 is not published).
    assert "2025" in re.search(r'id="compare-statistics-title">([^<]+)', html).group(1)
    assert _cell(html, "swim", "enterprises") == "3"
    assert _cell(html, "swim", "employees") == "300"
    assert _cell(html, "swim", "revenue") == "3000.0"
    assert _cell(html, "swim", "exports") == "600.0"  # 500 + 0 + 100
    # Province revenue 2000+500+500+2000+1100 = 6100; 3000 / 6100 = 49.18 %.
    assert _cell(html, "swim", "share") == "49.2"
    # 2024: revenue 2000, employees 200 -> +50 % each; exports 600 -> 600.
    assert _cell(html, "swim", "revenue_change") == "+50.0"
    assert _cell(html, "swim", "employees_change") == "+50.0"
    assert _cell(html, "swim", "exports_change") == "+0.0"
    # Swimwear staff: cluster 250 of 300, province 250 of 650: 0.8333/0.3846.
    assert _cell(html, "swim", "specialisation") == "2.17"


def test_comparison_suppresses_small_clusters_below_staff(client, staff, two_clusters):
    html = client.get(COMPARE).content.decode()
    assert _cell(html, "knit", "enterprises") == "2"
    assert _cell(html, "knit", "revenue") == "suppressed"
    flat = html.replace(",", "")
    assert "3100.0" not in flat and ">350<" not in flat  # knit's, for staff
    chart = json.loads(
        re.search(
            r'id="chart-compare-statistics-data"[^>]*>(.*?)</script>', html, re.S
        ).group(1)
    )
    assert (
        chart["labels"] == [next(r for r in [chart["labels"][0]])]
        and len(chart["labels"]) == 1
    )  # swim only
    rows = _csv(client, re.search(r'href="([^"]+)" data-download="csv"', html)
                .group(1).replace("&amp;", "&"))  # fmt: skip
    by_area = {r[1]: r for r in rows[1:]}
    assert set(by_area) == {"swim", "knit"}
    assert by_area["knit"][4] == "" and by_area["knit"][-1] != ""  # suppressed
    assert by_area["swim"][5] == "3000.0"

    client.force_login(staff)
    html = client.get(COMPARE + "&year=2025").content.decode()
    assert _cell(html, "knit", "revenue") == "3100.0"
    assert _cell(html, "knit", "employees") == "350"


def test_comparison_year_choice(client, two_clusters):
    html = client.get(COMPARE + "&year=2024").content.decode()
    assert _cell(html, "swim", "revenue") == "2000.0"
    assert _cell(html, "swim", "revenue_change") == "—"  # no 2023
    for bad in ("2026", "1999", "x"):  # unpublished, unknown, not a year
        response = client.get(COMPARE + f"&year={bad}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "data-compare-error" in html
        assert _cell(html, "swim", "revenue") == "3000.0"  # 2025
        assert "99999" not in html.replace(",", "")


def test_comparison_without_statistics_shows_no_panel(client):
    ClusterFactory(slug="swim")
    html = client.get(reverse("clusters:cluster-compare") + "?c=swim").content.decode()
    assert 'id="compare-statistics"' not in html


DASHBOARD = reverse("dashboard:dashboard")


def _ranked(html):
    table = re.search(r'id="survey-clusters".*?</table>', html, re.S).group(0)
    return re.findall(r'<tr data-area="([^"]+)"', table)


def test_dashboard_overview_and_ranked_clusters(client, staff, two_clusters):
    client.force_login(staff)
    html = client.get(DASHBOARD).content.decode()
    # The newest published year, though staff may see 2026.
    overview = re.search(r'id="survey-statistics".*?</section>', html, re.S).group(0)
    assert "2025" in re.search(r'id="survey-statistics-title">([^<]+)', html).group(1)
    assert 'data-figure="revenue">6100.0<' in overview.replace(",", "")
    assert 'data-figure="employees">650<' in overview
    assert _ranked(html) == ["knit", "swim"]  # revenue 3100, 3000
    assert _ranked(client.get(DASHBOARD + "?figure=exports").content.decode()) == [
        "swim",  # exports 600 against 0
        "knit",
    ]
    html = client.get(DASHBOARD + "?year=2026").content.decode()
    assert 'data-figure="revenue">99999.0<' in html.replace(",", "")
    html = client.get(DASHBOARD + "?year=nope&figure=nope").content.decode()
    assert "data-statistics-error" in html and _ranked(html) == ["knit", "swim"]
    rows = _csv(
        client, reverse("surveys:statistics-csv", args=["cluster"]) + "?year=2025"
    )
    assert {r[1]: r[5] for r in rows[1:]} == {"swim": "3000.0", "knit": "3100.0"}


def test_dashboard_is_for_staff_only(client, two_clusters):
    assert client.get(DASHBOARD).status_code == 302  # to the login
    client.force_login(UserFactory())
    assert client.get(DASHBOARD).status_code == 404


def test_the_city_map_is_shaded_by_the_chosen_figure_and_year(client, two_clusters):
    home = client.get(reverse("home")).content.decode()
    link = re.search(r'href="([^"]+)" id="statistics-map-link"', home).group(1)
    assert link == reverse("surveys:statistics") + "#map-title"
    page = client.get(reverse("surveys:statistics") + "?year=2024&figure=exports")
    city_map = page.context["city_map"]
    assert city_map["figures"][0]["key"] == "exports"
    # Huludao (Xingcheng's city) in 2024: revenue 1000 + 500 + 500.
    huludao = next(c for c in city_map["cities"] if c["code"] == "211400")
    assert huludao["values"]["revenue"] == 2000.0
    assert huludao["values"]["exports"] == 600.0
    assert all(c["code"] != "210200" for c in city_map["cities"])  # 2 firms


def test_statistics_cost_a_few_queries_whatever_the_clusters(
    client, staff, two_clusters, rf
):
    """The statistics read a bounded number of rows (areas × years), never one
    query per cluster: more clusters, the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clusters.models import Cluster
    from surveys.stats_blocks import cluster_comparison

    client.force_login(staff)

    def counts():
        client.get(DASHBOARD)  # the dashboard's own figures are cached
        with CaptureQueriesContext(connection) as dashboard:
            assert client.get(DASHBOARD).status_code == 200
        request = rf.get("/clusters/compare/")
        request.user = type(staff).objects.get(pk=staff.pk)  # no permission cache
        clusters = list(Cluster.objects.order_by("slug"))
        with CaptureQueriesContext(connection) as panel:
            assert len(cluster_comparison(request, clusters)["columns"]) == len(
                clusters
            )
        return len(dashboard), len(panel)

    before = counts()
    for i in range(3):
        cluster = ClusterFactory(slug=f"more{i}", sectors=["apparel"])
        for _ in range(3):
            _record(EnterpriseFactory(clusters=[cluster]), 2025, 10, 100)
    statistics_refresh()
    after = counts()
    assert after == before


def test_statistics_pages_mark_a_chinese_cluster_name_in_english(client, two_clusters):
    """A cluster with only a Chinese name is marked lang="zh-CN" in the English
    statistics, report, comparison and dashboard (tests/test_content_language)."""
    from clusters.models import Cluster
    from tests.factories import StaffFactory
    from tests.test_content_language import _read

    Cluster.objects.filter(slug="swim").update(name="兴城泳装", name_en="")
    statistics_refresh()
    client.force_login(StaffFactory())
    unmarked, marked = {}, 0
    for url in (
        "/statistics/?year=2025",
        "/statistics/report/2025/",
        "/clusters/compare/?c=swim&c=knit",
        "/dashboard/",
    ):
        html = client.get(url, headers={"accept-language": "en"}).content.decode()
        found = _read(html)
        marked += found.marked
        if found.found or found.attributes:
            unmarked[url] = found.found + found.attributes
    assert unmarked == {}
    assert marked >= 4
