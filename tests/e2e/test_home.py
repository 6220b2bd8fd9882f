import pytest
from playwright.sync_api import expect

from tests.factories import ClusterFactory, EnterpriseFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_home_in_chinese_then_english_and_back(live_server, page, console_errors):
    ClusterFactory()
    EnterpriseFactory.create_batch(2)
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".brand")).to_have_text("辽宁纺织名录")
    expect(page.locator('[data-figure="enterprises"]')).to_have_text("2")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".brand")).to_have_text("Liaoning Textile Directory")
    expect(page.locator('[data-figure="clusters"]')).to_have_text("1")

    # The choice persists across pages.
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Clusters"
    ).click()
    expect(page.locator("h1")).to_have_text("Industrial clusters")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("产业集群")
    assert console_errors == []
