"""The client's address behind reverse proxies: `X-Forwarded-For` is believed only when a trusted proxy sent it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """`TRUSTED_PROXIES` entries, single addresses or CIDR prefixes, as networks; a bad entry is an error."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {value!r} is not an IP address or prefix.") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(remote_addr: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The first address, read from the connection leftwards through `X-Forwarded-For`, that is no trusted proxy.

    Each trusted proxy appends the address it was connected from, so only the entries to the right of the first
    untrusted one are true; anything further left is what the client chose to claim.
    """
    current = _address(remote_addr)
    if current is None:
        return remote_addr
    for hop in reversed(forwarded_for.split(",") if forwarded_for else []):
        if not any(current in network for network in trusted):
            break
        claimed = _address(hop)
        if claimed is None:
            break
        current = claimed
    return str(current)


class TrustedProxyMiddleware:
    """Puts the resolved client address in REMOTE_ADDR, which the login and API rate limits count by."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = parse_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted:
            request.META["REMOTE_ADDR"] = client_address(
                request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""), self.trusted
            )
        return self.get_response(request)
