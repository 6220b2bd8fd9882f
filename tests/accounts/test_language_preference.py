"""/me/ shows the language the site stores for the user (for its e-mail and its
pages) and lets them change it: the pages switch with it; anything but one of the
site's languages is refused with a message in the reader's language and changes
nothing."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Preference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
SELECTED = re.compile(r'<option value="([^"]+)"[^>]*selected')


def _language_section(page: str) -> str:
    start = page.index('<section id="language"')
    return page[start : page.index("</section>", start)]


def _save(client, language, **headers):
    return client.post(
        reverse("me-language"),
        {"language": language, "next": reverse("me") + "#language"},
        **headers,
    )


def test_me_shows_the_stored_language_in_the_readers_language(client):
    user = UserFactory()
    Preference.objects.create(user=user, language="en")
    client.force_login(user)
    en = _language_section(
        client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "Language for e-mail and the site" in en
    assert SELECTED.findall(en) == ["en"]
    assert HAN.findall(en) == []
    zh = _language_section(
        client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "邮件和网站使用的语言" in zh and "简体中文" in zh and "英文" in zh
    assert SELECTED.findall(zh) == ["en"]  # the stored one, not the page's
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", "", zh))


def test_without_a_stored_language_the_pages_one_is_chosen(client):
    client.force_login(UserFactory())
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SELECTED.findall(_language_section(page)) == ["en"]


def test_changing_it_stores_it_and_switches_the_pages(client):
    user = UserFactory()
    Preference.objects.create(user=user, language="zh-hans")
    client.force_login(user)
    response = _save(client, "en", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    assert response["Location"] == reverse("me") + "#language"
    assert Preference.objects.get(user=user).language == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The next page is English (the cookie wins over the browser's Chinese), and
    # says it was saved, in English.
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="en"' in page
    assert "Saved: the site and its e-mail to you are now in this language." in page
    _save(client, "zh-hans")
    assert Preference.objects.get(user=user).language == "zh-hans"
    page = client.get(reverse("me")).content.decode()
    assert "已保存：网站和发给您的邮件现在使用此语言。" in page


@pytest.mark.parametrize("bad", ["fr", "", "en-x" * 100])
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Choose one of the site's languages."),
        ("zh-hans", "请选择本站提供的一种语言。"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    client, bad, language, message
):
    user = UserFactory()
    Preference.objects.create(user=user, language=language)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = _save(client, bad)
    assert response.status_code == 302
    assert Preference.objects.get(user=user).language == language
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert message in page


def test_only_a_signed_in_post_changes_it(client):
    url = reverse("me-language")
    response = client.post(url, {"language": "en"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Preference.objects.exists()
    client.force_login(UserFactory())
    assert client.get(url).status_code == 405
    assert not Preference.objects.exists()
