"""Reads from a real streaming replica (started by tests.replication.cluster): the router,
read-your-writes, a lagging or stopped replica, the review on the replica.

Each test commits for real (the replica replays only what the primary commits) and reads
the replica through Django's own `replica_0` connection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create, api_client_revoke
from bookshelf.ledger.services import redemption_create
from bookshelf.models import QuotaPeriod, Redemption, ReviewFinding
from bookshelf.reach.selectors import recommendations_evaluate
from bookshelf.review.services import review_run
from bookshelf.shelf.services import shelf_cell_set
from config import replicas
from customers.models import Customer, Tier
from tests.bookshelf.review.test_review import _age, _settings
from tests.factories import make_benefit, make_customer

from .cluster import cluster

REPLICA = "replica_0"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
]


def _one(alias: str, sql: str, params: Any = ()) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _replica_running() -> bool:
    try:
        return bool(_one(REPLICA, "SELECT pg_is_in_recovery()"))
    except Exception:
        connections[REPLICA].close()
        return False


def _wait_replayed(timeout: float = 20) -> None:
    """Until the replica has replayed everything the primary has committed so far."""
    target = _one(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _one(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not replay the primary's writes")


def _pause_replay() -> None:
    _one(REPLICA, "SELECT pg_wal_replay_pause()::text")
    deadline = time.monotonic() + 10
    while _one(REPLICA, "SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline, "replay did not pause"
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _replica_up(settings: Any) -> Iterator[None]:
    """Every test starts with the replica streaming and replaying, checked at each read."""
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30
    settings.METRICS_TOKEN = "replica-test-metrics"
    if not _replica_running():
        cluster().start_server(cluster().replica)
    _one(REPLICA, "SELECT pg_wal_replay_resume()::text")
    replicas._states.clear()
    yield
    if _replica_running():
        _one(REPLICA, "SELECT pg_wal_replay_resume()::text")
    replicas._states.clear()


@pytest.fixture
def api() -> APIClient:
    _client, token = api_client_create(name="app-backend")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _use(api: APIClient, customer: Customer, code: str) -> int:
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    answer = api.post(
        url, {"benefit": code}, format="json", HTTP_IDEMPOTENCY_KEY=f"k{time.time_ns()}"
    )
    assert answer.status_code == 201, answer.content
    return int(answer.json()["id"])


def _centre(api: APIClient, customer: Customer) -> dict[str, Any]:
    answer = api.get(f"/api/v1/customers/{customer.customer_no}/bookshelf")
    assert answer.status_code == 200, answer.content
    return answer.json()


def _remaining(centre: dict[str, Any], code: str) -> int:
    return next(
        b["remaining"] for c in centre["categories"] for b in c["benefits"] if b["code"] == code
    )


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """The benefit centre's own statement among what a connection ran (not the lag checks)."""
    return [q["sql"] for q in captured.captured_queries if "WITH r0" in q["sql"]]


def test_the_replica_is_a_real_streaming_standby_of_the_primary():
    assert _one(REPLICA, "SELECT pg_is_in_recovery()") is True
    assert _one(DEFAULT_DB_ALIAS, "SELECT pg_is_in_recovery()") is False
    assert _one(DEFAULT_DB_ALIAS, "SELECT state FROM pg_stat_replication") == "streaming"
    customer = make_customer(tier=Tier.GOLD)
    _wait_replayed()
    assert Customer.objects.using(REPLICA).filter(customer_no=customer.customer_no).exists()
    with pytest.raises(Exception, match="read-only"), transaction.atomic(using=REPLICA):
        Customer.objects.using(REPLICA).filter(pk=customer.pk).update(name="x")


def test_a_redemption_followed_at_once_by_a_read_shows_the_new_balance(api, settings):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 20})
    _wait_replayed()
    assert _remaining(_centre(api, customer), benefit.code) == 20
    # The replica's state is kept from here on: each read after a use asks the replica
    # itself whether it has replayed the use (its last checked position is older).
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    for n in range(1, 11):
        _use(api, customer, benefit.code)
        assert _remaining(_centre(api, customer), benefit.code) == 20 - n


