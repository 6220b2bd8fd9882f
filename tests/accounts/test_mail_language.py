"""Every e-mail goes out in its recipient's language (``accounts.mail``), whatever
the language of whoever caused it."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts.mail import mail_after_commit
from accounts.models import Preference
from moderation.services.claims import claim_decide, claim_submit
from tests.enterprises.uploads import pdf
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
PASSWORD = "wool-and-silk-2026"
INQUIRY = {
    "subject": "Quote for poplin",
    "message": "Please quote 5,000 m of combed cotton poplin.",
    "products": "Poplin",
    "quantity": "5,000 m",
    "consent": "on",
}


def _prefer(user, language):
    Preference.objects.update_or_create(user=user, defaults={"language": language})
    return user


def _switch(client, language):
    return client.post(reverse("set_language"), {"language": language, "next": "/"})


def _inquire(client, enterprise, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enterprises:enterprise-inquire", args=[enterprise.pk]), INQUIRY
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    return message


def test_an_inquiry_from_the_english_ui_reaches_a_chinese_reader_in_chinese(
    client, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(name="Dalian Poplin Mill")
    boss = _prefer(MembershipFactory(enterprise=firm).user, "zh-hans")
    client.force_login(UserFactory())
    _switch(client, "en")
    message = _inquire(client, firm, django_capture_on_commit_callbacks)
    assert message.to == [boss.email]
    subject = message.subject.replace(INQUIRY["subject"], "")
    assert CJK.search(subject) and "New inquiry" not in subject
    body = message.body
    for text in ("Poplin", "poplin", "Dalian Poplin Mill", "5,000 m", "http"):
        body = body.replace(text, "")
    assert CJK.search(body)
    for english in ("has a new inquiry", "Subject", "Read and answer it here"):
        assert english not in message.body


def test_an_inquiry_from_the_chinese_ui_reaches_an_english_reader_in_english(
    client, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(name="Dalian Poplin Mill")
    boss = _prefer(MembershipFactory(enterprise=firm).user, "en")
    client.force_login(UserFactory())
    _switch(client, "zh-hans")
    message = _inquire(client, firm, django_capture_on_commit_callbacks)
    assert message.to == [boss.email]
    assert message.subject == "New inquiry: Quote for poplin"
    assert "Dalian Poplin Mill has a new inquiry" in message.body
    assert "Read and answer it here:" in message.body
    assert not CJK.search(message.body)


def test_switching_the_language_while_signed_in_is_remembered(client):
    user = UserFactory()
    client.force_login(user)
    response = _switch(client, "en")
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    assert Preference.objects.get(user=user).language == "en"
    _switch(client, "zh-hans")
    assert Preference.objects.get(user=user).language == "zh-hans"
    # A language the site does not offer changes nothing.
    assert _switch(client, "fr").status_code == 302
    assert Preference.objects.get(user=user).language == "zh-hans"


def test_switching_the_language_signed_out_stores_nothing(client):
    response = _switch(client, "en")
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    assert not Preference.objects.exists()


def test_a_signup_in_english_is_mailed_and_remembered_in_english(
    client, django_capture_on_commit_callbacks
):
    _switch(client, "en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup"),
            {
                "email": "buyer@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "consent": "on",
            },
        )
    user = User.objects.get(username="buyer@example.com")
    assert Preference.objects.get(user=user).language == "en"
    (message,) = mail.outbox
    assert message.subject == "Confirm your e-mail address"
    assert not CJK.search(message.body)


def _claim(person, enterprise):
    return claim_submit(
        actor=person,
        enterprise=enterprise,
        relationship="General manager",
        uscc=enterprise.uscc or "91210000MA0QCXY1AY",
        contact_name="Wang",
        contact_phone="13800000000",
        contact_email="wang@example.com",
        proof=pdf(),
    )


@pytest.mark.parametrize(
    ("staff_language", "claimant_language"), [("zh-hans", "en"), ("en", "zh-hans")]
)
def test_a_claim_decision_goes_in_the_claimants_language(
    staff_language, claimant_language, django_capture_on_commit_callbacks
):
    enterprise = EnterpriseFactory(name="Dalian Poplin Mill")
    person = _prefer(UserFactory(), claimant_language)
    claim = _claim(person, enterprise)
    with (
        translation.override(staff_language),
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim_decide(actor=StaffFactory(), claim=claim, approve=True, reason="")
    (message,) = mail.outbox
    assert message.to == [person.email]
    if claimant_language == "en":
        assert message.subject == "Your claim on Dalian Poplin Mill"
        assert "was approved" in message.body and not CJK.search(message.body)
    else:
        assert CJK.search(message.subject) and "Your claim" not in message.subject
        assert CJK.search(message.body) and "was approved" not in message.body


def test_a_password_reset_goes_in_the_accounts_language(
    client, django_capture_on_commit_callbacks
):
    user = _prefer(UserFactory(email="reader@example.com"), "zh-hans")
    _switch(client, "en")  # an account's own language wins over the asker's
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": user.email})
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert CJK.search(message.subject) and "Reset" not in message.subject


def test_one_message_per_language_for_users_and_plain_addresses(
    django_capture_on_commit_callbacks,
):
    _prefer(UserFactory(email="Reader@Example.com"), "en")
    chinese = _prefer(UserFactory(), "zh-hans")
    with (
        translation.override("en"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        mail_after_commit(
            translation.gettext_lazy("Your claim on %(name)s"),
            "moderation/email/invitation.txt",
            {"invitation": None, "link": "https://example.com/", "days": 7},
            # A plain address of an account takes the account's language; an
            # unknown one the site's (Chinese); blanks are skipped.
            ["reader@example.com", chinese, "stranger@example.com", ""],
            params={"name": "X"},
        )
    by_to = {tuple(m.to): m.subject for m in mail.outbox}
    assert by_to == {
        ("reader@example.com",): "Your claim on X",
        tuple(sorted([chinese.email, "stranger@example.com"])): "您对X的认领",
    }
