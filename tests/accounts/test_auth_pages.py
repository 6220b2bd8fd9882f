"""Login, logout, password reset and change use the site's own pages and e-mails
(never the admin's "Django 站点管理员"); the e-mail address logs in whatever its
case; staff land on the review queue, with a count of what waits in the header."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from moderation.context_processors import PENDING_CACHE_KEY
from moderation.services.changes import change_request_submit
from tests.factories import MembershipFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Sx7-long-enough-pw"
ADMIN_MARKS = ("Django 站点管理员", "Django site admin", "Django administration")


def _own_page(response, language="en"):
    html = response.content.decode()
    assert not any(mark in html for mark in ADMIN_MARKS), html[:400]
    assert 'class="site-header"' in html
    return html


def _person(email="Wang@Example.com"):
    user = UserFactory(username=email.lower(), email=email.lower())
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_auth_pages_are_the_sites_own(client, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    for name in ("login", "password_reset", "password_reset_done"):
        _own_page(client.get(reverse(name), **headers), language)
    bad_link = reverse("password_reset_confirm", args=["MQ", "bad-token"])
    _own_page(client.get(bad_link, **headers), language)
    _own_page(client.get(reverse("password_reset_complete"), **headers), language)
    client.force_login(_person())
    _own_page(client.get(reverse("password_change"), **headers), language)
    _own_page(client.get(reverse("password_change_done"), **headers), language)


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Choose a new password"), ("zh-hans", "密码")]
)
def test_password_reset_mail_has_text_and_html_in_the_askers_language(
    client, language, words
):
    user = _person()
    response = client.post(
        reverse("password_reset"),
        {"email": "WANG@example.com"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [user.email]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert words in html
    assert ("password" in message.body.lower()) == (language == "en")
    assert not any(mark in message.body + html for mark in ADMIN_MARKS)
    # The link in the mail works, on the site's own page, to its end.
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    page = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    _own_page(page, language)
    response = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link,
        {"new_password1": "An0ther-long-pw", "new_password2": "An0ther-long-pw"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    _own_page(response, language)
    assert client.login(username=user.username, password="An0ther-long-pw")


@pytest.mark.parametrize(
    "typed", ["wang@example.com", "WANG@Example.COM", " Wang@example.com "]
)
def test_login_ignores_the_case_of_the_address(client, typed):
    user = _person()
    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("me")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_still_fails_in_any_case(client):
    _person()
    response = client.post(
        reverse("login"), {"username": "WANG@example.com", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signup_cannot_make_a_second_account_in_another_case(client):
    _person("wang@example.com")
    client.post(
        reverse("signup"),
        {
            "email": "WANG@EXAMPLE.COM",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "consent": "on",
        },
    )
    assert User.objects.filter(email__iexact="wang@example.com").count() == 1


def test_logout_says_so(client):
    client.force_login(_person())
    response = client.post(reverse("logout"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "You have logged out." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_land_on_the_review_queue_with_the_pending_count(client):
    staff = StaffFactory()
    staff.set_password(PASSWORD)
    staff.save()
    member = MembershipFactory()
    change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"moq": "500件"}
    )
    response = client.post(
        reverse("login"), {"username": staff.username, "password": PASSWORD}
    )
    assert response["Location"] == reverse("review")
    page = client.get(reverse("review")).content.decode()
    assert 'data-pending="1"' in page


def test_a_safe_next_wins_over_the_staff_landing(client):
    staff = StaffFactory()
    staff.set_password(PASSWORD)
    staff.save()
    response = client.post(
        reverse("login") + "?next=/imports/",
        {"username": staff.username, "password": PASSWORD, "next": "/imports/"},
    )
    assert response["Location"] == "/imports/"


def test_pending_count_is_one_cached_query(client, django_assert_num_queries):
    from django.core.cache import cache

    from moderation.context_processors import review_pending_count

    cache.delete(PENDING_CACHE_KEY)
    with django_assert_num_queries(1):
        assert review_pending_count() == 0
    with django_assert_num_queries(0):
        assert review_pending_count() == 0


def test_others_see_no_pending_count(client):
    client.force_login(UserFactory())
    assert "data-pending" not in client.get(reverse("me")).content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_site_carries_the_sites_name(client, language):
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert not any(mark in html for mark in ADMIN_MARKS)
    expected = "Liaoning Textile Directory" if language == "en" else "辽宁纺织"
    assert expected in html
