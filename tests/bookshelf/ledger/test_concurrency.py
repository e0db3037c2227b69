"""Quotas hold under real concurrent transactions on PostgreSQL: many requests for the last uses,
for the family's last share, or to cancel the same use, and exactly the right number win.

Each thread opens its own database connection (Django's connections are per thread) and closes
it when done. SQLite serialises writers, so these tests only mean something on PostgreSQL:
on the embedded default the suite leaves them out (and says so); with DATABASE_URL they run.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from bookshelf.ledger.services import redemption_cancel, redemption_create
from bookshelf.models import QuotaBalance, Redemption, RedemptionStatus
from config.exceptions import DomainError
from customers.models import Customer, Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = [
    pytest.mark.postgres,
    # The flush after a transactional test removes rows data migrations put in; the
    # conftest puts them back before every database test.
    pytest.mark.django_db(transaction=True),
]

THREADS = 20


def _race(work: Callable[[], Any], threads: int = THREADS) -> Counter[str]:
    """Run `work` in many threads released together; count outcomes by result or error code."""
    barrier = threading.Barrier(threads)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            work()
            outcome = "ok"
        except DomainError as exc:
            outcome = str(exc.code)
        except Exception as exc:
            outcome = f"crash: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in pool), "a thread hung"
    return outcomes


def test_twenty_requests_for_the_last_two_uses():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    redemption_create(customer=customer, benefit_code=benefit.code)  # 2 uses left

    def work() -> None:
        fresh = Customer.objects.get(pk=customer.pk)
        redemption_create(customer=fresh, benefit_code=benefit.code)

    outcomes = _race(work)
    assert outcomes == Counter({"ok": 2, "quota_exhausted": THREADS - 2})
    assert QuotaBalance.objects.get().used == 3
    assert Redemption.objects.filter(status=RedemptionStatus.COMPLETED).count() == 3


def test_twenty_first_uses_of_a_fresh_period_create_one_balance():
    """No balance row exists yet: the threads race to create it, and still only 2 win."""
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})

    def work() -> None:
        redemption_create(customer=Customer.objects.get(pk=customer.pk), benefit_code=benefit.code)

    outcomes = _race(work)
    assert outcomes == Counter({"ok": 2, "quota_exhausted": THREADS - 2})
    assert QuotaBalance.objects.count() == 1
    assert QuotaBalance.objects.get().used == 2


def test_twenty_requests_for_the_family_s_last_two_shares():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    spouse = make_customer(tier=Tier.ORDINARY)
    child = make_customer(tier=Tier.PROSPECT, age=12)
    make_family(holder, spouse, "spouse")
    make_family(holder, child, "child")
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 10}, shareable=True, family_quota=3)
    redemption_create(customer=spouse, benefit_code=benefit.code)  # 2 family shares left
    turn = iter(range(THREADS))
    turn_lock = threading.Lock()

    def work() -> None:
        with turn_lock:
            n = next(turn)
        # Half the requests come from the holder for the child, half from the spouse.
        if n % 2:
            redemption_create(
                customer=Customer.objects.get(pk=holder.pk),
                benefit_code=benefit.code,
                beneficiary_no=child.customer_no,
            )
        else:
            redemption_create(
                customer=Customer.objects.get(pk=spouse.pk), benefit_code=benefit.code
            )

    outcomes = _race(work)
    assert outcomes == Counter({"ok": 2, "family_allowance_exhausted": THREADS - 2})
    balance = QuotaBalance.objects.get(holder=holder)
    assert (balance.used, balance.family_used) == (3, 3)
    # The holder's own uses are still there.
    assert redemption_create(customer=holder, benefit_code=benefit.code).remaining == 6


def test_concurrent_cancels_give_the_use_back_once():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    first = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    redemption_create(customer=customer, benefit_code=benefit.code)

    def work() -> None:
        redemption_cancel(redemption=Redemption.objects.get(pk=first.pk))

    outcomes = _race(work)
    assert outcomes == Counter({"ok": 1, "already_cancelled": THREADS - 1})
    assert QuotaBalance.objects.get().used == 1
    first.refresh_from_db()
    assert first.status == RedemptionStatus.CANCELLED


def test_concurrent_cancels_of_a_family_use_give_back_both_counters_once():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse)
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 5}, shareable=True, family_quota=2)
    shared = redemption_create(customer=spouse, benefit_code=benefit.code).redemption
    redemption_create(customer=spouse, benefit_code=benefit.code)

    outcomes = _race(lambda: redemption_cancel(redemption=Redemption.objects.get(pk=shared.pk)))
    assert outcomes == Counter({"ok": 1, "already_cancelled": THREADS - 1})
    balance = QuotaBalance.objects.get(holder=holder)
    assert (balance.used, balance.family_used) == (1, 1)
