"""Webhook SSRF: a subscription can never make the platform talk to itself, its network or a
cloud metadata service, neither when it subscribes nor at any later send (DNS may change).

These tests run with the allow-list of networks empty (the suite's own receivers sit on
127.0.0.1 and need it); only the tests that need a real receiver put loopback back on it.
The DNS resolver is patched where the network is the point (there is no DNS in CI).
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from bookshelf.integrations import webhooks
from bookshelf.integrations.services import api_client_create
from bookshelf.ledger.services import redemption_create
from bookshelf.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from config.celery import app as celery_app
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

LOOPBACK = ["127.0.0.0/8"]
_real_getaddrinfo = socket.getaddrinfo


class FakeDns:
    """socket.getaddrinfo with some names answered as told (a list of answers is used in
    turn, the last one repeating); other names resolve as usual. Counts the look-ups."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []

    def set(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = list(answers)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        result = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr: tuple[Any, ...] = (
                (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0))
            )
            result.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return result


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture(autouse=True)
def _guarded(settings):
    """The SSRF tests run with the allow-list empty; http stays allowed, so that what is
    refused is refused for its address, not its scheme (the scheme has its own test)."""
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = []
    settings.BOOKSHELF_WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


class Server:
    """A loopback HTTP server that answers every request as `respond` says and records it."""

    def __init__(self, respond: Any = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.sent = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                if respond is None:
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                else:
                    respond(self, server)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def subscribe(name: str, url: str) -> WebhookSubscription:
    return webhooks.subscription_create(name=name, url=url, event_types=["redemption.completed"])


def refused(url: str) -> DomainError:
    with pytest.raises(DomainError) as info:
        subscribe("evil", url)
    assert not WebhookSubscription.objects.exists()
    return info.value


REFUSED_LITERALS = [
    "http://127.0.0.1:6379/",
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.23/",
    "http://100.100.100.200/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[::1]:5432/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a00:1]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.0.192/",
    "http://198.18.0.1/",
    "https://good@127.0.0.1/",
    "https://good.example.com@127.0.0.1/",
    "https://user:pass@hooks.example.com/",
    "https://localhost/",
    "http://localhost:8000/",
    "ftp://hooks.example.com/x",
    "gopher://127.0.0.1:6379/_INFO",
    "file:///etc/passwd",
    "https://hooks.example.com:6379/",
    "https://hooks.example.com:22/",
    "https://hooks.example.com\\@127.0.0.1/",
    "https://hooks.example.com /",
    "https://[::1/",
    "https://[hooks.example.com]/",
    "https://" + "a" * 70 + ".example.com/",
    "https:///nohost",
]


@pytest.mark.parametrize("url", REFUSED_LITERALS)
def test_internal_and_odd_urls_are_refused_when_subscribing(url):
    error = refused(url)
    assert error.code == "webhook_url_refused"
    assert error.field == "url"


def test_http_is_refused_unless_a_setting_allows_it(settings, dns):
    dns.set("hooks.example.com", ["93.184.216.34"])
    settings.BOOKSHELF_WEBHOOK_ALLOW_HTTP = False
    assert refused("http://hooks.example.com/in").code == "webhook_url_refused"
    subscribe("ok", "https://hooks.example.com/in")
    settings.BOOKSHELF_WEBHOOK_ALLOW_HTTP = True
    subscribe("dev", "http://hooks.example.com/dev")


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["169.254.169.254"],
        ["100.100.100.200"],
        ["fd00:ec2::254"],
        ["::ffff:10.0.0.1"],
        ["93.184.216.34", "192.168.0.10"],  # one good address does not excuse a bad one
    ],
)
def test_a_name_that_resolves_inside_is_refused_when_subscribing(dns, answers):
    dns.set("hooks.example.com", answers)
    assert refused("https://hooks.example.com/in").code == "webhook_url_refused"


