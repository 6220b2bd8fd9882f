import re
import time
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Consent
from accounts.signup import LINK_DAYS, SIGNUPS_PER_ADDRESS, SIGNUPS_PER_EMAIL
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "wool-and-silk-2026"


def _signup(client, email="new@example.com", **extra):
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
        **extra,
    }
    return client.post(reverse("signup") + extra.pop("query", ""), data)


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/signup/confirm/\S+/", message.body)[0]


def test_signup_mails_a_link_that_activates_logs_in_and_continues(
    client, django_capture_on_commit_callbacks
):
    enterprise = EnterpriseFactory()
    claim_url = reverse("enterprises:enterprise-claim", args=[enterprise.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, "New@Example.com", next=claim_url)
    assert response.status_code == 200
    assert "new@example.com" in response.content.decode()
    user = User.objects.get(username="new@example.com")
    assert not user.is_active
    assert Consent.objects.get(user=user).purpose == "signup"
    # An inactive account cannot log in yet.
    assert not client.login(username="new@example.com", password=PASSWORD)

    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    link = _link(message)
    # Opening the link (a mail scanner may) activates nothing; the button does.
    assert client.get(link).status_code == 200
    assert not User.objects.get(username="new@example.com").is_active
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == claim_url
    user.refresh_from_db()
    assert user.is_active
    assert client.get(claim_url).status_code == 200  # logged in
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_link_expires(client, django_capture_on_commit_callbacks):
    then = time.time() - (LINK_DAYS * 86400 + 60)
    with (
        mock.patch("django.core.signing.time.time", return_value=then),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _signup(client)
    response = client.post(_link(mail.outbox[0]))
    assert response.status_code == 400
    assert not User.objects.get(username="new@example.com").is_active


def test_a_tampered_link_and_an_unsafe_next_are_refused(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, next="https://evil.example/")
    link = _link(mail.outbox[0])
    assert client.post(link[:-3] + "xx/").status_code == 400
    response = client.post(link)
    assert response["Location"] == reverse("me")


def test_bad_input_changes_nothing_and_says_why(client):
    response = _signup(client, "not-an-address", consent="")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"email", "consent"}
    assert "data-error-summary" in response.content.decode()
    response = client.post(
        reverse("signup"),
        {
            "email": "a@example.com",
            "password1": "12345678",
            "password2": "12345678",
            "consent": "on",
        },
    )
    assert "password1" in response.context["form"].errors
    response = client.post(
        reverse("signup"),
        {
            "email": "a@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
            "consent": "on",
        },
    )
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()
    assert mail.outbox == []


def test_an_existing_address_gets_a_note_not_a_second_account(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="old@example.com", email="old@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, "OLD@example.com")
    # The page is the same as for a new address: it does not tell.
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="old@example.com").count() == 1
    (message,) = mail.outbox
    assert "/accounts/password_reset/" in message.body
    assert "/accounts/signup/confirm/" not in message.body


def test_signups_are_throttled_per_address_and_per_email(client):
    for _n in range(SIGNUPS_PER_EMAIL):
        assert _signup(client, "same@example.com").status_code == 200
    response = _signup(client, "same@example.com")
    (error,) = response.context["form"].non_field_errors().as_data()
    assert error.code == "throttled"
    assert len(mail.outbox) == 0  # no mail callbacks ran, and none was queued
    # A refused attempt is not counted: 3 of the address's 10 are used.
    for n in range(SIGNUPS_PER_ADDRESS - SIGNUPS_PER_EMAIL):
        _signup(client, f"other{n}@example.com")
    response = _signup(client, "fresh@example.com")
    assert response.context["form"].non_field_errors()
    assert not User.objects.filter(username="fresh@example.com").exists()


def test_login_page_offers_sign_up_with_next(client):
    response = client.get(reverse("login") + "?next=/enterprises/1/claim/")
    assert (
        reverse("signup") + "?next=/enterprises/1/claim/"
    ) in response.content.decode()


def test_sign_up_without_a_client_address_is_counted_per_email():
    from accounts.signup import signup_start

    for _n in range(SIGNUPS_PER_EMAIL):
        signup_start(
            email="x@example.com",
            password=PASSWORD,
            address="",
            next_url="",
            site_url="http://testserver/",
        )
    with pytest.raises(ValidationError):
        signup_start(
            email="x@example.com",
            password=PASSWORD,
            address="",
            next_url="",
            site_url="http://testserver/",
        )
