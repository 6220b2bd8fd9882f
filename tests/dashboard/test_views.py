import re

import pytest
from django.urls import reverse

from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def figure(html: str, key: str) -> int:
    match = re.search(rf'data-figure="{re.escape(key)}">([\d,]+)<', html)
    assert match, key
    return int(match.group(1).replace(",", ""))


def link(html: str, key: str) -> str:
    match = re.search(rf'href="([^"]+)" data-figure-link="{re.escape(key)}"', html)
    assert match, key
    return match.group(1).replace("&amp;", "&")


def search_total(client, url: str) -> int:
    html = client.get(url).content.decode()
    return int(re.search(r'id="result-count" data-total="(\d+)"', html).group(1))


def test_url_names_the_dashboard():
    assert reverse("dashboard:dashboard") == URL


def test_staff_sees_the_dashboard(client, staff):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert b'id="liaoning-map"' in response.content


def test_enterprise_user_gets_404(client):
    member = MembershipFactory().user
    client.force_login(member)
    assert client.get(URL).status_code == 404
    assert client.get("/dashboard/charts/city.csv").status_code == 404


def test_signed_in_user_without_enterprise_gets_404(client, user):
    client.force_login(user)
    assert client.get(URL).status_code == 404


def test_anonymous_is_redirected_to_login(client):
    for url in (URL, "/dashboard/charts/city.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_staff_nav_has_a_dashboard_link(client, staff, user):
    client.force_login(staff)
    assert b'href="/dashboard/"' in client.get("/").content
    client.force_login(user)
    assert b'href="/dashboard/"' not in client.get("/").content


def test_headline_figures(client, staff, known):
    client.force_login(staff)
    html = client.get(URL).content.decode()
    assert figure(html, "clusters") == 2
    assert figure(html, "enterprises") == 6
    assert figure(html, "colleges") == 0
    assert figure(html, "markets") == 0
    assert figure(html, "processing") == 3
    assert figure(html, "exporters") == 3
    assert figure(html, "high_quality") == 1
    assert figure(html, "national_towns") == 1
    assert figure(html, "market-JP") == 3
    assert figure(html, "market-US") == 1
    assert figure(html, "market-KR") == 1
    # The share is inside a translated sentence ("50.0% of enterprises").
    assert re.search(r'data-share="processing">[^<]*\b50\.0%', html)
    assert re.search(r'data-share="exporters">[^<]*\b50\.0%', html)


def test_data_health_figures(client, staff, known):
    client.force_login(staff)
    html = client.get(URL).content.decode()
    assert figure(html, "stale") == 3
    assert figure(html, "incomplete") == 5
    assert figure(html, "uscc_warnings") == 1
    assert figure(html, "claims") == 0
    assert figure(html, "change_requests") == 0


def test_pending_reviews_are_counted_and_linked(client, staff, known):
    from enterprises.models import EnterpriseMembership
    from moderation.services.changes import change_request_submit
    from tests.factories import UserFactory

    owner = UserFactory()
    EnterpriseMembership.objects.create(
        user=owner, enterprise=known["dalian"], role="owner"
    )
    change_request_submit(
        actor=owner, enterprise=known["dalian"], changes={"products": "新产品"}
    )
    client.force_login(staff)
    html = client.get(URL).content.decode()
    assert figure(html, "change_requests") == 1
    assert link(html, "change_requests") == "/review/?kind=changes"


def test_each_figure_links_to_the_search_it_counts(client, staff, known):
    client.force_login(staff)
    html = client.get(URL).content.decode()
    for key in (
        "enterprises",
        "processing",
        "exporters",
        "high_quality",
        "stale",
        "incomplete",
        "uscc_warnings",
    ):
        url = link(html, key)
        assert url.startswith("/enterprises/")
        assert search_total(client, url) == figure(html, key), key
    assert link(html, "processing") == "/enterprises/?model=processing"
    assert link(html, "exporters") == "/enterprises/?exporter=yes"
    assert link(html, "high_quality") == "/enterprises/?designation=high_quality"
    assert link(html, "stale") == "/enterprises/?stale=1"
    assert search_total(client, "/enterprises/?market=JP") == 3
    assert 'href="/enterprises/?market=JP"' in html


def test_national_towns_link_lists_those_clusters(client, staff, known):
    client.force_login(staff)
    html = client.get(URL).content.decode()
    url = link(html, "national_towns")
    page = client.get(url).content.decode()
    assert "/clusters/swim/" in page
    assert "/clusters/suits/" not in page


def test_figures_are_kept_refreshed_by_the_worker_and_say_when(client, staff, known):
    import datetime as dt

    from dashboard.figures import CACHE_KEY, FRESH_SECONDS, shared_cache

    client.force_login(staff)
    first = client.get(URL).content.decode()
    assert 'id="computed-at"' in first
    EnterpriseFactory()
    # Fresh figures are served as they are.
    assert figure(client.get(URL).content.decode(), "enterprises") == 6
    # Once they are older than FRESH_SECONDS, the request is served the previous
    # figures and the worker (immediate in tests) computes new ones.
    data = shared_cache().get(CACHE_KEY)
    data["computed_at"] -= dt.timedelta(seconds=FRESH_SECONDS + 1)
    shared_cache().set(CACHE_KEY, data)
    assert figure(client.get(URL).content.decode(), "enterprises") == 6
    assert figure(client.get(URL).content.decode(), "enterprises") == 7


def test_map_payload_has_every_city_with_its_link(client, staff, known):
    client.force_login(staff)
    response = client.get(URL)
    import json

    html = response.content.decode()
    payload = json.loads(
        re.search(
            r'<script id="map-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    cities = {c["code"]: c for c in payload["cities"]}
    assert len(cities) == 14
    assert cities["211400"]["values"] == {
        "enterprises": 3,
        "exporters": 2,
        "high_quality": 0,
    }
    assert cities["210200"]["values"]["high_quality"] == 1
    assert cities["211400"]["urls"]["enterprises"] == "/enterprises/?city=211400"
    assert cities["210100"]["name"] == "沈阳市"
    assert search_total(client, cities["210200"]["urls"]["exporters"]) == 1


def test_page_has_no_inline_script(client, staff, known):
    client.force_login(staff)
    html = client.get(URL).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag
        if "src=" in tag:
            assert "nonce=" in tag
    assert "/static/vendor/echarts/echarts.min.js" in html
