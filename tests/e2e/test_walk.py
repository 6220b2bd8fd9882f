"""Issue 13 walked as a visitor would, where no other browser test goes: the
cluster comparison is reached from a cluster's page and the list (choosing the
clusters there), on a desktop and a phone, in both languages, with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations
from tests.e2e.test_forms_a11y import COMBOS, IDS, _as
from tests.factories import ClusterFactory, EnterpriseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    ), f"{page.url} scrolls sideways"


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
