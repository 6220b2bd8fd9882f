"""Visitors' pages and API reads come whole from the page cache (core/pagecache.py)
and are never stale: every committed write of a table visitors see moves the
database's generation on, so the next request rebuilds. A signed-in user never
gets a cached page, and no cached copy carries another visitor's CSRF token or
CSP nonce. Transactional tests: the generation is about commits."""

import re

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import pagecache
from enterprises.services import enterprise_update
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "0411-88886666"


@pytest.fixture(autouse=True)
def cached(settings):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()


def visit(client, path, language="zh-hans", **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response, len(queries)


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/", "detail", "/enterprises/?q=泳装", "/api/v1/enterprises/?q=泳装", "api"],
)
def test_a_second_visit_costs_one_query(client, path):
    enterprise = EnterpriseFactory(name="大连泳装有限公司", products="泳装、比基尼")
    path = {
        "detail": enterprise.get_absolute_url(),
        "api": f"/api/v1/enterprises/{enterprise.pk}/",
    }.get(path, path)
    first, built = visit(client, path)
    second, served = visit(client, path)
    # The generation; for the API also the throttle's counter (a hit counts).
    assert served == (2 if path.startswith("/api/") else 1) < built, (built, served)
    if path != "/":
        assert "比基尼" in text(second)


def test_an_edit_through_the_services_shows_on_the_next_request(client):
    enterprise = EnterpriseFactory(name="大连泳装有限公司", products="泳装")
    pages = [
        enterprise.get_absolute_url(),
        "/enterprises/?q=泳装",
        f"/api/v1/enterprises/{enterprise.pk}/",
        "/api/v1/enterprises/?q=泳装",
    ]
    for path in pages:
        visit(client, path)
    enterprise_update(
        actor=StaffFactory(),
        enterprise=enterprise,
        changes={"products": "泳装、冲锋衣"},
        origin="staff",
    )
    for path in pages:
        page, _ = visit(client, path)
        assert "冲锋衣" in text(page), path


def test_a_write_of_a_related_row_by_any_writer_shows_at_once(client):
    """The trigger catches every writer, not only the services: a cluster renamed
    with a plain UPDATE shows on a cached enterprise page."""
    cluster = ClusterFactory(name="兴城泳装产业集群")
    enterprise = EnterpriseFactory()
    enterprise.clusters.add(cluster)
    path = enterprise.get_absolute_url()
    assert "兴城泳装产业集群" in text(visit(client, path)[0])
    type(cluster).objects.filter(pk=cluster.pk).update(name="葫芦岛泳装产业集群")
    assert "葫芦岛泳装产业集群" in text(visit(client, path)[0])


def test_nothing_is_kept_while_a_write_is_in_flight(client):
    """A page built while another transaction has written (not yet committed) is
    served but not kept: once that transaction commits, the next request shows
    its change."""
    enterprise = EnterpriseFactory(products="泳装")
    path = enterprise.get_absolute_url()
    writer = connection.get_new_connection(connection.get_connection_params())
    try:
        writer.autocommit = False
        writer.execute(
            "UPDATE enterprises_enterprise SET products = %s WHERE id = %s",
            ["冲锋衣", enterprise.pk],
        )
        during, _ = visit(client, path)
        assert "冲锋衣" not in text(during)
        again, queries = visit(client, path)
        assert queries > 1  # built again: nothing was kept
        writer.commit()
    finally:
        writer.close()
    assert "冲锋衣" in text(visit(client, path)[0])


def test_a_signed_in_user_never_gets_a_cached_page(client):
    enterprise = EnterpriseFactory(contact_phone=PHONE)
    path = enterprise.get_absolute_url()
    visitor_page, _ = visit(client, path)
    assert PHONE not in text(visitor_page)
    client.force_login(StaffFactory())
    staff_page, _ = visit(client, path)
    assert PHONE in text(staff_page)
    client.logout()
    # Nor does a visitor get what was built for staff.
    again, _ = visit(Client(), path)
    assert PHONE not in text(again)


def test_a_visitor_with_a_session_gets_a_page_built_for_them(client):
    enterprise = EnterpriseFactory()
    path = enterprise.get_absolute_url()
    visit(client, path)
    client.cookies["sessionid"] = "whatever"
    _, queries = visit(client, path)
    assert queries > 1


def test_each_language_has_its_own_copy(client):
    enterprise = EnterpriseFactory()
    path = enterprise.get_absolute_url()
    zh, _ = visit(client, path, "zh-hans")
    en, _ = visit(client, path, "en")
    assert "统一社会信用代码" in text(zh)
    assert "Unified Social Credit Code" in text(en)
    assert "统一社会信用代码" not in text(en)


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(response))[1]


