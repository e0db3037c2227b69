"""The benefit centre's hot path, counted: once a process knows a token, a read is one
database statement (prepared, on a direct connection) and one Redis round trip (the API
clients' version, the throttle's counter and the shelf version together), and a revocation
or a shelf change anywhere still takes effect at the next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from redis.connection import Connection
from rest_framework.test import APIClient

from bookshelf.integrations import clients
from bookshelf.integrations.services import api_client_create, api_client_revoke
from bookshelf.shelf.services import shelf_cell_set
from config.db_batch import may_prepare
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.redis]


def centre(customer: Any) -> str:
    return f"/api/v1/customers/{customer.customer_no}/bookshelf"


@pytest.fixture
def committed_api(django_capture_on_commit_callbacks: Any) -> APIClient:
    """An app backend whose client was created as in production: its change announced after
    commit (a version set inside a transaction that has not committed is never trusted)."""
    with django_capture_on_commit_callbacks(execute=True):
        client, token = api_client_create(name="app-backend")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api.token = token  # type: ignore[attr-defined]
    api.model = client  # type: ignore[attr-defined]
    return api


class RoundTrips:
    """Counts what this process sends to Redis (each send is one round trip: a pipeline is
    sent whole), passing everything through to the real server."""

    def __init__(self, monkeypatch: Any) -> None:
        self.count = 0
        real = Connection.send_packed_command

        def counted(conn: Any, command: Any, check_health: bool = True) -> Any:
            self.count += 1
            return real(conn, command, check_health)

        monkeypatch.setattr(Connection, "send_packed_command", counted)


@pytest.fixture
def household() -> Any:
    customer = make_customer(tier=Tier.DIAMOND)
    make_family(customer, make_customer(tier=Tier.HIGH_NET_WORTH), "child")
    for _ in range(6):
        make_benefit(
            cells={Tier.DIAMOND: 2, Tier.HIGH_NET_WORTH: 3}, shareable=True, family_quota=1
        )
    return customer


def test_a_known_token_reads_the_centre_in_one_statement_and_one_redis_round_trip(
    committed_api, household, monkeypatch, django_assert_num_queries
):
    assert committed_api.get(centre(household)).status_code == 200  # token and shelf learnt
    trips = RoundTrips(monkeypatch)
    with django_assert_num_queries(1) as ctx:
        response = committed_api.get(centre(household))
    assert response.status_code == 200
    assert "bookshelf_apiclient" not in ctx.captured_queries[0]["sql"]
    assert trips.count == 1
    assert sum(len(c["benefits"]) for c in response.json()["categories"]) == 12


def test_an_unknown_token_process_still_reads_the_token_from_the_database(
    committed_api, household, django_assert_num_queries
):
    assert committed_api.get(centre(household)).status_code == 200  # the shelf cached
    clients._memo.clear()  # a worker that has not seen the token
    with django_assert_num_queries(2) as ctx:
        assert committed_api.get(centre(household)).status_code == 200
    assert "bookshelf_apiclient" in ctx.captured_queries[0]["sql"]


def test_a_revocation_in_another_process_stops_a_token_this_one_remembers(
    committed_api, household, django_capture_on_commit_callbacks
):
    assert committed_api.get(centre(household)).status_code == 200
    remembered = dict(clients._memo)
    assert remembered, "the token was not remembered"
    with django_capture_on_commit_callbacks(execute=True):
        api_client_revoke(client=committed_api.model)
    # This process still holds the old instance, as another worker would: only the version
    # in Redis tells it the client changed.
    clients._memo.update(remembered)
    response = committed_api.get(centre(household))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_throttle_counted_in_the_round_trip_still_refuses_past_the_rate(
    committed_api, household, monkeypatch
):
    from bookshelf.api.auth import ClientRateThrottle

    # A day's window, so that no window ends during the test.
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "3/day"})
    assert committed_api.get(centre(household)).status_code == 200  # learns the token: 1 of 3
    trips = RoundTrips(monkeypatch)
    codes = [committed_api.get(centre(household)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert trips.count == 3  # the counter went with the token's round trip each time


def test_a_shelf_change_shows_at_the_next_read(
    committed_api, household, django_capture_on_commit_callbacks
):
    body = committed_api.get(centre(household)).json()
    first = next(b for b in body["categories"][0]["benefits"] if b["source"] == "tier")
    assert first["quota"] == 2
    from bookshelf.models import ShelfCell

    cell = ShelfCell.objects.get(benefit__code=first["code"], tier=Tier.DIAMOND)
    with django_capture_on_commit_callbacks(execute=True):
        shelf_cell_set(
            tier=cell.tier,
            benefit=cell.benefit,
            period=cell.period,
            quota=5,
            family_quota=cell.family_quota,
        )
    again = committed_api.get(centre(household)).json()
    shown = {
        b["code"]: b for c in again["categories"] for b in c["benefits"] if b["source"] == "tier"
    }
    assert shown[first["code"]]["quota"] == 5


def test_the_centre_statement_is_prepared_unless_a_transaction_pooler_is_in_front(
    committed_api, household
):
    for _ in range(2):
        assert committed_api.get(centre(household)).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    centre_prepared = [s for s in prepared if s.startswith("WITH r0")]
    pooled = bool(getattr(settings, "DATABASE_POOLING", ""))
    assert may_prepare(connection) is not pooled
    if pooled:
        # Behind pgbouncer in transaction mode a prepared statement would be left on one
        # server connection: nothing is prepared.
        assert centre_prepared == []
    else:
        # The centre's one statement (others' may stay prepared from earlier reads on this
        # connection: a rollback does not drop them, config.db_batch._keep_on_rollback).
        assert [s for s in centre_prepared if "bookshelf_quotabalance" in s]


def test_an_api_client_s_customer_is_one_prepared_read_without_the_id_number(
    committed_api, household, django_assert_num_queries
):
    url = f"/api/v1/customers/{household.customer_no}/recommendations"
    assert committed_api.get(url).status_code == 200
    # The customer and every read in one statement (the centre's way).
    with django_assert_num_queries(1) as ctx:
        response = committed_api.get(url)
    assert response.status_code == 200
    lookup = ctx.captured_queries[0]["sql"]
    assert lookup.startswith("WITH r0") and "FROM customers_customer" in lookup
    columns = lookup.split(" FROM customers_customer")[0]
    assert "tags" in columns  # what the recommender reads of the customer
    assert "id_number," not in columns.replace("id_number_hash", "")  # never decrypted here
    assert " phone," not in columns  # nor the phone: a recommendation never shows it


def test_a_fresh_worker_preloads_the_clients_that_called_lately(
    committed_api, household, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The warm-up's `api_clients_preload`: a client that called in the last day needs no
    token query in a fresh process; one revoked, or idle for longer, is not kept."""
    assert committed_api.get(centre(household)).status_code == 200  # used now: last_used_at
    with django_capture_on_commit_callbacks(execute=True):
        _idle, idle_token = api_client_create(name="idle-backend")
        _gone, gone_token = api_client_create(name="revoked-backend")
        api_client_revoke(client=_gone)
    clients._memo.clear()  # a fresh worker
    assert clients.api_clients_preload() == 1
    assert set(clients._memo) == {clients.token_digest(committed_api.token)}
    with django_assert_num_queries(1) as ctx:
        assert committed_api.get(centre(household)).status_code == 200
    assert "bookshelf_apiclient" not in ctx.captured_queries[0]["sql"]
    assert clients.token_digest(idle_token) not in clients._memo
    assert clients.token_digest(gone_token) not in clients._memo
