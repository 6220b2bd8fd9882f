"""New people's journeys in a browser, on a desktop and a phone, in both languages,
with axe-core: sign-up -> claim -> approval -> badge; an inquiry and its answer;
the home page."""

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from inquiries.models import Inquiry
from moderation.models import Claim
from moderation.services.claims import claim_decide
from tests.e2e.axe import axe_violations
from tests.enterprises.uploads import pdf_bytes
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw-for-tests-2026"
NEW_PASSWORD = "wool-and-silk-2026"


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    ), "the page scrolls sideways"


def _set_language(page, base: str, language: str) -> None:
    page.goto(base + "/")
    button = page.locator(f'.lang-switch button[value="{language}"]')
    if button.count():
        button.click()
        page.wait_for_load_state()


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/me/$"))


@pytest.mark.parametrize(
    "viewport,language",
    [(PHONE, "zh-hans"), (DESKTOP, "en")],
    ids=["phone-zh", "desktop-en"],
)
def test_sign_up_claim_approval_badge(
    live_server, page, console_errors, tmp_path, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    enterprise = EnterpriseFactory(uscc="91210000MA0QCXY1AY")
    staff = StaffFactory()
    _set_language(page, base, language)
    english = language == "en"

    # A visitor finds the firm and is offered the claim.
    page.goto(f"{base}/enterprises/{enterprise.pk}/")
    _no_horizontal_scroll(page)
    assert axe_violations(page) == []
    claim = page.locator("[data-claim]")
    expect(claim).to_be_visible()
    claim.get_by_role("link").click()

    # Through the login page to sign-up, keeping where they were going.
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=.*claim.*"))
    page.locator("[data-signup-link]").click()
    page.wait_for_url(re.compile(r".*/accounts/signup/\?next=.*"))
    # A failed submit: the error summary takes the focus and links the fields.
    page.locator("#id_email").fill("not-an-address")
    page.locator("form.form button[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator('a[href="#id_email"]')).to_be_visible()
    expect(summary.locator('a[href="#id_consent"]')).to_be_visible()
    assert axe_violations(page) == []

    page.locator("#id_email").fill("firm@example.com")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.locator("#id_consent").check()
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("[data-signup-sent]")).to_contain_text("firm@example.com")

    link = re.search(r"http\S+/accounts/signup/confirm/\S+/", mail.outbox[-1].body)[0]
    page.goto(link)
    assert axe_violations(page) == []
    page.locator("[data-confirm-signup]").click()
    page.wait_for_url(re.compile(rf".*/enterprises/{enterprise.pk}/claim/$"))

    # The claim form.
    proof = Path(tmp_path) / "licence.pdf"
    proof.write_bytes(pdf_bytes())  # a real one-page PDF: fakes are refused
    page.locator("form.form button[type=submit]").click()  # empty: errors first
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert axe_violations(page) == []
    page.locator("#id_relationship").fill("General manager" if english else "总经理")
    page.locator("#id_uscc").fill("91210000MA0QCXY1AY")
    page.locator("#id_contact_name").fill("Wang Li" if english else "王丽")
    page.locator("#id_contact_phone").fill("13800000000")
    page.locator("#id_proof").set_input_files(str(proof))
    page.locator("#id_consent").check()
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/me/$"))
    status = page.locator('#my-claims tr[data-status="pending"]')
    expect(status).to_contain_text("Pending" if english else "待审核")
    _no_horizontal_scroll(page)
    assert axe_violations(page) == []

    # Staff approve; the entry now shows it is claimed, and offers no claim.
    claim_decide(actor=staff, claim=Claim.objects.get(), approve=True, reason="")
    page.goto(f"{base}/enterprises/{enterprise.pk}/")
    expect(page.locator('[data-badge="claimed"]')).to_have_text(
        "Claimed" if english else "已认领"
    )
    expect(page.locator("[data-claim]")).to_have_count(0)
    page.goto(base + "/me/")
    expect(page.locator('#my-claims tr[data-status="approved"]')).to_be_visible()
    assert console_errors == []


@pytest.mark.parametrize(
    "viewport,language",
    [(DESKTOP, "en"), (PHONE, "zh-hans")],
    ids=["desktop-en", "phone-zh"],
)
def test_an_inquiry_and_its_answer(
    live_server, browser, page, console_errors, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    firm = MembershipFactory(
        user__username="firm",
        enterprise__contact_phone="0411-5550199",
        enterprise__contact_email="hidden-sales@example.com",
    )
    UserFactory(username="buyer")
    _set_language(page, base, language)
    _login(page, base, "buyer")

    page.goto(f"{base}/enterprises/{firm.enterprise_id}/")
    page.locator("[data-inquire]").click()
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert axe_violations(page) == []
    page.locator("#id_subject").fill("Poplin, 5,000 m")
    page.locator("#id_message").fill(
        "Please quote 5,000 metres of combed cotton poplin."
    )
    page.locator("#id_products").fill("combed cotton poplin")
    page.locator("#id_quantity").fill("5,000 m")
    page.locator("#id_consent").check()
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/inquiries/\d+/$"))
    expect(page.locator("[data-no-replies]")).to_be_visible()
    assert mail.outbox[-1].to == [firm.user.email]

    # The firm answers from /me/.
    firm_context = browser.new_context(locale="zh-CN", viewport=viewport)
    firm_page = firm_context.new_page()
    _login(firm_page, base, "firm")
    inquiry = Inquiry.objects.get()
    firm_page.locator(f'#inquiries [data-inquiry="{inquiry.pk}"] a').click()
    firm_page.locator("#id_message").fill("12 yuan a metre, 20 days.")
    firm_page.locator("form.form button[type=submit]").click()
    expect(firm_page.locator('[data-reply][data-from="enterprise"]')).to_be_visible()
    firm_context.close()

    page.reload()
    reply = page.locator('[data-reply][data-from="enterprise"]')
    expect(reply).to_contain_text("12 yuan a metre")
    body = page.locator("body").inner_text()
    assert "0411-5550199" not in body and "hidden-sales@example.com" not in body
    _no_horizontal_scroll(page)
    assert axe_violations(page) == []
    assert console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_home_shows_the_industry(live_server, page, console_errors, viewport, language):
    base = live_server.url
    page.set_viewport_size(viewport)
    ClusterFactory(name="兴城泳装产业集群", name_en="Xingcheng Swimwear Cluster")
    EnterpriseFactory.create_batch(2)
    _set_language(page, base, language)
    page.goto(base + "/")
    expect(page.locator("[data-home-clusters] li")).to_have_count(1)
    expect(page.locator("#liaoning-map")).to_have_attribute(
        "data-regions", re.compile("1[0-9]")
    )
    expect(page.locator("[data-pitch]")).to_have_attribute("lang", "en")
    _no_horizontal_scroll(page)
    assert axe_violations(page) == []
    assert console_errors == []
