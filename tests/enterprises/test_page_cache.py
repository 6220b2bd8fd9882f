"""Visitors' enterprise pages come from the fragment cache (PAGE_CACHE_SECONDS):
the second visit costs a few queries instead of a dozen, an edit shows at once,
each language has its own copy, and a signed-in user never gets a visitor's copy
(nor a visitor a signed-in user's)."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.services import enterprise_update
from tests.factories import EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db

PHONE = "0411-88886666"


@pytest.fixture
def cached(settings):
    settings.PAGE_CACHE_SECONDS = 60
    caches["default"].clear()
    yield
    caches["default"].clear()


def visit(client, enterprise, language="zh-hans"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            enterprise.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_second_visit_is_served_from_the_cache(client, cached):
    enterprise = EnterpriseFactory(products="泳装、比基尼")
    first, first_queries = visit(client, enterprise)
    second, second_queries = visit(client, enterprise)
    assert "比基尼" in second
    assert second_queries <= 2 < first_queries, (first_queries, second_queries)


def test_an_edit_shows_at_once(client, cached):
    enterprise = EnterpriseFactory(products="泳装")
    visit(client, enterprise)
    enterprise_update(
        actor=StaffFactory(),
        enterprise=enterprise,
        changes={"products": "冲锋衣"},
        origin="staff",
    )
    enterprise.refresh_from_db()
    page, _ = visit(client, enterprise)
    assert "冲锋衣" in page


def test_each_language_has_its_own_copy(client, cached):
    enterprise = EnterpriseFactory()
    zh, _ = visit(client, enterprise, "zh-hans")
    en, _ = visit(client, enterprise, "en")
    assert "统一社会信用代码" in zh
    assert "Unified Social Credit Code" in en and "统一社会信用代码" not in en


def test_staff_and_visitors_never_share_a_copy(client, cached):
    enterprise = EnterpriseFactory(contact_phone=PHONE)
    visitor_page, _ = visit(client, enterprise)
    assert PHONE not in visitor_page
    client.force_login(StaffFactory())
    staff_page, _ = visit(client, enterprise)
    assert PHONE in staff_page
    client.logout()
    again, _ = visit(client, enterprise)
    assert PHONE not in again


def test_the_home_page_is_served_from_the_cache(client, cached):
    EnterpriseFactory()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        page = client.get("/")
    assert page.status_code == 200
    assert 'id="liaoning-map"' in page.content.decode()
    assert len(second) == 0 < len(first), (len(first), len(second))
