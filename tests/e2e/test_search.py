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
    expect(page.locator("#result-count")).to_contain_text("15 published enterprises")
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


SEARCH_REQUESTS = re.compile(r".*/enterprises/\?.*")


class HeldAnswers:
    """Route handler holding the search page's htmx requests (not the full page
    loads, not the history restores) until released: the server answers later
    than the person acts."""

    def __init__(self, page):
        self.page = page
        self.routes = []

    def __call__(self, route):
        headers = route.request.headers
        if "hx-request" in headers and "hx-history-restore-request" not in headers:
            self.routes.append(route)
        else:
            route.continue_()

    def wait_for(self, *fragments: str):
        """Wait until a held request's URL has all these fragments."""
        for _ in range(100):
            if any(all(f in r.request.url for f in fragments) for r in self.routes):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no request with {fragments} was sent")

    def release(self):
        """Answer the held requests, the newest first: older answers come last."""
        routes, self.routes = self.routes, []
        for route in reversed(routes):
            with contextlib.suppress(Exception):  # aborted by a newer request
                route.continue_()


# Right after the swap (its task over), before htmx's settle (20 ms later) has
# processed the new content.
PICK_SORT_BY_NAME_ON_SWAP = """() => document.addEventListener("htmx:afterSwap", () => {
    setTimeout(() => {
        const sort = document.querySelector('select[name="sort"]');
        sort.value = "name";
        sort.dispatchEvent(new Event("change", {bubbles: true}));
    }, 0);
}, {once: true})"""


def _expect_search(page, *, url, sector, exporter, sort, page_number, names):
    """The URL, the form and the results all show the same search (names: the
    results' names, or how many)."""
    for part in url:
        expect(page).to_have_url(re.compile(re.escape(part)))
    for part in ("sector=", "exporter=", "sort=name", "page=2"):
        if not any(p.startswith(part) for p in url):
            expect(page).not_to_have_url(re.compile(re.escape(part)))
    checkbox = 'fieldset[data-facet="{}"] input[value="{}"]'
    expect(page.locator(checkbox.format("sector", "swimwear"))).to_be_checked(
        checked=sector
    )
    expect(page.locator(checkbox.format("exporter", "yes"))).to_be_checked(
        checked=exporter
    )
    expect(page.locator('select[name="sort"]')).to_have_value(sort)
    expect(page.locator("#page-info")).to_contain_text(str(page_number))
    titles = page.locator("article.result h2 a")
    if isinstance(names, int):
        expect(titles).to_have_count(names)
    else:
        expect(titles).to_have_text(names)


def test_quick_changes_on_a_slow_server_end_on_the_last_choice(
    live_server, page, directory_rows, console_errors
):
    """Filter, filter, sort and page, each before the server has answered the
    one before (the sort right as an answer lands), then back, and forward with
    a change still unanswered: the page, the form and the URL end on the last
    choice every time, whatever order the answers come back in."""
    page.goto(live_server.url + "/enterprises/?q=%E6%B3%B3%E8%A3%85&page_size=10")
    expect(page.locator("article.result")).to_have_count(10)
    held = HeldAnswers(page)
    page.route(SEARCH_REQUESTS, held)
    sector = page.locator('fieldset[data-facet="sector"] input[value="swimwear"]')
    exporter = page.locator('fieldset[data-facet="exporter"] input[value="yes"]')

    # Filter, filter: the second before the first is answered.
    sector.check()
    held.wait_for("sector=swimwear")
    exporter.check()
    held.wait_for("sector=swimwear", "exporter=yes")
    # Sort, the moment the filters' answer is on the page (before htmx has
    # settled the new content), as on a busy machine.
    page.evaluate(PICK_SORT_BY_NAME_ON_SWAP)
    held.release()
    held.wait_for("exporter=yes", "sort=name")
    filtered = {
        "url": [
            "q=%E6%B3%B3%E8%A3%85",
            "sector=swimwear",
            "exporter=yes",
            "page_size=10",
        ],
        "sector": True,
        "exporter": True,
        "sort": "relevance",
        "page_number": 1,
        "names": 10,
    }
    # Page, before the sort is answered.
    page.get_by_role("link", name=re.compile("下一页|Next")).click()
    held.wait_for("sort=name", "page=2")
    held.release()
    # The exporters are the even ones; by name, page 2 at 10 a page.
    last = {
        **filtered,
        "url": [*filtered["url"], "sort=name", "page=2"],
        "sort": "name",
        "page_number": 2,
        "names": [f"兴城第{i:02d}泳装有限公司" for i in range(20, 30, 2)],
    }
    _expect_search(page, **last)
    page.wait_for_timeout(300)  # time for a late, older answer to land
    _expect_search(page, **last)

    # Back: the filters' page, the last one shown before (the sort was never
    # shown on its own).
    page.go_back()
    _expect_search(page, **filtered)
    page.wait_for_timeout(300)
    _expect_search(page, **filtered)

    # Forward while a change is still unanswered: forward is the last choice.
    exporter.uncheck()
    held.wait_for("sector=swimwear", "sort=relevance")
    page.go_forward()
    _expect_search(page, **last)
    held.release()
    page.wait_for_timeout(300)
    _expect_search(page, **last)
    assert (
        page.evaluate("window.performance.getEntriesByType('navigation').length") == 1
    )
    # htmx logs each request aborted by a newer one; nothing else went wrong.
    aborted = ("htmx:afterRequest,", "htmx:sendAbort,")
    assert [e for e in console_errors if not e.startswith(aborted)] == []


def test_switching_language_after_filtering_keeps_the_filters(
    live_server, page, directory_rows, console_errors
):
    page.goto(live_server.url + "/enterprises/?q=%E6%B3%B3%E8%A3%85")
    page.locator('fieldset[data-facet="exporter"] input[value="yes"]').check()
    expect(page).to_have_url(re.compile(r"exporter=yes"))
    expect(page.locator("#result-count")).to_have_attribute("data-total", "15")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"exporter=yes"))
    expect(page.locator("#result-count")).to_contain_text("15 published enterprises")
    assert console_errors == []
