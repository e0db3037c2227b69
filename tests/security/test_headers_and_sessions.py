"""Responses with customer data say `Cache-Control: no-store, private`; every page carries a
Content-Security-Policy (scripts and styles from this site, or inline with the request's
nonce); a staff session ends after 30 idle minutes and 12 hours in all."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from config.security_headers import SEEN, STARTED
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_every_api_answer_and_admin_page_is_not_stored(office: Office, app_api: APIClient):
    customer = make_customer(tier=Tier.GOLD, agent=office.agent)
    base = f"/api/v1/customers/{customer.customer_no}"
    staff = office.client_for(office.agent.user)
    answers = {
        "bookshelf": app_api.get(f"{base}/bookshelf"),
        "redemptions": app_api.get(f"{base}/redemptions"),
        "an error": app_api.get(f"{base}/redemptions", {"nope": "1"}),
        "not found": app_api.get("/api/v1/customers/NOPE/bookshelf"),
        "no credentials": APIClient().get(f"{base}/bookshelf"),
        "unknown API URL": APIClient().get("/api/v1/no-such-thing"),
        "the desk": staff.get(reverse("admin:customers_customer_change", args=[office.mine.pk])),
        "the customer list": staff.get(reverse("admin:customers_customer_changelist")),
        "the sign-in page": Client().get(reverse("admin:login")),
    }
    for name, response in answers.items():
        assert response.status_code < 500, name
        assert _no_store(response), (name, response.get("Cache-Control"))
    # The public schema and docs, the same for everyone, may be cached.
    assert not _no_store(Client().get("/api/schema/"))


def test_admin_and_docs_carry_a_content_security_policy_with_a_nonce(office: Office):
    staff = office.client_for(office.agent.user)
    for response in (
        staff.get(reverse("admin:customers_customer_change", args=[office.mine.pk])),
        Client().get(reverse("admin:login")),
    ):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "object-src 'none'" in policy
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert "frame-ancestors 'none'" in policy
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    policy = docs["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    page = docs.content.decode()
    # Swagger UI's files come from this site (the sidecar package), its start-up script and
    # style carry the nonce, and no other inline script is on the page.
    assert "cdn" not in page.lower()
    assert page.count(f'nonce="{nonce.group(1)}"') == 2
    assert len(re.findall(r"<script>", page)) == 0


def _stamp(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[STARTED] = now - seconds_ago.get("started", 0)
    session[SEEN] = now - seconds_ago.get("seen", 0)
    session.save()


def _signed_in(client: Client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_a_session_idle_for_thirty_minutes_ends(office: Office):
    client = office.client_for(office.agent.user)
    assert _signed_in(client)
    _stamp(client, started=29 * 60, seen=29 * 60)
    assert _signed_in(client)  # active within the limit: still in, and seen again now
    _stamp(client, started=40 * 60, seen=31 * 60)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert not _signed_in(client)  # signed out for good, not just this once


def test_a_session_ends_after_twelve_hours_however_active(office: Office):
    client = office.client_for(office.agent.user)
    assert _signed_in(client)
    _stamp(client, started=12 * 3600 + 60, seen=5)
    assert not _signed_in(client)


def test_an_api_session_ends_when_idle_too(office: Office):
    client = office.client_for(office.agent.user)
    url = f"/api/v1/customers/{office.mine.customer_no}/bookshelf"
    assert client.get(url).status_code == 200
    _stamp(client, started=40 * 60, seen=31 * 60)
    assert client.get(url).status_code in {401, 403}


def test_an_active_session_is_not_saved_on_every_request(office: Office):
    client = office.client_for(office.agent.user)
    assert _signed_in(client)
    seen = client.session[SEEN]
    _signed_in(client)
    assert client.session[SEEN] == seen  # rewritten at most once a minute
