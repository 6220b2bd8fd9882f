"""The site's own error pages (404, 403, 400, 500, a refused form), in both
languages, with search and navigation; with DEBUG on, Django's technical 404 (the
URL list) only for staff."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

MISSING = "/no-such-page/"


def _assert_branded_404(response, language):
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-error="404"' in html
    assert 'id="error-q"' in html  # a search box
    assert reverse("enterprises:enterprise-list") in html
    assert "URLconf" not in html and "DEBUG = True" not in html
    assert ("Page not found" in html) == (language == "en")
    assert ("找不到" in html or "页面不存在" in html) == (language != "en")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_missing_page_is_branded_for_visitors(client, debug, language):
    with override_settings(DEBUG=debug):
        response = client.get(MISSING, HTTP_ACCEPT_LANGUAGE=language)
    _assert_branded_404(response, language)


@pytest.mark.parametrize("debug", [False, True])
def test_missing_object_is_branded_for_signed_in_users(client, debug):
    client.force_login(UserFactory())
    with override_settings(DEBUG=debug):
        # A staff page: a 404 raised by the view (not the URL resolver).
        response = client.get(reverse("review"), HTTP_ACCEPT_LANGUAGE="en")
        missing = client.get(
            reverse("enterprises:enterprise-detail", args=[999999]),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    _assert_branded_404(response, "en")
    _assert_branded_404(missing, "en")


def test_staff_get_the_sites_404_in_the_running_demo_too(client):
    # make run serves with DEBUG on, and its demo logins include staff
    client.force_login(StaffFactory())
    with override_settings(DEBUG=True):
        response = client.get(MISSING)
    assert response.status_code == 404
    html = response.content.decode()
    assert "URLconf" not in html and 'id="error-q"' in html


def test_missing_slash_still_redirects(client):
    with override_settings(DEBUG=True):
        response = client.get("/about")
    assert response.status_code == 301 and response["Location"] == "/about/"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_refused_form_gets_the_sites_page(db, language):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("signup"), {"email": "a@example.com"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error="csrf"' in html and 'id="error-q"' in html
    assert ("The form has expired" in html) == (language == "en")


@override_settings(DEBUG=False)
def test_server_error_page_is_branded(db):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        html = render_to_string("500.html")
    assert "Something went wrong" in html and 'id="error-q"' in html
    with translation.override("zh-hans"):
        html = render_to_string("500.html")
    assert "Something went wrong" not in html and "辽宁" in html


def test_forbidden_page_is_branded(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django.views.defaults import permission_denied

    request = rf.get("/x/")
    request.user = AnonymousUser()
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403 and 'data-error="403"' in html
    assert "Not allowed" in html and 'id="error-q"' in html