def test_a_public_name_is_accepted(dns):
    dns.set("hooks.example.com", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
    subscription = subscribe("ok", "https://hooks.example.com/in")
    assert subscription.url == "https://hooks.example.com/in"


def test_the_api_refuses_an_internal_url_with_a_code_and_creates_nothing():
    from rest_framework.test import APIClient

    _client, token = api_client_create(name="hooks", scopes=["webhooks", "read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "ftp://hooks.example.com/",
        "http://[::1]:5432/",
        "http://2130706433/",
    ):
        response = api.post("/api/v1/webhooks", {"name": "evil", "url": url}, format="json")
        assert response.status_code == 400, url
        body = response.json()
        assert body["code"] == "webhook_url_refused", body
        assert "url" in body["fields"]
    assert not WebhookSubscription.objects.exists()


def test_the_admin_refuses_an_internal_url_on_add_and_on_change(admin_client):
    form = {
        "name": "evil",
        "url": "http://169.254.169.254/latest/meta-data/",
        "event_types": "[]",
        "is_active": "on",
        "timeout_seconds": "5",
        "max_attempts": "8",
    }
    response = admin_client.post("/admin/bookshelf/webhooksubscription/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert "webhook_url_refused" in response.content.decode() or response.context[
        "adminform"
    ].form.errors.get("url")
    assert not WebhookSubscription.objects.exists()
    subscription = subscribe("ok", "http://127.0.0.2.nip.invalid/")
    response = admin_client.post(
        f"/admin/bookshelf/webhooksubscription/{subscription.pk}/change/",
        {**form, "name": "ok", "url": "http://10.0.0.1/"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get("url")
    subscription.refresh_from_db()
    assert subscription.url == "http://127.0.0.2.nip.invalid/"


def _redeem() -> None:
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    redemption_create(customer=customer, benefit_code=benefit.code)


def test_a_name_rebound_to_loopback_after_subscribing_is_not_posted_to(
    settings, dns, server, django_capture_on_commit_callbacks
):
    settings.BOOKSHELF_WEBHOOK_PORTS = [server.port]
    dns.set("hooks.example.com", ["93.184.216.34"])
    subscribe("rebind", f"http://hooks.example.com:{server.port}/hook")
    dns.set("hooks.example.com", ["127.0.0.1"])  # DNS rebinding
    with django_capture_on_commit_callbacks(execute=True):
        _redeem()
    assert server.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status != DeliveryStatus.SUCCEEDED
    assert "refused" in delivery.last_error


def test_a_stored_url_made_internal_is_refused_at_send(server, django_capture_on_commit_callbacks):
    """A subscription written before the guard (or behind its back) is checked at send too."""
    subscription = subscribe("old", "http://hooks.invalid/x")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url=server.url)
    with django_capture_on_commit_callbacks(execute=True):
        _redeem()
    assert server.requests == []
    assert "refused" in WebhookDelivery.objects.get().last_error


def test_the_send_connects_to_the_address_it_checked_and_keeps_the_host(
    settings, dns, server, django_capture_on_commit_callbacks
):
    """One resolution per attempt: a second look-up (the rebinding window between check and
    connect) is never made; the request still names the subscriber's host."""
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    dns.set("hooks.example.com", ["127.0.0.1"], ["127.0.0.1"], ["192.0.2.1"])
    subscribe("pin", f"http://hooks.example.com:{server.port}/hook")
    WebhookSubscription.objects.update(timeout_seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        _redeem()
    assert dns.lookups == ["hooks.example.com", "hooks.example.com"]  # subscribe, one send
    [request] = server.requests
    assert request["headers"]["Host"] == f"hooks.example.com:{server.port}"
    assert request["path"] == "/hook"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(status, settings, django_capture_on_commit_callbacks):
    """urllib used to follow 301/302/303 (as a GET) to wherever Location pointed."""
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    inside = Server()

    def redirect(handler: Any, _server: Any) -> None:
        handler.send_response(status)
        handler.send_header("Location", inside.url)
        handler.end_headers()

    outside = Server(redirect)
    try:
        subscribe("redir", outside.url)
        with django_capture_on_commit_callbacks(execute=True):
            _redeem()
        assert len(outside.requests) == 1
        assert inside.requests == []
        delivery = WebhookDelivery.objects.get()
        assert delivery.last_status_code == status
        assert delivery.status == DeliveryStatus.PENDING  # a failed attempt, retried later
        assert delivery.attempts == 1
    finally:
        inside.close()
        outside.close()


def test_a_huge_answer_is_not_read_past_the_cap(settings, django_capture_on_commit_callbacks):
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    chunk = b"x" * 65536

    def flood(handler: Any, server: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(chunk) * 2000))
        handler.end_headers()
        try:
            for _ in range(2000):  # 128 MiB
                handler.wfile.write(chunk)
                server.sent += len(chunk)
        except OSError:
            pass

    flooder = Server(flood)
    try:
        subscribe("flood", flooder.url)
        with django_capture_on_commit_callbacks(execute=True):
            _redeem()
        time.sleep(0.2)
        assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
        assert flooder.sent < 32 * 1024 * 1024
    finally:
        flooder.close()


def test_a_receiver_that_drips_its_answer_is_cut_at_the_timeout(
    settings, django_capture_on_commit_callbacks
):
    """The timeout bounds the whole attempt, not each read: a byte every 0.2 s never trips a
    per-read timeout of 1 s."""
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    stop = threading.Event()

    def drip(handler: Any, _server: Any) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        handler.wfile.flush()
        for _ in range(100):
            if stop.is_set():
                return
            try:
                handler.wfile.write(b"X-Drip: x\r\n")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    dripper = Server(drip)
    try:
        subscribe("drip", dripper.url)
        WebhookSubscription.objects.update(timeout_seconds=1)
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            _redeem()
        assert time.monotonic() - started < 5
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    finally:
        stop.set()
        dripper.close()


def test_deliveries_still_reach_an_allowed_receiver(
    server, settings, django_capture_on_commit_callbacks
):
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    subscribe("fine", server.url)
    with django_capture_on_commit_callbacks(execute=True):
        _redeem()
    [request] = server.requests
    assert request["method"] == "POST"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.delivered_at <= timezone.now()


def _certificate(tmp_path: Any, name: str) -> tuple[str, str, str]:
    """A throwaway CA and a server certificate for `name` signed by it: (ca, cert, key)."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = timezone.now()

    def build(subject: str, key: Any, issuer: Any, issuer_key: Any, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = build("test CA", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, key, ca.subject, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    paths = [tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"]
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(paths[0]), str(paths[1]), str(paths[2])


@pytest.mark.parametrize("certified", ["hooks.example.com", "elsewhere.example.com"])
def test_https_is_pinned_to_the_checked_address_and_still_checks_the_name(
    certified, tmp_path, settings, dns, django_capture_on_commit_callbacks
):
    """The TLS connection goes to the address checked, but sends the subscriber's name (SNI)
    and verifies the certificate against that name, not against the address."""
    import ssl

    ca, cert, key = _certificate(tmp_path, certified)
    settings.BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    settings.BOOKSHELF_WEBHOOK_CA_BUNDLE = ca
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    tls = Server()
    tls.httpd.socket = context.wrap_socket(tls.httpd.socket, server_side=True)
    try:
        dns.set("hooks.example.com", ["127.0.0.1"])
        subscribe("tls", f"https://hooks.example.com:{tls.port}/hook")
        with django_capture_on_commit_callbacks(execute=True):
            _redeem()
        delivery = WebhookDelivery.objects.get()
        assert names and names[0] == "hooks.example.com"
        if certified == "hooks.example.com":
            assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.last_error
            [request] = tls.requests
            assert request["headers"]["Host"] == f"hooks.example.com:{tls.port}"
        else:
            assert delivery.status == DeliveryStatus.PENDING
            assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
            assert tls.requests == []
    finally:
        tls.close()
