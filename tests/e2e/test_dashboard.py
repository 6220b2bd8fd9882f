import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from tests.factories import ClusterFactory, EnterpriseFactory, StaffFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

CHARTS = ["cluster", "city", "sector", "model", "market", "employees", "updated"]


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.fixture
def directory(db):
    cache.clear()
    cluster = ClusterFactory(slug="swim")
    EnterpriseFactory.create_batch(
        3,
        region_id="211302",  # Chaoyang
        sectors=["swimwear"],
        business_models=["processing"],
        is_exporter=True,
        export_markets=["JP"],
        clusters=[cluster],
    )
    EnterpriseFactory(region_id="210102", sectors=["silk"])
    yield
    cache.clear()


def test_dashboard_charts_and_map_render_and_a_city_opens_its_results(
    live_server, page, console_errors, directory
):
    sign_in(page, live_server, StaffFactory())
    page.goto(live_server.url + "/dashboard/")
    expect(page.locator('[data-figure="enterprises"]')).to_have_text("4")
    for name in CHARTS:
        chart = page.locator(f"#chart-{name}")
        expect(chart).to_have_attribute("data-rendered", "1")
        expect(chart.locator("canvas")).to_have_count(1)
    the_map = page.locator("#liaoning-map")
    expect(the_map).to_have_attribute("data-rendered", "1")
    expect(the_map).to_have_attribute("data-regions", "14")
    assert len(the_map.get_attribute("data-region-codes").split(",")) == 14

    # PNG downloads come from the browser (ECharts getDataURL).
    with page.expect_download() as download:
        page.locator('[data-download="png"][data-for="chart-city"]').click()
    assert download.value.suggested_filename == "chart-city.png"

    # Another figure shades the map; then a click on Chaoyang opens its results.
    page.select_option("#map-figure", "exporters")
    expect(the_map).to_have_attribute("data-shade", "exporters")
    page.select_option("#map-figure", "enterprises")
    expect(the_map).to_have_attribute("data-shade", "enterprises")
    the_map.scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
            const el = document.getElementById("liaoning-map");
            const chart = echarts.getInstanceByDom(el);
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [120.45, 41.58]);
            const box = el.getBoundingClientRect();
            return [box.left + x, box.top + y];
        }"""
    )
    page.mouse.click(point[0], point[1])
    page.wait_for_url("**/enterprises/?city=211300")
    expect(page.locator("#result-count")).to_have_attribute("data-total", "3")
    assert console_errors == []


def test_cluster_page_and_comparison_draw_their_charts(
    live_server, page, console_errors, directory
):
    page.goto(live_server.url + "/clusters/swim/")
    for name in ("sector", "model", "market", "employees"):
        expect(page.locator(f"#chart-{name}")).to_have_attribute("data-rendered", "1")
    sign_in(page, live_server, StaffFactory())
    ClusterFactory(slug="other")
    page.goto(live_server.url + "/clusters/compare/?c=swim&c=other")
    expect(page.locator("#chart-sector")).to_have_attribute("data-rendered", "1")
    assert console_errors == []


@pytest.fixture
def survey_statistics(directory):
    """Published figures for the swim cluster's three firms (2025)."""
    from decimal import Decimal

    from enterprises.models import Enterprise
    from surveys.models import Survey
    from surveys.services import figures_record
    from surveys.statistics import statistics_refresh

    for i, enterprise in enumerate(Enterprise.objects.filter(clusters__slug="swim")):
        figures_record(
            actor=None,
            enterprise_id=enterprise.pk,
            year=2025,
            values={"employees": 10 + i, "revenue": Decimal(100 + i)},
            source="staff",
        )
    Survey.objects.create(
        year=2025, opens_on="2026-01-01", closes_on="2026-03-31", status="published"
    )
    statistics_refresh()


def test_survey_statistics_on_dashboard_and_comparison_draw_and_pass_axe(
    live_server, page, console_errors, survey_statistics
):
    from tests.e2e.axe import axe_violations

    ClusterFactory(slug="other")
    page.goto(live_server.url + "/clusters/compare/?c=swim&c=other")
    chart = page.locator("#chart-compare-statistics")
    expect(chart).to_have_attribute("data-rendered", "1")
    expect(
        page.locator('#compare-statistics [data-figure="revenue"]').first
    ).to_have_text("303.0")
    assert axe_violations(page) == []
    sign_in(page, live_server, StaffFactory())
    page.goto(live_server.url + "/dashboard/?figure=employees")
    for name in ("survey-province-series", "survey-clusters"):
        expect(page.locator(f"#chart-{name}")).to_have_attribute("data-rendered", "1")
    with page.expect_download() as download:
        page.locator('[data-download="png"][data-for="chart-survey-clusters"]').click()
    assert download.value.suggested_filename == "chart-survey-clusters.png"
    assert axe_violations(page) == []
    assert console_errors == []
