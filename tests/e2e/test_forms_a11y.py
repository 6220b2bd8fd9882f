"""axe-core finds no WCAG 2.1 AA violation on the forms and staff pages, in both
languages, on a desktop and a phone: the edit form, the claim form, sign-up, /me/,
the dashboard, the review queue, an import, a confirmation page and the 404 page;
none of them scrolls sideways.
Also: after login staff land on the review queue, whose header link counts what
waits; a destructive action asks to confirm on its own page."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from enterprises.models import ChangeRecord
from enterprises.services import enterprise_update
from imports.jobs import import_job_check, import_job_create
from moderation.services.changes import change_request_submit
from tests.e2e.axe import axe_violations
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.imports.helpers import csv_bytes, row, uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
COMBOS = [(DESKTOP, "en"), (PHONE, "en"), (DESKTOP, "zh-hans"), (PHONE, "zh-hans")]
IDS = ["desktop-en", "phone-en", "desktop-zh", "phone-zh"]
PASSWORD = "pw-for-tests-2026"


def _as(page, base, user, language):
    """Browse as ``user`` (None: a visitor) in ``language``."""
    page.context.clear_cookies()
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}
        )
    page.context.add_cookies(cookies)


def _check(page, url):
    page.goto(url)
    assert axe_violations(page) == [], url
    # Nothing wider than the screen: a phone never scrolls sideways (wide tables
    # scroll inside their own box).
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    ), f"{url} scrolls sideways"


@pytest.mark.parametrize(("viewport", "language"), COMBOS, ids=IDS)
def test_forms_and_staff_pages_have_no_axe_violations(
    live_server, page, console_errors, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    staff = StaffFactory()
    member = MembershipFactory(enterprise__employee_band="20-99")
    unclaimed = EnterpriseFactory()
    change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"moq": "500件"}
    )
    record = enterprise_update(
        actor=staff,
        enterprise=member.enterprise,
        changes={"employee_band": "100-299"},
        origin=ChangeRecord.Origin.STAFF,
    )
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name="无障碍企业有限公司", uscc=uscc(81))]),
        file_name="a11y.csv",
        enqueue=False,
    )
    job = import_job_check(job_id=job.pk)
    edit = f"{base}/enterprises/{member.enterprise.pk}/edit/"

    _as(page, base, None, language)
    _check(page, f"{base}/accounts/signup/")
    _check(page, f"{base}/accounts/login/")
    _check(page, f"{base}/accounts/password_reset/")
    _check(page, f"{base}/no-such-page/")
    # The browser reports the page's own 404 status; nothing else may fail.
    assert [e for e in console_errors if "404" not in e] == []
    console_errors.clear()

    _as(page, base, member.user, language)
    _check(page, edit)
    _check(page, f"{base}/me/")
    _check(page, f"{base}/accounts/password_change/")

    _as(page, base, UserFactory(), language)
    _check(page, f"{base}/enterprises/{unclaimed.pk}/claim/")

    _as(page, base, staff, language)
    _check(page, f"{base}/review/")
    expect(page.locator("[data-review-link] [data-pending]")).to_have_attribute(
        "data-pending", "1"
    )
    _check(page, f"{base}/dashboard/")
    _check(page, f"{base}/imports/")
    _check(page, f"{base}/imports/{job.pk}/")
    _check(page, f"{base}/enterprises/{member.enterprise.pk}/history/")
    _check(
        page,
        f"{base}/enterprises/{member.enterprise.pk}/history/{record.pk}/revert/",
    )
    assert console_errors == []


def test_staff_land_on_the_review_queue_and_revert_with_a_reason(
    live_server, page, console_errors
):
    base = live_server.url
    staff = StaffFactory()
    staff.set_password(PASSWORD)
    staff.save()
    enterprise = EnterpriseFactory(employee_band="20-99")
    enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"employee_band": "100-299"},
        origin=ChangeRecord.Origin.STAFF,
    )
    _as(page, base, None, "en")
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(staff.username.upper())  # any case
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/review/$"))

    page.goto(f"{base}/enterprises/{enterprise.pk}/history/")
    row_ = page.locator("#change-records tbody tr").first
    expect(row_).to_contain_text("20–99 employees")
    row_.locator("[data-revert]").click()
    page.wait_for_url(re.compile(r".*/revert/$"))
    # Without a reason: refused, the error summary says why, nothing changed.
    page.locator("[data-confirm-button]").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.locator("#id_reason").fill("Typed into the wrong row")
    page.locator("[data-confirm-button]").click()
    page.wait_for_url(re.compile(r".*/history/$"))
    expect(page.locator("[data-reason]").first).to_contain_text(
        "Typed into the wrong row"
    )
    enterprise.refresh_from_db()
    assert enterprise.employee_band == "20-99"

    page.locator('form[action$="/accounts/logout/"] button').click()
    expect(page.locator(".messages")).to_contain_text("You have logged out.")
    assert console_errors == []


@pytest.mark.parametrize(("viewport", "language"), COMBOS, ids=IDS)
def test_a_failed_edit_shows_a_focused_summary_whose_links_reach_the_fields(
    live_server, page, console_errors, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    member = MembershipFactory()
    _as(page, base, member.user, language)
    page.goto(f"{base}/enterprises/{member.enterprise.pk}/edit/")
    page.locator("#id_contact_email").fill("not-an-address")
    page.locator("#id_cert-0-scheme").select_option("gots")
    page.locator("#id_cert-0-valid_from").fill("2027-01-01")
    page.locator("#id_cert-0-valid_until").fill("2026-01-01")
    page.locator("form.profile-form button[type=submit]").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    english = language == "en"
    expect(summary).to_contain_text(
        "Please correct the following:" if english else "请更正以下内容："
    )
    assert axe_violations(page) == []

    summary.locator('a[href="#id_contact_email"]').click()
    expect(page.locator("#id_contact_email")).to_be_focused()
    expect(page.locator('label[for="id_contact_email"]')).to_be_in_viewport(ratio=1)
    summary.locator('a[href="#id_cert-0-valid_until"]').click()
    expect(page.locator("#id_cert-0-valid_until")).to_be_focused()
    assert ChangeRecord.objects.count() == 0
    assert console_errors == []
