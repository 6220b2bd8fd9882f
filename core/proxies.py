"""The client behind a reverse proxy, trusted only from configured proxies.

``X-Forwarded-Proto`` and ``X-Forwarded-For`` are set by whoever sends the request,
so they mean something only when the direct peer (``REMOTE_ADDR``) is one of the
proxies in ``settings.TRUSTED_PROXIES`` (addresses or CIDR networks, from
``DJANGO_TRUSTED_PROXIES``). From such a peer, ``REMOTE_ADDR`` becomes the real
client: the right-most address of ``X-Forwarded-For`` that is not itself a trusted
proxy, and ``X-Forwarded-Proto`` stays for ``SECURE_PROXY_SSL_HEADER``;
``X-Forwarded-For`` is removed. From any other peer both headers are removed, so
nothing later (Django's ``is_secure()``, the throttles, which read ``REMOTE_ADDR``
only) can be fooled by them.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str], setting: str) -> tuple[Network, ...]:
    """Addresses or CIDRs as networks; a bad one stops the start with its name."""
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{setting}: {value!r} is not an IP address or CIDR network "
                "(e.g. 127.0.0.1, 10.0.0.0/8, ::1)."
            ) from exc
    return tuple(networks)


def address_in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = parse_networks(
            getattr(settings, "TRUSTED_PROXIES", []), "DJANGO_TRUSTED_PROXIES"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if self.proxies and address_in(meta.get("REMOTE_ADDR", ""), self.proxies):
            hops = [
                hop.strip()
                for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
                if hop.strip()
            ]
            for hop in reversed(hops):
                if not address_in(hop, self.proxies):
                    client = hop
                    break
            else:
                client = hops[0] if hops else ""
            # No usable address given: the proxy stays the client.
            with contextlib.suppress(ValueError):
                meta["REMOTE_ADDR"] = str(ipaddress.ip_address(client))
        else:
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        # REMOTE_ADDR is now the one answer: nothing later (DRF's get_ident reads
        # the whole header when present) sees a chain a client could vary.
        meta.pop("HTTP_X_FORWARDED_FOR", None)
        return self.get_response(request)
