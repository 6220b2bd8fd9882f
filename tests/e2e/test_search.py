import contextlib
import re

import pytest
from playwright.sync_api import expect

from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def directory_rows():
    for i in range(30):
        EnterpriseFactory(
            name=f"兴城第{i:02d}泳装有限公司",
            products="泳装",
            sectors=["swimwear"],
            is_exporter=i % 2 == 0,
            export_markets=["JP"] if i % 2 == 0 else [],
        )
    for i in range(5):
        EnterpriseFactory(
            name=f"辽阳第{i}袜业有限公司",
            products="袜子",
            sectors=["socks"],
            region_id="211021",
        )


def _count(page) -> int:
    return int(page.locator("#result-count").get_attribute("data-total"))


def test_search_filters_paging_back_button_and_language(
    live_server, page, directory_rows, console_errors
):
    page.goto(live_server.url + "/enterprises/")
    page.fill("#q", "泳装")
    page.press("#q", "Enter")
    expect(page.locator("#result-count")).to_have_attribute("data-total", "30")
    expect(page).to_have_url(re.compile(r"q=%E6%B3%B3%E8%A3%85"))

    # Two filters, applied by htmx without a full page load.
    page.locator('fieldset[data-facet="sector"] input[value="swimwear"]').check()
    expect(page).to_have_url(re.compile(r"sector=swimwear"))
    page.locator('fieldset[data-facet="exporter"] input[value="yes"]').check()
    expect(page.locator("#result-count")).to_have_attribute("data-total", "15")
    expect(page).to_have_url(re.compile(r"exporter=yes"))
    assert (
        page.evaluate("window.performance.getEntriesByType('navigation').length") == 1
    )

    # Paging (20 per page by default).
    page.locator('select[name="sort"]').select_option("name")
    page.locator("#search-body").wait_for()
    expect(page).to_have_url(re.compile(r"sort=name"))
    page.goto(page.url + "&page_size=10")
    expect(page.locator("#page-info")).to_contain_text("1")
    first_page_ids = page.locator("article.result").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )
    assert len(first_page_ids) == 10
    page.get_by_role("link", name=re.compile("下一页|Next")).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("article.result")).to_have_count(5)
    second_page_ids = page.locator("article.result").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )
    assert set(second_page_ids).isdisjoint(first_page_ids)

    # The back button restores the previous state.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"page=2"))
    expect(page.locator("article.result")).to_have_count(10)
    expect(
        page.locator('fieldset[data-facet="exporter"] input[value="yes"]')
    ).to_be_checked()

    # Switching language keeps the result page and its state.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"exporter=yes"))
    expect(page.locator("#result-count")).to_have_attribute("data-total", "15")
    expect(page.locator("#result-count")).to_contain_text("15 enterprises")
    assert console_errors == []


def test_a_sort_chosen_while_results_load_is_kept(live_server, page, directory_rows):
    """Choosing the order while a filter's results are still loading: the newer
    choice wins, with the filter, instead of the older results coming back over
    it (the slower response is held here until the end)."""
    page.goto(live_server.url + "/enterprises/?q=%E6%B3%B3%E8%A3%85")
    held = []
    pattern = re.compile(r".*exporter=yes.*")
    page.route(pattern, lambda route: held.append(route))
    page.locator('fieldset[data-facet="exporter"] input[value="yes"]').check()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the filter's request was not sent"
    page.unroute(pattern)
    page.locator('select[name="sort"]').select_option("name")
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page).to_have_url(re.compile(r"exporter=yes"))
    expect(page.locator("#result-count")).to_have_attribute("data-total", "15")
    for route in held:
        with contextlib.suppress(Exception):  # aborted by the newer request
            route.continue_()
    page.wait_for_timeout(300)
    expect(page.locator('select[name="sort"]')).to_have_value("name")
    expect(page).to_have_url(re.compile(r"sort=name"))
