"""The annual survey in a browser, in both languages: an enterprise user fills it
in from /me/ (draft, submit), staff accept it, the figures count."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import EnterpriseFigures
from tests.factories import MembershipFactory, StaffFactory
from tests.surveys.helpers import open_survey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-2026"
TEXTS = {
    "en-US": {"submitted": "Submitted, waiting for review", "accepted": "Accepted",
              "optional": "optional", "draft": "Your draft was saved."},
    "zh-CN": {"submitted": "已提交，等待审核", "accepted": "已接受",
              "optional": "选填", "draft": "草稿已保存。"},
}  # fmt: skip


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    # Staff land on the review queue, everyone else on their account page.
    page.wait_for_url(re.compile(r".*/(me|review)/$"))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_fill_submit_and_accept(live_server, browser, locale):
    texts = TEXTS[locale]
    base = live_server.url
    membership = MembershipFactory(user__username="firm")
    enterprise = membership.enterprise
    StaffFactory(username="reviewer")
    open_survey(year=2025)

    firm = browser.new_context(locale=locale).new_page()
    _login(firm, base, "firm")
    row = firm.locator(f'#my-surveys [data-enterprise="{enterprise.pk}"]')
    expect(row).to_have_attribute("data-status", "none")
    row.locator("a").click()
    form = firm.locator("#survey-answer")
    expect(form.locator('[data-field="exports"]')).to_contain_text(texts["optional"])
    form.locator("#id_revenue").fill("1200")
    form.locator("#id_output").fill("1100")
    form.locator('button[value="draft"]').click()
    expect(firm.locator(".messages")).to_contain_text(texts["draft"])
    expect(firm.locator("#id_revenue")).to_have_value("1200.0")
    firm.locator("#id_employees").fill("80")
    firm.locator("#id_exports").fill("500")
    firm.locator("#id_export_jp").fill("300")
    firm.locator('button[value="submit"]').click()
    expect(firm.locator("#answer-status")).to_have_text(texts["submitted"])
    firm.goto(base + "/me/")
    expect(row).to_have_attribute("data-status", "submitted")

    staff = browser.new_context(locale=locale).new_page()
    _login(staff, base, "reviewer")
    staff.goto(base + "/surveys/2025/")
    staff.locator('#submissions [data-status="submitted"] a').click()
    expect(staff.locator("#submission-status")).to_have_text(texts["submitted"])
    staff.locator('#review-form button[value="accept"]').click()
    staff.wait_for_url(base + "/surveys/2025/")
    expect(staff.locator('#submissions [data-status="accepted"]')).to_contain_text(
        texts["accepted"]
    )
    figures = EnterpriseFigures.objects.get(enterprise=enterprise, current=True)
    assert (figures.employees, figures.source) == (80, "survey")
    assert figures.export_split == {"jp": "300.0"}

    firm.goto(base + "/me/")
    expect(row).to_have_attribute("data-status", "accepted")