def nonce(response) -> str:
    return re.search(r'nonce="([^"]+)"', text(response))[1]


def test_each_visitor_gets_their_own_csrf_token_and_nonce(client):
    """No cached copy carries a visitor's CSRF token or CSP nonce: the second
    visitor's page (a hit) has their own, which their cookie accepts and the
    CSP header names."""
    EnterpriseFactory()
    first, _ = visit(Client(enforce_csrf_checks=True), "/")
    other = Client(enforce_csrf_checks=True)
    second, queries = visit(other, "/")
    assert queries == 1
    assert csrf_token(second) != csrf_token(first)
    assert nonce(second) != nonce(first)
    assert f"'nonce-{nonce(second)}'" in second["Content-Security-Policy"]
    assert "pagecache-" not in text(second)
    switched = other.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/", "csrfmiddlewaretoken": csrf_token(second)},
    )
    assert switched.status_code == 302
    stored = caches["pages"]._cache.values()  # the locmem store of the tests
    assert stored and all(csrf_token(first).encode() not in v for v in stored)


def test_the_key_holds_what_a_response_varies_on(client):
    """The host (of absolute links), the Accept header (DRF's content negotiation)
    and htmx each get their own copy."""
    EnterpriseFactory(name="大连泳装有限公司")
    EnterpriseFactory(name="大连泳装二厂")
    path = "/api/v1/enterprises/?q=泳装&page_size=1"
    one, _ = visit(client, path, HTTP_HOST="127.0.0.1")
    other, _ = visit(client, path, HTTP_HOST="localhost")
    assert one.json()["next"].startswith("http://127.0.0.1/")
    assert other.json()["next"].startswith("http://localhost/")
    # A format the API does not give is refused, not answered from the cache.
    refused = client.get(path, HTTP_HOST="127.0.0.1", HTTP_ACCEPT="text/csv")
    assert refused.status_code == 406
    full, _ = visit(client, "/enterprises/?q=泳装")
    part, _ = visit(client, "/enterprises/?q=泳装", HTTP_HX_REQUEST="true")
    assert "<html" in text(full) and "<html" not in text(part)


def test_every_table_visitors_see_has_the_trigger():
    """A new model's table gets the trigger at migrate; only the tables no
    visitor's page shows go without."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = %s",
            [pagecache.TRIGGER],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    tables = connection.introspection.table_names()
    expected = {
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed
        and not m._meta.proxy
        and m._meta.db_table in tables
        and m._meta.label_lower not in pagecache.UNSEEN_BY_VISITORS
    }
    assert "enterprises_enterprise" in triggered
    assert "enterprises_enterprise_clusters" in triggered
    assert expected <= triggered
    assert "django_session" not in triggered


def test_the_generation_moves_on_with_each_committed_write():
    before = pagecache.generation()
    EnterpriseFactory()
    assert pagecache.generation() > before


def test_a_sign_in_leaves_the_visitors_pages_cached(client):
    """Signing in writes the user's last_login (and the session, the throttle's
    counters): nothing a visitor sees, so the generation stays and the visitors'
    copies stay good. A change of what pages may show of a user still moves it."""
    user = UserFactory()
    before = pagecache.generation()
    signed_in = Client().post(
        "/accounts/login/",
        {"username": user.username, "password": "pw-for-tests-2026"},
    )
    assert signed_in.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert pagecache.generation() == before
    type(user).objects.filter(pk=user.pk).update(first_name="Wei")
    assert pagecache.generation() > before


def test_a_redirect_is_kept_like_a_page(client):
    """A page past the end of a search redirects to the last page; reaching that
    answer costs the whole search, so it is kept too (and moves on with a write)."""
    EnterpriseFactory(name="大连泳装有限公司", products="泳装")
    path = "/enterprises/?q=泳装&page=3"
    first = client.get(path)
    assert first.status_code == 302
    with CaptureQueriesContext(connection) as queries:
        second = client.get(path)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert len(queries) == 1
    for n in range(2, 5):
        EnterpriseFactory(name=f"大连泳装{n}厂", products="泳装")
    with CaptureQueriesContext(connection) as queries:
        third = client.get(path)
    assert third.status_code == 302
    assert len(queries) > 1


def test_a_cached_api_answer_still_counts_against_the_throttle(client, monkeypatch):
    """The API's copies are served after DRF's throttles: a visitor over the rate
    is refused even where a copy is kept."""
    from rest_framework.settings import api_settings

    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "anon", "2/min")
    enterprise = EnterpriseFactory()
    path = f"/api/v1/enterprises/{enterprise.pk}/"
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429]
