"""The whole self-service loop in a browser: edit, publish at once, review, outcome."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import MembershipFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-2026"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US"}


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    # Staff land on the review queue, everyone else on their account page.
    page.wait_for_url(re.compile(r".*/(me|review)/$"))


def test_edit_review_publish_loop(live_server, browser, page, console_errors):
    base = live_server.url
    membership = MembershipFactory(
        user__username="firm",
        enterprise__description="Old description",
        enterprise__products="swimsuits",
        enterprise__address="1 Old Road",
    )
    enterprise = membership.enterprise
    staff = StaffFactory(username="reviewer")
    public_url = f"{base}/enterprises/{enterprise.pk}/"

    # The enterprise user edits three fields, one of them low-risk.
    _login(page, base, "firm")
    page.locator(f'[data-enterprise="{enterprise.pk}"]').get_by_role(
        "link", name="Edit profile"
    ).click()
    page.locator("#id_description").fill("We make swimwear for Japan")
    page.locator("#id_products").fill("bikinis")
    page.locator("#id_address").fill("99 New Road")
    page.get_by_role("button", name="Submit changes").click()
    page.wait_for_url(base + "/me/")
    expect(page.locator(".messages")).to_contain_text("waiting for staff")
    pending = page.locator('[data-change-request][data-status="open"]')
    expect(pending.locator('[data-field="products"]')).to_have_attribute(
        "data-status", "pending"
    )

    # The public sees the low-risk change at once, the others not yet.
    visitor = browser.new_context(locale="en-US")
    public = visitor.new_page()
    public.goto(public_url)
    article = public.locator("article.enterprise")
    expect(article).to_contain_text("We make swimwear for Japan")
    expect(article).to_contain_text("swimsuits")
    expect(article).to_contain_text("1 Old Road")
    expect(article).not_to_contain_text("bikinis")
    expect(article).not_to_contain_text("99 New Road")

    # Staff accept one field and reject the other with a comment.
    reviewer = browser.new_context(locale="en-US")
    staff_page = reviewer.new_page()
    _login(staff_page, base, staff.username)
    staff_page.goto(base + "/review/")
    row = staff_page.locator(f'#queue tr[data-enterprise="{enterprise.pk}"]')
    row.get_by_role("link", name="Review").click()
    decisions = staff_page.locator("#decisions")
    decisions.locator('tr[data-field="products"]').get_by_label("Accept").check()
    address = decisions.locator('tr[data-field="address"]')
    address.get_by_label("Reject").check()
    address.locator("textarea").fill("Please give the registered address")
    staff_page.get_by_role("button", name="Save decisions").click()
    staff_page.wait_for_url(base + "/review/")
    expect(staff_page.locator("#queue")).to_contain_text("Nothing is waiting")

    # The public page shows exactly the accepted value.
    public.reload()
    expect(article).to_contain_text("bikinis")
    expect(article).to_contain_text("1 Old Road")
    expect(article).not_to_contain_text("99 New Road")
    expect(article).to_contain_text("We make swimwear for Japan")

    # The enterprise user sees the outcome of each field.
    page.goto(base + "/me/")
    decided = page.locator(f'[data-enterprise="{enterprise.pk}"] [data-change-request]')
    expect(decided.locator('tr[data-field="products"]')).to_have_attribute(
        "data-status", "accepted"
    )
    rejected = decided.locator('tr[data-field="address"]')
    expect(rejected).to_have_attribute("data-status", "rejected")
    expect(rejected).to_contain_text("Please give the registered address")

    # The history shows all of it.
    page.goto(f"{base}/enterprises/{enterprise.pk}/history/")
    records = page.locator("#change-records")
    expect(records.locator('tr[data-origin="self_service"]')).to_contain_text(
        "We make swimwear for Japan"
    )
    accepted = records.locator('tr[data-origin="change_request"]')
    expect(accepted).to_contain_text("bikinis")
    expect(accepted).to_contain_text("reviewer")
    expect(records).not_to_contain_text("99 New Road")
    request_rows = page.locator("[data-change-request]")
    expect(request_rows.locator('tr[data-field="address"]')).to_contain_text(
        "Please give the registered address"
    )
    visitor.close()
    reviewer.close()
    assert console_errors == []
