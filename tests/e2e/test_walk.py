"""Issue 13 walked as a visitor would, where no other browser test goes: the
visitor's pages (home, search with the typeahead open, an enterprise, the
clusters) and the cluster comparison reached from a cluster's page and the list
(choosing the clusters there), on a desktop and a phone, in both languages, with
axe-core, no console error and no sideways scroll. The signed-in and staff pages
(edit, claim, sign-up, /me/, dashboard, review queue, an import) are walked the
same way in test_forms_a11y.py."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enterprises.models import EnterpriseCertification
from tests.e2e.axe import axe_violations
from tests.e2e.test_forms_a11y import COMBOS, IDS, _as
from tests.factories import ClusterFactory, EnterpriseFactory, MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    ), f"{page.url} scrolls sideways"


def _walked(page, url) -> None:
    page.goto(url)
    assert axe_violations(page) == [], url
    _no_sideways_scroll(page)


@pytest.mark.parametrize(("viewport", "language"), COMBOS, ids=IDS)
def test_a_visitors_pages_pass_axe_and_fit_the_screen(
    live_server, page, console_errors, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    swim = ClusterFactory(slug="swim", name="兴城泳装", name_en="")
    today = timezone.localdate()
    # A claimed, confirmed firm with a Chinese name only, one certificate
    # expired and one expiring: every badge, and the long USCC, on one page.
    firm = MembershipFactory(
        enterprise__name="兴城市海韵泳装服饰有限责任公司",
        enterprise__name_en="",
        enterprise__short_name="海韵",
        enterprise__products="泳装、沙滩裤、瑜伽服",
        enterprise__sectors=["swimwear"],
        enterprise__is_exporter=True,
        enterprise__export_markets=["JP", "KR", "US"],
        enterprise__last_confirmed_on=today,
    ).enterprise
    firm.clusters.add(swim)
    for scheme, until in (("iso9001", -30), ("oeko_tex_100", 40)):
        EnterpriseCertification.objects.create(
            enterprise=firm,
            scheme=scheme,
            valid_from=today - dt.timedelta(days=700),
            valid_until=today + dt.timedelta(days=until),
        )
    EnterpriseFactory.create_batch(3, products="泳装", sectors=["swimwear"])
    _as(page, base, None, language)

    _walked(page, f"{base}/")
    _walked(page, f"{base}/enterprises/?q=%E6%B3%B3%E8%A3%85")  # 泳装
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("兴城")
    expect(page.locator("#q-suggestions [role=option]").first).to_be_visible()
    page.locator("#q").press("ArrowDown")
    assert axe_violations(page) == []
    _no_sideways_scroll(page)
    _walked(page, f"{base}/enterprises/{firm.pk}/")
    expect(page.locator('[data-certificate="iso9001"]')).to_have_attribute(
        "data-state", "expired"
    )
    expect(page.locator("h1 [lang=zh-CN]")).to_have_count(1 if language == "en" else 0)
    _walked(page, f"{base}/clusters/")
    _walked(page, f"{base}/clusters/swim/")
    assert console_errors == []


@pytest.mark.parametrize(("viewport", "language"), COMBOS, ids=IDS)
def test_clusters_are_compared_from_a_clusters_page_and_the_list(
    live_server, page, console_errors, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    swim = ClusterFactory(slug="swim", name="兴城泳装", name_en="Xingcheng Swimwear")
    ClusterFactory(slug="suits", name="大连服装", name_en="Dalian Garments")
    EnterpriseFactory().clusters.add(swim)
    _as(page, base, None, language)
    english = language == "en"

    page.goto(f"{base}/clusters/swim/")
    page.locator("[data-compare]").click()
    page.wait_for_url(re.compile(r".*/clusters/\?c=swim#compare-form$"))
    expect(page.locator("#compare-swim")).to_be_checked()
    expect(page.locator("#compare-suits")).not_to_be_checked()
    assert axe_violations(page) == []
    _no_sideways_scroll(page)
    page.get_by_label("Compare Dalian Garments" if english else "比较大连服装").check()
    page.locator("#compare-form button[type=submit]").click()
    # (In the list's order: Dalian before Xingcheng.)
    page.wait_for_url(re.compile(r".*/clusters/compare/\?c=suits&c=swim$"))
    cells = page.locator('[data-figure="enterprises"]')
    expect(cells).to_have_count(2)
    expect(page.locator("h1")).to_have_text(
        "Compare clusters" if english else "产业集群对比"
    )
    assert axe_violations(page) == []
    _no_sideways_scroll(page)
    assert console_errors == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_comparing_the_longest_named_clusters_fits_a_phone(
    live_server, page, console_errors, language
):
    """Demo data (survey figures, seven-digit money): the comparison of the two
    clusters with the longest names, and the choice of clusters above it, are no
    wider than a phone; each checkbox stays on the line of its cluster's name."""
    from django.core.management import call_command

    from clusters.models import Cluster

    call_command("seed_demo", enterprises=1200, seed=7, workers=1)
    name = "name_en" if language == "en" else "name"
    longest = sorted(Cluster.objects.all(), key=lambda c: -len(getattr(c, name)))
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    _as(page, base, None, language)
    page.goto(f"{base}/clusters/compare/?c={longest[0].slug}&c={longest[1].slug}")
    expect(page.locator("#compare-statistics")).to_be_visible()
    _no_sideways_scroll(page)
    apart = page.evaluate(
        """() => [...document.querySelectorAll('label.inline')].filter(label => {
            const box = label.querySelector('input').getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(label);
            range.setStartAfter(label.querySelector('input'));
            const first = range.getClientRects()[0];
            return first && Math.abs(first.top - box.top) > box.height;
        }).map(label => label.textContent.trim())"""
    )
    assert apart == []
    assert console_errors == []
