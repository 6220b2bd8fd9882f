import pytest
from django.urls import reverse

from demo.models import DemoDataset
from tests.factories import ClusterFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_home_shows_headline_figures(client):
    ClusterFactory()
    EnterpriseFactory.create_batch(3)
    EnterpriseFactory(published=False)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="clusters">1<' in html
    # Visitors count published enterprises only.
    assert 'data-figure="enterprises">3<' in html


def test_home_is_chinese_by_default_and_english_on_request(client):
    response = client.get("/")
    assert '<html lang="zh-CN">' in response.content.decode()
    assert "辽宁纺织名录" in response.content.decode()
    response = client.get("/", headers={"accept-language": "en"})
    assert '<html lang="en">' in response.content.decode()
    assert "Liaoning Textile Directory" in response.content.decode()


def test_language_switch_persists_in_a_cookie(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/clusters/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/clusters/"
    assert client.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_every_page_has_a_self_only_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    html = response.content.decode()
    # Nothing loaded from another origin.
    for attr in ('src="//', 'src="http://', 'src="https://'):
        assert attr not in html
    assert "stylesheet" in html and 'href="/static/' in html


def test_demo_banner_only_with_demo_data(client):
    assert "demo-banner" not in client.get("/").content.decode()
    DemoDataset.objects.create(seed=1, enterprises=0)
    from django.core.cache import cache

    cache.clear()
    assert "demo-banner" in client.get("/").content.decode()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_navigation_reaches_every_section(client):
    html = client.get("/").content.decode()
    for url in [
        "/enterprises/",
        "/clusters/",
        "/colleges/",
        "/markets/",
        "/programmes/",
        "/events/",
    ]:
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200


def test_login_and_logout(client, user):
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "pw-for-tests-2026"}
    )
    assert response.status_code == 302
    assert user.username in client.get("/").content.decode()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "/accounts/login/" in client.get("/me/")["Location"]


def test_admin_is_for_staff(client, staff, user):
    assert client.get("/admin/").status_code == 302
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