def test_with_replay_paused_others_read_the_replica_and_the_writer_sees_their_write(api):
    writer, other = make_customer(tier=Tier.GOLD), make_customer(tier=Tier.GOLD, name="李四")
    benefit = make_benefit(cells={Tier.GOLD: 5})
    _wait_replayed()
    before = _centre(api, other)["customer"]["name"]
    _pause_replay()
    _use(api, writer, benefit.code)
    # A change to the other customer the replica has not replayed (not their own write).
    Customer.objects.filter(pk=other.pk).update(name="王五")
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        other_centre = _centre(api, other)
    assert other_centre["customer"]["name"] == before  # the replica's copy: not replayed yet
    assert _statements(on_replica), "the other customer's centre was not read on the replica"
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        writer_centre = _centre(api, writer)
    assert _remaining(writer_centre, benefit.code) == 4  # their own use, from the primary
    assert _statements(on_primary) and not _statements(on_replica)

    _one(REPLICA, "SELECT pg_wal_replay_resume()::text")
    _wait_replayed()
    replicas._states.clear()
    assert _centre(api, other)["customer"]["name"] != before
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert _remaining(_centre(api, writer), benefit.code) == 4
    assert _statements(on_replica), "once replayed, the writer reads the replica again"


def test_a_replica_lagging_past_the_limit_is_skipped_and_readyz_and_metrics_show_it(api, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    customer = make_customer(tier=Tier.GOLD, name="李四")
    make_benefit(cells={Tier.GOLD: 5})
    _wait_replayed()
    _pause_replay()
    Customer.objects.filter(pk=customer.pk).update(name="王五")
    time.sleep(1.5)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        centre = _centre(api, customer)
    assert centre["customer"]["name"].startswith("王")  # the primary's, not the replica's
    assert not _statements(on_replica)

    ready = api.get("/readyz")
    assert ready.status_code == 200
    state = ready.json()["replicas"][REPLICA]
    assert state["up"] is True and state["used"] is False and state["lag_seconds"] > 1
    assert state["lag_bytes"] > 0
    scraper = APIClient()
    metrics = scraper.get("/metrics", HTTP_AUTHORIZATION="Bearer replica-test-metrics")
    assert metrics.status_code == 200
    line = next(
        x for x in metrics.content.decode().splitlines()
        if x.startswith('bookshelf_db_replica_lag_seconds{database="replica_0"}')
    )  # fmt: skip
    assert float(line.rsplit(" ", 1)[1]) > 1


def test_a_stopped_replica_degrades_to_the_primary_with_no_error(api, settings):
    customer = make_customer(tier=Tier.GOLD, name="李四")
    make_benefit(cells={Tier.GOLD: 5})
    _wait_replayed()
    # Stopped between two checks: the next check finds it down.
    cluster().stop_server(cluster().replica)
    Customer.objects.filter(pk=customer.pk).update(name="王五")
    assert _centre(api, customer)["customer"]["name"].startswith("王")
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["replicas"][REPLICA]["up"] is False
    assert api.get("/api/v1/benefits").status_code == 200

    # Stopped while its last check still says usable: the read fails there and runs again
    # on the primary.
    cluster().start_server(cluster().replica)
    connections[REPLICA].close()
    _wait_replayed()
    replicas._states.clear()
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        _centre(api, customer)
    assert _statements(on_replica)
    cluster().stop_server(cluster().replica)
    Customer.objects.filter(pk=customer.pk).update(name="赵六")
    assert _centre(api, customer)["customer"]["name"].startswith("赵")
    assert replicas._states[REPLICA].up is False


def test_reads_inside_a_transaction_and_every_write_stay_on_the_primary():
    customer = make_customer(tier=Tier.GOLD)
    _wait_replayed()
    with replicas.replica_reads() as alias:
        assert alias == REPLICA
        assert Customer.objects.all().db == REPLICA
        with transaction.atomic():
            assert Customer.objects.all().db == DEFAULT_DB_ALIAS
            Customer.objects.filter(pk=customer.pk).update(name="王五")
        customer.name = "赵六"
        customer.save(update_fields=["name"])  # a write never goes to the replica
    assert Customer.objects.get(pk=customer.pk).name == "赵六"
    assert replicas.ReplicaRouter().allow_migrate(REPLICA, "customers") is False


def test_the_review_counts_on_the_replica_when_the_settings_say_so(settings):
    _settings()
    customers = [make_customer(tier=Tier.GOLD) for _ in range(4)]
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Counted")
    _age(benefit)
    for c in customers[:2]:
        redemption_create(customer=c, benefit_code=benefit.code)
    _wait_replayed()
    _pause_replay()
    for c in customers[2:]:  # two more users the replica has not replayed
        redemption_create(customer=c, benefit_code=benefit.code)
    assert Redemption.objects.filter(benefit=benefit).count() == 4
    tomorrow = timezone.localdate() + timedelta(days=1)

    settings.BOOKSHELF_ANALYTICS_ON_REPLICA = True
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        run = review_run(window_end=tomorrow, window_days=90).run
    counted = ReviewFinding.objects.get(run=run, benefit=benefit, tier=Tier.GOLD)
    assert counted.users == 2  # the replica's count: the last two uses not replayed
    grouped = [q["sql"] for q in on_replica.captured_queries if "GROUP BY" in q["sql"]]
    assert any(Redemption._meta.db_table in sql for sql in grouped), grouped
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        recommendations_evaluate(cutoff=timezone.localdate() - timedelta(days=1), horizon_days=5)
    assert on_replica.captured_queries, "the evaluation read nothing on the replica"

    settings.BOOKSHELF_ANALYTICS_ON_REPLICA = False
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        run = review_run(window_end=tomorrow + timedelta(days=7), window_days=90).run
    assert ReviewFinding.objects.get(run=run, benefit=benefit, tier=Tier.GOLD).users == 4
    assert not on_replica.captured_queries


def test_a_cancellation_and_a_purchase_are_seen_at_once_by_their_customer(api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    priced = make_benefit(kind="paid", price=Decimal("9.90"))
    _wait_replayed()
    rid = _use(api, customer, benefit.code)
    _wait_replayed()
    _pause_replay()
    base = f"/api/v1/customers/{customer.customer_no}"
    assert api.post(f"{base}/redemptions/{rid}/cancel").status_code == 200
    assert _remaining(_centre(api, customer), benefit.code) == 5  # given back, not yet replayed
    bought = api.post(
        f"{base}/purchases",
        {"benefit": priced.code, "quantity": 1, "payment_reference": "pay-replica-1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"p{time.time_ns()}",
    )
    assert bought.status_code == 201, bought.content
    assert any(b["code"] == priced.code for c in _centre(api, customer)["categories"]
               for b in c["benefits"])  # fmt: skip


def test_a_revoked_token_stops_at_once_whatever_the_replica_says():
    client, token = api_client_create(name="revoked-soon")
    customer = make_customer(tier=Tier.GOLD)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    _wait_replayed()
    assert api.get(f"/api/v1/customers/{customer.customer_no}/bookshelf").status_code == 200
    _pause_replay()
    api_client_revoke(client=client)
    assert api.get(f"/api/v1/customers/{customer.customer_no}/bookshelf").status_code == 401
    assert api.get("/api/v1/benefits").status_code == 401


def test_what_is_cached_for_everyone_is_read_on_the_primary(api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    _wait_replayed()
    assert _remaining(_centre(api, customer), benefit.code) == 5  # cached at this version
    _pause_replay()
    shelf_cell_set(tier=Tier.GOLD, benefit=benefit, period=QuotaPeriod.CALENDAR_YEAR, quota=9)
    # The change bumped the shelf's version; the replica still has quota 5. The centre (and
    # the shelf cache it fills) must show 9, for this customer and every later reader.
    assert _remaining(_centre(api, customer), benefit.code) == 9
    other = Customer.objects.get(pk=make_customer(tier=Tier.GOLD).pk)
    assert _remaining(_centre(api, other), benefit.code) == 9


def test_an_instance_read_on_the_replica_is_read_again_on_the_primary_in_a_transaction():
    customer = make_customer(tier=Tier.GOLD, name="李四")
    _wait_replayed()
    with replicas.replica_reads():
        loaded = Customer.objects.get(pk=customer.pk)
    assert loaded._state.db == REPLICA
    _pause_replay()
    Customer.objects.filter(pk=customer.pk).update(name="王五")
    with transaction.atomic():
        loaded.refresh_from_db()
    assert loaded.name == "王五"
