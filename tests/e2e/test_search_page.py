"""The search page for a person, on a desktop and a phone, in both languages: the
phone's filter drawer, numbered paging, removable filter chips, the facet filter
box, the typeahead as an ARIA combobox used with the keyboard, the skip link, and
axe-core with the typeahead open."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SWIMWEAR = "%E6%B3%B3%E8%A3%85"  # 泳装


@pytest.fixture
def directory_rows():
    """30 swimwear firms in 兴城 (every other one an exporter), 10 sock firms in
    ten other counties (a long county facet)."""
    from core.regions import region_levels

    for i in range(30):
        EnterpriseFactory(
            name=f"兴城第{i:02d}泳装有限公司",
            products="泳装",
            sectors=["swimwear"],
            is_exporter=i % 2 == 0,
            export_markets=["JP"] if i % 2 == 0 else [],
        )
    counties = [c for c, level in region_levels().items() if level == "county"]
    counties = [c for c in counties if c != "211481"][:10]
    for i, county in enumerate(counties):
        EnterpriseFactory(
            name=f"第{i}袜业有限公司",
            products="袜子",
            sectors=["socks"],
            region_id=county,
        )


def _english(page, base):
    page.goto(base + "/")
    page.locator('.lang-switch button[value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _total(page) -> int:
    return int(page.locator("#result-count").get_attribute("data-total"))


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    ), "the page scrolls sideways"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phone_shows_results_first_and_filters_in_a_drawer(
    live_server, page, directory_rows, console_errors, language
):
    page.set_viewport_size(PHONE)
    if language == "en":
        _english(page, live_server.url)
    page.goto(f"{live_server.url}/enterprises/?q={SWIMWEAR}")
    first = page.locator("article.result").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # on the first screen
    _no_horizontal_scroll(page)
    facets = page.locator("#filters")
    expect(facets).to_be_hidden()

    button = page.locator("[data-filters-button]")
    expect(button).to_have_text(re.compile(r"(筛选（0）|Filters \(0\))"))
    button.click()
    expect(facets).to_be_visible()
    page.locator('#filters fieldset[data-facet="exporter"] input[value="yes"]').check()
    expect(page.locator("#result-count")).to_have_attribute("data-total", "15")
    expect(facets).to_be_visible()  # the drawer stays open while filtering
    page.locator("#filters .drawer-close").click()
    expect(facets).to_be_hidden()
    expect(page.locator("article.result").first).to_be_in_viewport()
    expect(button).to_have_text(re.compile(r"(筛选（1）|Filters \(1\))"))
    expect(page).to_have_url(re.compile(r"exporter=yes"))
    assert console_errors == []


def test_phone_drawer_and_filters_work_without_javascript(
    live_server, browser, directory_rows
):
    """Without JS the drawer still opens (a CSS toggle), the form is sent, and the
    address it lands on holds no empty or repeated parameter."""
    context = browser.new_context(
        java_script_enabled=False, viewport=PHONE, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/enterprises/?q={SWIMWEAR}")
    page.locator("[data-filters-button]").click()
    expect(page.locator("#filters")).to_be_visible()
    page.locator('#filters fieldset[data-facet="exporter"] input[value="yes"]').check()
    page.locator(
        '#filters fieldset[data-facet="sector"] input[value="swimwear"]'
    ).check()
    page.locator("#filters noscript button, #filters button[type=submit]").first.click()
    page.wait_for_load_state()
    assert sorted(_params(page.url)) == [
        ("exporter", "yes"),
        ("q", "泳装"),
        ("sector", "swimwear"),
    ]
    assert _total(page) == 15
    # Every option of a long facet is listed, its filter box (a JS aid) is not shown.
    county = page.locator('fieldset[data-facet="county"]')
    page.goto(f"{live_server.url}/enterprises/")
    expect(county.locator("[data-facet-filter]")).to_be_hidden()
    assert county.locator("input[type=checkbox]").count() == 11
    context.close()


def test_enterprise_page_has_no_horizontal_scroll_on_a_phone(live_server, page):
    e = EnterpriseFactory(
        uscc="91210000MA0QCXY1AY",
        name="辽宁省兴城市超长名称国际泳装服饰进出口贸易有限责任公司",
        website="https://www.example-very-long-host-name-for-a-textile-firm.com/",
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/enterprises/{e.pk}/")
    expect(page.get_by_text("91210000MA0QCXY1AY")).to_be_visible()
    _no_horizontal_scroll(page)


def test_numbered_pages_scroll_to_the_results_and_out_of_range_goes_to_the_last(
    live_server, page, directory_rows, console_errors
):
    page.set_viewport_size({"width": 1366, "height": 400})  # longer than a screen
    base = f"{live_server.url}/enterprises/?q={SWIMWEAR}&page_size=2"
    page.goto(base)
    pages = page.locator("nav.pager ol.pages")
    expect(pages).to_have_text(re.compile(r"^\s*1\s+2\s+3\s+…\s+15\s*$"))
    expect(pages.locator('[aria-current="page"]')).to_have_text("1")

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    pages.get_by_role("link", name=re.compile(r"^(第 15 页|Page 15)$")).click()
    expect(page).to_have_url(re.compile(r"page=15"))
    expect(pages.locator('[aria-current="page"]')).to_have_text("15")
    expect(pages).to_have_text(re.compile(r"^\s*1\s+…\s+13\s+14\s+15\s*$"))
    # The new page is read from its top: the scroll follows the swap's settle,
    # so it is waited for (reading it at once failed now and then in CI).
    top = "document.getElementById('results').getBoundingClientRect().top"
    page.wait_for_function(
        f"(() => {{ const t = {top}; return t >= -2 && t <= 50; }})()"
    )
    assert page.evaluate("document.activeElement.id") == "result-list"

    pages.get_by_role("link", name=re.compile(r"^(第 13 页|Page 13)$")).click()
    expect(pages).to_have_text(re.compile(r"^\s*1\s+…\s+11\s+12\s+13\s+14\s+15\s*$"))
    params = _params(page.url)
    assert sorted(params) == [("page", "13"), ("page_size", "2"), ("q", "泳装")]

    # Past the end: the last page, at its own address.
    page.goto(base + "&page=99")
    expect(page).to_have_url(re.compile(r"page=15$"))
    expect(pages.locator('[aria-current="page"]')).to_have_text("15")
    expect(page.locator("article.result")).to_have_count(2)
    assert console_errors == []


def test_the_address_holds_each_parameter_once_and_no_empty_one(
    live_server, page, directory_rows
):
    page.goto(
        f"{live_server.url}/enterprises/?q=&updated=&sector=swimwear&sector=socks"
    )
    assert _params(page.url) == [("sector", "swimwear,socks")]
    page.fill("#q", "泳装")
    page.press("#q", "Enter")
    expect(page.locator("#result-count")).to_have_attribute("data-total", "30")
    page.locator('fieldset[data-facet="exporter"] input[value="yes"]').check()
    expect(page.locator("#result-count")).to_have_attribute("data-total", "15")
    params = _params(page.url)
    keys = [k for k, _v in params]
    assert len(keys) == len(set(keys)) and all(v for _k, v in params), params
    # (the form also sends the order it shows)
    assert {k: v for k, v in params if k != "sort"} == {
        "q": "泳装",
        "sector": "swimwear,socks",
        "exporter": "yes",
    }


def test_chips_remove_a_filter_and_clear_all(
    live_server, page, directory_rows, console_errors
):
    page.goto(f"{live_server.url}/enterprises/?sector=swimwear&exporter=yes&updated=1y")
    assert _total(page) == 15
    chips = page.locator("ul.chips a.chip")
    expect(chips).to_have_count(4)  # three filters and "clear all"
    chips.filter(has_text="出口").first.click()
    expect(page.locator("#result-count")).to_have_attribute("data-total", "30")
    expect(page).not_to_have_url(re.compile("exporter"))
    expect(
        page.locator('fieldset[data-facet="exporter"] input[value="yes"]')
    ).not_to_be_checked()
    expect(chips).to_have_count(3)

    page.locator("[data-clear-filters]").click()
    expect(page.locator("#result-count")).to_have_attribute("data-total", "40")
    expect(page).to_have_url(re.compile(r"/enterprises/$"))
    expect(page.locator("ul.chips")).to_have_count(0)
    assert console_errors == []


def test_a_long_facet_can_be_searched(live_server, page, directory_rows):
    page.goto(f"{live_server.url}/enterprises/")
    county = page.locator('fieldset[data-facet="county"]')
    box = county.locator("[data-facet-filter]")
    expect(box).to_be_visible()
    options = county.locator("label:visible")
    expect(options).to_have_count(11)
    box.fill("兴城")
    expect(options).to_have_count(1)
    expect(options).to_contain_text("兴城")
    options.locator("input").check()
    expect(page.locator("#result-count")).to_have_attribute("data-total", "30")
    box = county.locator("[data-facet-filter]")
    box.fill("没有这个地方")
    expect(county.locator("[data-facet-empty]")).to_be_visible()


@pytest.mark.parametrize("where", ["search page", "header"])
def test_typeahead_is_a_combobox_used_with_the_keyboard(
    live_server, page, directory_rows, console_errors, where
):
    if where == "search page":
        page.goto(f"{live_server.url}/enterprises/")
        box = page.locator("#q")
    else:
        page.goto(f"{live_server.url}/about/")
        box = page.locator("#site-q")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("兴城第0")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.locator('[role="option"]')
    expect(options.first).to_be_visible()
    assert listbox.locator("a, button, input").count() == 0  # nothing nested

    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    href = second.get_attribute("data-href")
    name = second.inner_text().split()[0]
    box.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("h1")).to_contain_text(name)

    page.go_back()
    box.fill("")
    box.press_sequentially("兴城第1")
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert console_errors == []


def test_skip_link_reaches_the_first_result(live_server, page, directory_rows):
    page.goto(f"{live_server.url}/enterprises/?q={SWIMWEAR}")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("article.result h2 a").first).to_be_focused()


def test_results_are_not_a_live_region_but_a_status_line_is(
    live_server, page, directory_rows
):
    page.goto(f"{live_server.url}/enterprises/?q={SWIMWEAR}")
    assert (
        page.locator("#search-body [aria-live], #search-body [role=status]").count()
        == 0
    )
    page.locator('fieldset[data-facet="exporter"] input[value="yes"]').check()
    status = page.locator("#search-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text(re.compile(r"^15\s*家"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_axe_finds_nothing_on_search_with_the_typeahead_open(
    live_server, page, directory_rows, console_errors, viewport, language
):
    page.set_viewport_size(viewport)
    if language == "en":
        _english(page, live_server.url)
    page.goto(
        f"{live_server.url}/enterprises/?q={SWIMWEAR}&sector=swimwear&page_size=5"
    )
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("兴城")
    expect(page.locator("#q-suggestions [role=option]").first).to_be_visible()
    page.locator("#q").press("ArrowDown")
    assert axe_violations(page) == []
    if viewport == PHONE:
        page.locator("#q").press("Escape")
        page.locator("[data-filters-button]").click()
        expect(page.locator("#filters")).to_be_visible()
        assert axe_violations(page) == []
    if language == "en":  # the page's own controls show no Chinese
        texts = page.locator(".pager, .chips, [data-filters-button]").all_inner_texts()
        assert not re.search(r"[\u4e00-\u9fff]", " ".join(texts)), texts
    assert console_errors == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_four_digit_totals_and_facet_counts_fit_a_phone(
    live_server, page, console_errors, language
):
    """1,200 demo enterprises: the total and the facet counts have four digits,
    grouped ("1,138"), and neither the results nor the open drawer is wider than
    the phone."""
    from django.core.management import call_command

    call_command("seed_demo", enterprises=1200, seed=7, workers=1)
    page.set_viewport_size(PHONE)
    if language == "en":
        _english(page, live_server.url)
    page.goto(f"{live_server.url}/enterprises/")
    count = page.locator("#result-count")
    expect(count).to_have_text(re.compile(r"\d,\d{3}"))
    assert _total(page) >= 1000
    _no_horizontal_scroll(page)
    page.locator("[data-filters-button]").click()
    expect(page.locator("#filters")).to_be_visible()
    counts = page.locator("#filters .count").all_inner_texts()
    assert any(re.fullmatch(r"≈?\d,\d{3}", c.strip()) for c in counts), counts
    _no_horizontal_scroll(page)
    # Nothing of the drawer or the line above the results reaches past the screen
    # (clipped text would not show in the page's own width).
    wider = page.evaluate(
        """() => [...document.querySelectorAll(
                '#filters label, #filters .count, .results-meta *, #result-count')]
            .filter(el => el.getClientRects().length)
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                || el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflowX !== 'visible')
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    assert wider == []
    # A count is never broken across lines ("5" above "0" beside a long label).
    broken = page.evaluate(
        """() => [...document.querySelectorAll('#filters .count')]
            .filter(el => el.getClientRects().length)
            .filter(el => {
                const range = document.createRange();
                range.selectNodeContents(el);
                return range.getClientRects().length > 1;
            })
            .map(el => el.parentElement.textContent.trim())"""
    )
    assert broken == []
    page.locator("#filters .drawer-close").click()
    expect(page.locator("#filters")).to_be_hidden()
    expect(count).to_be_in_viewport()
    assert console_errors == []
