"""X-Forwarded-Proto and X-Forwarded-For count only from a configured proxy."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from core.proxies import TrustedProxyMiddleware

seen = {}


def view(request):
    seen["addr"] = request.META["REMOTE_ADDR"]
    seen["secure"] = request.is_secure()
    seen["xff"] = request.META.get("HTTP_X_FORWARDED_FOR")
    return HttpResponse()


def through(settings, proxies, peer, **headers):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers)
    TrustedProxyMiddleware(view)(request)
    return dict(seen)


HEADERS = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}


def test_from_a_trusted_proxy_the_client_address_and_https_are_taken(settings):
    got = through(settings, ["127.0.0.1/32", "10.0.0.0/8"], "10.1.2.3", **HEADERS)
    assert got["addr"] == "203.0.113.7"
    assert got["secure"] is True


def test_from_anyone_else_the_headers_are_dropped(settings):
    got = through(settings, ["127.0.0.1"], "198.51.100.9", **HEADERS)
    assert got["addr"] == "198.51.100.9"
    assert got["secure"] is False
    assert got["xff"] is None


def test_without_configured_proxies_nothing_is_trusted(settings):
    got = through(settings, [], "127.0.0.1", **HEADERS)
    assert (got["addr"], got["secure"]) == ("127.0.0.1", False)


def test_a_forged_first_hop_is_not_the_client(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the real address.
    got = through(
        settings,
        ["127.0.0.1", "10.0.0.0/8"],
        "127.0.0.1",
        **{"x-forwarded-for": "1.2.3.4, 203.0.113.7, 10.0.0.5"},
    )
    assert got["addr"] == "203.0.113.7"


def test_ipv6_proxies_and_clients(settings):
    got = through(settings, ["::1"], "::1", **{"x-forwarded-for": "2001:db8::42"})
    assert got["addr"] == "2001:db8::42"


def test_garbage_in_the_header_leaves_the_proxy_as_the_client(settings):
    got = through(settings, ["127.0.0.1"], "127.0.0.1", **{"x-forwarded-for": "x"})
    assert got["addr"] == "127.0.0.1"


def test_a_bad_proxy_setting_stops_the_start_with_its_name(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        TrustedProxyMiddleware(view)


@pytest.mark.django_db
def test_the_api_throttle_counts_the_real_client_not_a_forged_header(settings, client):
    """Through the whole stack: a different X-Forwarded-For per request from an
    untrusted peer is one client; from the trusted proxy they are different ones."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "3/min",
        },
    }
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    def status(peer, forwarded):
        return client.get(
            "/api/v1/enterprises/",
            REMOTE_ADDR=peer,
            headers={"x-forwarded-for": forwarded},
        ).status_code

    forged = [status("198.51.100.1", f"192.0.2.{i}") for i in range(5)]
    assert forged[:3] == [200, 200, 200]
    assert forged[3:] == [429, 429]
    proxied = [status("127.0.0.1", f"192.0.2.{i}") for i in range(5)]
    assert proxied == [200] * 5
    # Through the proxy, a client varying a forged first hop is still one client.
    chained = [status("127.0.0.1", f"10.9.9.{i}, 192.0.2.200") for i in range(5)]
    assert chained == [200, 200, 200, 429, 429]
