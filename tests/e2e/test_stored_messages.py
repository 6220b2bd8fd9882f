"""In a browser, on a desktop and a phone, in both languages, with axe-core: /me/
shows the stored language and changing it switches the site; the reasons the
site wrote into the history and an import's message read in the reader's
language, with no word of the other language."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import Preference
from enterprises.provenance import enterprise_verify
from imports.jobs import import_job_check, import_job_create
from moderation.services.confirmations import enterprise_confirm
from tests.e2e.axe import axe_violations
from tests.e2e.test_forms_a11y import COMBOS, IDS, _as
from tests.factories import MembershipFactory, StaffFactory
from tests.imports.helpers import csv_bytes, row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
OTHER = {"en": "zh-hans", "zh-hans": "en"}


def _pure(text: str, language: str) -> None:
    """No word of the other language in what the site wrote."""
    if language == "en":
        assert HAN.findall(text) == [], text
    else:
        assert LATIN_WORD.findall(text) == [], text


@pytest.mark.parametrize(("viewport", "language"), COMBOS, ids=IDS)
def test_me_language_history_reasons_and_import_message(
    live_server, page, console_errors, viewport, language
):
    base = live_server.url
    page.set_viewport_size(viewport)
    member = MembershipFactory()
    staff = StaffFactory()
    # Written while the other language was active: read in the reader's.
    with translation.override(OTHER[language]):
        enterprise_confirm(actor=member.user, enterprise=member.enterprise)
        enterprise_verify(actor=staff, enterprise=member.enterprise)
        job = import_job_create(
            actor=staff,
            kind="enterprises",
            data=csv_bytes([row(name="", region="999999")]),
            file_name="bad.csv",
            language=OTHER[language],
            enqueue=False,
        )
        job = import_job_check(job_id=job.pk)
    Preference.objects.create(user=member.user, language=language)

    _as(page, base, member.user, language)
    page.goto(f"{base}/enterprises/{member.enterprise.pk}/history/")
    reasons = page.locator("#change-records [data-reason]")
    expect(reasons).to_have_count(2)
    for text in reasons.all_inner_texts():
        _pure(text, language)
    expect(reasons.first).to_contain_text(
        "Verified by the association." if language == "en" else "已由协会核实。"
    )

    page.goto(f"{base}/me/")
    expect(page.locator("[data-reason]").first).to_contain_text(
        "Verified by the association." if language == "en" else "已由协会核实。"
    )
    section = page.locator("#language")
    _pure(section.inner_text(), language)
    select = section.get_by_label(
        "Language for e-mail and the site"
        if language == "en"
        else "邮件和网站使用的语言"
    )
    expect(select).to_have_value(language)
    assert axe_violations(page) == []
    # Switch to the other language: the site follows, and says so in it.
    select.select_option(OTHER[language])
    section.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute(
        "lang", re.compile("^en" if OTHER[language] == "en" else "^zh")
    )
    expect(page.locator(".messages")).to_contain_text(
        "Saved: the site and its e-mail to you are now in this language."
        if OTHER[language] == "en"
        else "已保存：网站和发给您的邮件现在使用此语言。"
    )
    expect(page.locator("#language select")).to_have_value(OTHER[language])
    assert Preference.objects.get(user=member.user).language == OTHER[language]

    _as(page, base, staff, language)
    page.goto(f"{base}/imports/{job.pk}/")
    message = page.locator("#job-message")
    expect(message).to_contain_text(
        "1 row(s) have errors (rows 2)" if language == "en" else "1 行有错误（第 2 行）"
    )
    _pure(message.inner_text(), language)
    assert axe_violations(page) == []
    page.goto(f"{base}/imports/")
    listed = page.locator(f'tr[data-job="{job.pk}"] [data-message]')
    expect(listed).to_contain_text(
        "1 row(s) have errors (rows 2)" if language == "en" else "1 行有错误（第 2 行）"
    )
    _pure(listed.inner_text(), language)
    assert axe_violations(page) == []
    assert console_errors == []
