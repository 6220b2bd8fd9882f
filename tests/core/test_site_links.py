"""The base template's addresses (core.templatetags.site_links), worked out once a
process, are those {% url %} and {% static %} give, under whatever address the
site is mounted at."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_header_and_footer_links_follow_the_address_the_site_is_mounted_at(
    client,
):
    from django.urls import set_script_prefix

    plain = client.get("/about/").content.decode()  # (kept for "/")
    set_script_prefix("/directory/")  # what a server mounting it there sets
    try:
        mounted = client.get("/about/").content.decode()
    finally:
        set_script_prefix("/")
    for path in ("/enterprises/", "/clusters/", "/accounts/login/", "/privacy/"):
        assert f'href="{path}' in plain
        assert f'href="/directory{path}' in mounted
        assert f'href="/directory{path}' not in plain
    assert 'href="/enterprises/"' in client.get("/about/").content.decode()


def test_the_assets_are_those_static_gives(client, settings):
    from django.templatetags.static import static

    html = client.get("/about/").content.decode()
    for path in ("directory/site.css", "directory/site.js", "directory/favicon.svg"):
        assert f'="{static(path)}"' in html
    settings.STATIC_URL = "/assets/"
    html = client.get("/about/").content.decode()
    assert '="/assets/directory/site.css"' in html
