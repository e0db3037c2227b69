"""Behind a proxy, the client's address comes from the proxy's X-Forwarded-For, and only from
a proxy this deployment trusts (BOOKSHELF_TRUSTED_PROXIES): one client's failed sign-ins lock
out that client only, the access log names the real client, and a header sent by anyone else
is ignored everywhere."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.request import Request

from bookshelf.api.auth import ClientRateThrottle
from config.client_address import ClientAddressMiddleware, client_address, trusted_networks
from customers.models import PiiAccessLog
from tests.bookshelf.admin.conftest import Office
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY, ATTACKER, VICTIM = "10.0.0.9", "203.0.113.5", "198.51.100.7"
behind_proxy = override_settings(BOOKSHELF_TRUSTED_PROXIES=["10.0.0.0/8", "fd00::/8"])
LOCKED = "Too many failed sign-ins"


def sign_in(username: str, password: str, *, peer: str, forwarded: str | None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    response = Client().post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=peer,
        **headers,
    )
    return "signed in" if response.status_code == 302 else response.content.decode()


@behind_proxy
def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another():
    UserFactory(username="ann")
    for _ in range(5):
        sign_in("ann", "wrong", peer=PROXY, forwarded=ATTACKER)
    assert LOCKED in sign_in("ann", "pw-for-tests-1", peer=PROXY, forwarded=ATTACKER)
    # Ann signs in through the same proxy from her own address.
    assert sign_in("ann", "pw-for-tests-1", peer=PROXY, forwarded=VICTIM) == "signed in"


@behind_proxy
def test_a_forwarded_header_from_an_untrusted_peer_is_ignored():
    UserFactory(username="ann")
    for n in range(5):  # a new made-up address each time: still one client
        sign_in("ann", "wrong", peer=ATTACKER, forwarded=f"192.0.2.{n}")
    assert LOCKED in sign_in("ann", "pw-for-tests-1", peer=ATTACKER, forwarded=VICTIM)
    # Nor can a client behind the proxy pose as another by sending its own header first.
    UserFactory(username="bob")
    for _ in range(5):
        sign_in("bob", "wrong", peer=PROXY, forwarded=f"{VICTIM}, {ATTACKER}")
    assert LOCKED in sign_in("bob", "pw-for-tests-1", peer=PROXY, forwarded=ATTACKER)


def test_with_no_proxy_trusted_the_header_changes_nothing():
    UserFactory(username="ann")
    for n in range(5):
        sign_in("ann", "wrong", peer=PROXY, forwarded=f"192.0.2.{n}")
    assert LOCKED in sign_in("ann", "pw-for-tests-1", peer=PROXY, forwarded=VICTIM)


@behind_proxy
def test_the_personal_data_access_log_names_the_client_not_the_proxy(office: Office):
    client = office.client_for(office.agent.user)
    url = reverse("admin:customers_customer_change", args=[office.mine.pk])
    client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, 10.0.0.3")
    client.get(url, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)
    addresses = list(PiiAccessLog.objects.order_by("pk").values_list("remote_addr", flat=True))
    assert addresses == [VICTIM, ATTACKER]


def _through_middleware(**meta: str) -> HttpRequest:
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    ClientAddressMiddleware(view)(RequestFactory().get("/api/v1/benefits", **meta))
    return seen[0]


@pytest.mark.parametrize("trusted", [[], ["10.0.0.0/8"]])
def test_the_api_throttle_cannot_be_dodged_with_a_made_up_header(trusted, settings):
    settings.BOOKSHELF_TRUSTED_PROXIES = trusted
    throttle = ClientRateThrottle()
    idents = {
        throttle.get_ident(
            Request(_through_middleware(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"))
        )
        for n in range(3)
    }
    assert idents == {ATTACKER}


@behind_proxy
def test_the_proxy_only_headers_from_an_untrusted_peer_are_dropped():
    request = _through_middleware(
        REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=VICTIM
    )
    assert request.META["REMOTE_ADDR"] == ATTACKER
    assert "HTTP_X_FORWARDED_PROTO" not in request.META
    assert "HTTP_X_FORWARDED_FOR" not in request.META
    trusted = _through_middleware(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert trusted.META["HTTP_X_FORWARDED_PROTO"] == "https"
    assert trusted.META["BOOKSHELF_PEER_ADDR"] == PROXY


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        (PROXY, VICTIM, VICTIM),
        (PROXY, f"{ATTACKER}, {VICTIM}", VICTIM),  # the leftmost is whatever the client said
        (PROXY, f"{VICTIM}, 10.0.0.3, 10.1.1.1", VICTIM),  # proxies skipped
        (PROXY, "10.0.0.3, 10.1.1.1", "10.0.0.3"),  # all trusted: the farthest
        (PROXY, "", PROXY),
        (PROXY, f"garbage, {VICTIM}", VICTIM),
        (PROXY, f"{VICTIM}, garbage", PROXY),  # cannot check past a bad entry
        (PROXY, f"{VICTIM}:51234", VICTIM),
        (PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        ("fd00::1", VICTIM, VICTIM),
        ("::ffff:10.0.0.9", VICTIM, VICTIM),
        (ATTACKER, VICTIM, ATTACKER),
        ("not-an-address", VICTIM, "not-an-address"),
    ],
)
def test_the_header_is_walked_right_to_left_skipping_trusted_proxies(peer, header, client):
    networks = trusted_networks(("10.0.0.0/8", "fd00::/8"))
    assert client_address(peer, header, networks) == client
