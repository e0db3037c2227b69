"""The client's address, read through the proxies this deployment trusts, and nothing else.

Behind a load balancer every request arrives from the balancer's address: the admin sign-in
throttle, the personal-data access log and the API throttle would all see one client, so one
person's failed sign-ins could lock out everyone. The balancer names the real client in
X-Forwarded-For, but anyone can send that header: it is believed only when the request comes
from a proxy listed in BOOKSHELF_TRUSTED_PROXIES (CIDRs; default none, so REMOTE_ADDR stands).

The header is walked right to left (each proxy appends the address it received from), skipping
trusted proxies; the first address that is not one is the client. `REMOTE_ADDR` is then set to
it, early in MIDDLEWARE, so every reader (sign-in throttle, access log, DRF throttles) agrees;
the address the request really came from stays in `BOOKSHELF_PEER_ADDR`.

django-ipware was considered: it returns an address rather than fixing `REMOTE_ADDR` (each
reader would have to call it), it matches proxies by string prefix rather than by network, and
by default it also believes several other client-set headers. The rule here is a dozen lines of
`ipaddress`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
PEER_KEY = "BOOKSHELF_PEER_ADDR"
# Headers only a proxy may set: from an untrusted peer they are dropped once proxies are
# configured (with none configured, a TLS-terminating proxy's X-Forwarded-Proto still counts,
# as SECURE_PROXY_SSL_HEADER says).
_PROXY_ONLY_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


@lru_cache(maxsize=16)
def networks_parse(setting: str, cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks a setting lists (CIDRs), parsed once; a malformed one names the setting."""
    try:
        return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f"{setting}: {error}") from None


def trusted_networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return networks_parse("BOOKSHELF_TRUSTED_PROXIES", cidrs)


def _address(raw: str) -> Address | None:
    text = raw.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address: `peer` itself unless it is a trusted proxy, else the first
    untrusted address of `forwarded_for` from the right. A malformed entry ends the walk at the
    last trusted proxy seen: what lies left of it cannot be checked."""
    current = _address(peer)
    if current is None or not networks or not _trusted(current, networks):
        return peer
    for entry in reversed(forwarded_for.split(",") if forwarded_for else []):
        address = _address(entry)
        if address is None:
            break
        current = address
        if not _trusted(address, networks):
            break
    return str(current)


class ClientAddressMiddleware:
    """Sets REMOTE_ADDR to the client's address; first in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        networks = trusted_networks(tuple(settings.BOOKSHELF_TRUSTED_PROXIES))
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        meta[PEER_KEY] = peer
        header = settings.BOOKSHELF_CLIENT_ADDRESS_HEADER
        address = _address(peer)
        if address is not None and networks and _trusted(address, networks):
            meta["REMOTE_ADDR"] = client_address(peer, meta.get(header, ""), networks)
        else:
            # Not from a trusted proxy: what it says about the client is not believed, by
            # anyone downstream (DRF's throttle would otherwise read X-Forwarded-For).
            meta.pop(header, None)
            if networks:
                for name in _PROXY_ONLY_HEADERS:
                    meta.pop(name, None)
        return self.get_response(request)
