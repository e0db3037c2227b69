"""Where a webhook may be sent, and the one way it is sent (the SSRF guard).

A subscriber's URL is someone else's input, and the worker that posts to it sits inside our
network, next to Redis, PostgreSQL and the cloud's metadata service. So:

- https only (`BOOKSHELF_WEBHOOK_ALLOW_HTTP` allows http for development and tests), no
  user name or password in the URL, no backslashes, blanks or control characters, a port
  from `BOOKSHELF_WEBHOOK_PORTS`, no numeric host other than a plain IP address (`2130706433`,
  `0x7f.1`, `127.1` are what C's inet_aton reads as 127.0.0.1);
- every address the host resolves to must be public: loopback, private, shared (CGNAT),
  link-local, multicast, reserved, unspecified, IPv4-mapped or tunnelled IPv6 and the cloud
  metadata addresses are refused, unless inside `BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS`
  (empty by default; the tests' receivers on loopback need it);
- checked when subscribing and again at each send, because DNS can change in between; the
  send resolves once and connects to the address it checked (no second look-up), keeping the
  host name for the Host header and for TLS (SNI and certificate check);
- redirects are never followed (a 3xx is a failed attempt), the answer is read up to
  `BOOKSHELF_WEBHOOK_MAX_RESPONSE_BYTES`, and the subscription's timeout bounds the whole
  attempt, not each read. No proxy from the environment is used.

Stdlib only (ipaddress, socket, http.client, ssl): the one library made for this
(`advocate`, a wrapper of requests) has had no release since 2020, and pinning the address
is a few lines on http.client.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from config.client_address import networks_parse
from config.exceptions import DomainError

from .error_codes import IntegrationErrorCode

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services (AWS, GCP, Azure, Huawei; AWS ECS; Tencent; Alibaba; AWS over
# IPv6; Oracle). Most are link-local or shared anyway; named so the refusal says so.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.0.23",
        "100.100.100.200",
        "fd00:ec2::254",
        "192.0.0.192",
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_CHARACTERS = re.compile(r"[\s\x00-\x1f\x7f\\]")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class WebhookUrlRefused(Exception):
    """The URL or the address it leads to is not one we send to; the text says why."""


class WebhookHostUnresolved(WebhookUrlRefused):
    """The host has no address (now)."""


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str  # ASCII (IDNA), as sent in Host and SNI
    port: int
    path: str  # path and query, never the fragment
    address: IPAddress | None = None  # the literal, or what the host resolved to


def _allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    raw = getattr(settings, "BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS", [])
    return networks_parse("BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS", tuple(raw))


def _ports() -> set[int]:
    ports = {int(p) for p in getattr(settings, "BOOKSHELF_WEBHOOK_PORTS", [443, 8443])}
    if getattr(settings, "BOOKSHELF_WEBHOOK_ALLOW_HTTP", False):
        ports |= {80, 8080}
    return ports


def address_refusal(ip: IPAddress) -> str | None:
    """Why an address is not one to send to, or None if it is public."""
    if ip in METADATA_ADDRESSES:
        return _("a cloud metadata address")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _("an IPv4-mapped IPv6 address")
        if ip.sixtofour is not None or ip.teredo is not None or any(ip in n for n in _NAT64):
            return _("an IPv6 address carrying an IPv4 address")
        if ip.is_site_local:
            return _("a site-local address")
    checks = (
        (ip.is_loopback, _("a loopback address")),
        (ip.is_unspecified, _("an unspecified address")),
        (ip.is_link_local, _("a link-local address")),
        (ip.is_multicast, _("a multicast address")),
        (ip.is_private, _("a private address")),
        (ip.is_reserved, _("a reserved address")),
        (not ip.is_global, _("not a public address")),
    )
    return next((reason for refused, reason in checks if refused), None)


def _address_check(ip: IPAddress, port: int) -> None:
    if any(ip in network for network in _allowed_networks()):
        return  # an operator's explicit exception: any port
    reason = address_refusal(ip)
    if reason:
        raise WebhookUrlRefused(_("the host is %(reason)s") % {"reason": reason})
    if port not in _ports():
        raise WebhookUrlRefused(_("port %(port)s is not allowed") % {"port": port})


def _scheme(raw: str) -> str:
    allowed = {"https"}
    if getattr(settings, "BOOKSHELF_WEBHOOK_ALLOW_HTTP", False):
        allowed.add("http")
    scheme = raw.lower()
    if scheme not in allowed:
        raise WebhookUrlRefused(
            _("only %(schemes)s URLs are allowed") % {"schemes": ", ".join(sorted(allowed))}
        )
    return scheme


def _host(hostname: str) -> tuple[str, IPAddress | None]:
    """The host as sent (ASCII), and its address if the URL gives one."""
    if "%" in hostname:
        raise WebhookUrlRefused(_("the host is not a valid name"))
    try:
        return hostname, ipaddress.ip_address(hostname)
    except ValueError:
        pass
    try:
        ascii_host = hostname.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise WebhookUrlRefused(_("the host is not a valid name")) from None
    if not ascii_host or _NUMERIC_LABEL.match(ascii_host.rsplit(".", 1)[-1]):
        raise WebhookUrlRefused(_("the host is a number but not a plain IP address"))
    return ascii_host, None


def webhook_target_parse(url: str) -> WebhookTarget:
    """Everything that can be said about a URL without resolving it."""
    if _BAD_CHARACTERS.search(url):
        raise WebhookUrlRefused(_("the URL holds blanks, backslashes or control characters"))
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "https://[::1/", "https://[name]/"
        raise WebhookUrlRefused(_("the URL is not well formed")) from None
    scheme = _scheme(parts.scheme)
    if "@" in parts.netloc:
        raise WebhookUrlRefused(_("a user name or password in the URL is not allowed"))
    if not hostname:
        raise WebhookUrlRefused(_("the URL has no host"))
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise WebhookUrlRefused(_("the port is not a number from 1 to 65535")) from None
    host, address = _host(hostname)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = WebhookTarget(scheme=scheme, host=host, port=port, path=path, address=address)
    if address is not None:
        _address_check(address, port)
    return target


def webhook_target_resolve(target: WebhookTarget) -> WebhookTarget:
    """The target with the address to connect to: every address the host resolves to must
    pass (one bad answer refuses the URL: a client may pick any of them)."""
    if target.address is not None:
        return target
    try:
        answers = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookHostUnresolved(_("the host does not resolve")) from exc
    addresses = [ipaddress.ip_address(str(a[4][0]).split("%", 1)[0]) for a in answers]
    if not addresses:
        raise WebhookHostUnresolved(_("the host does not resolve"))
    for address in addresses:
        _address_check(address, target.port)
    return WebhookTarget(
        scheme=target.scheme,
        host=target.host,
        port=target.port,
        path=target.path,
        address=addresses[0],
    )


def webhook_url_check(url: str) -> None:
    """For subscribing (API and admin): refuse what could never be sent to, with a clear
    code. A name that does not resolve yet is accepted: the send checks it again anyway."""
    try:
        target = webhook_target_parse(url)
        try:
            webhook_target_resolve(target)
        except WebhookHostUnresolved:
            if target.port not in _ports():
                raise WebhookUrlRefused(
                    _("port %(port)s is not allowed") % {"port": target.port}
                ) from None
    except WebhookUrlRefused as exc:
        raise DomainError(
            IntegrationErrorCode.WEBHOOK_URL_REFUSED,
            _("This webhook URL is refused: %(reason)s.") % {"reason": exc},
            field="url",
        ) from None


@cache
def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle or None)


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to the checked address, never resolving `host` again."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        assert target.address is not None
        self._address = target.address

    def connect(self) -> None:
        family = socket.AF_INET6 if self._address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect((str(self._address), self.port))
        except OSError:
            sock.close()
            raise
        self.sock = sock


class _PinnedTLSConnection(_PinnedConnection):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        context = _tls_context(getattr(settings, "BOOKSHELF_WEBHOOK_CA_BUNDLE", ""))
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _exchange(
    connection: _PinnedConnection, target: WebhookTarget, body: bytes, headers: dict[str, str]
) -> int:
    # Header names as urllib sent them before (Title-Case), for receivers that compare them.
    titled = {name.title(): value for name, value in headers.items()}
    connection.request("POST", target.path, body=body, headers=titled)
    response = connection.getresponse()
    cap = int(getattr(settings, "BOOKSHELF_WEBHOOK_MAX_RESPONSE_BYTES", 65536))
    response.read(cap)  # read what is useful, never more; the connection is closed after
    return response.status


def webhook_post(
    *, url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int | None, str]:
    """POST once: (status code or None, error text). Never raises for the network's sake."""
    try:
        target = webhook_target_resolve(webhook_target_parse(url))
    except WebhookUrlRefused as exc:
        return None, (_("refused: %(reason)s") % {"reason": exc})[:255]
    cls = _PinnedTLSConnection if target.scheme == "https" else _PinnedConnection
    connection = cls(target, timeout)
    expired = threading.Event()

    def cut() -> None:  # the whole attempt's deadline: a dripping receiver is cut off
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(timeout, cut)
    timer.daemon = True
    timer.start()
    try:
        code: int | None = _exchange(connection, target, body, headers)
        error = ""
    except Exception as exc:  # timeouts, refused connections, TLS, bad answers: retried
        code, error = None, f"{type(exc).__name__}: {exc}"[:255]
    finally:
        timer.cancel()
        connection.close()
    if expired.is_set():  # a cut connection can look like a short, complete answer
        return None, _("timed out after %(s)s s") % {"s": timeout}
    if code is None:
        return None, error
    if 300 <= code < 400:
        return code, _("HTTP %(code)s: redirects are not followed") % {"code": code}
    return code, "" if 200 <= code < 300 else f"HTTP {code}"
