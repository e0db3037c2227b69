"""Budgets that hold under real concurrent transactions on PostgreSQL (issue 18's "Done
when"): 200 requests from 200 customers, 20 threads released together, against a budget of
10 uses (or of 1,000 yuan at 100 yuan a use) give exactly 10 uses and 190 `budget_exhausted`,
the budget's counters exact and the refused customers' quotas untouched, round after round;
the warning goes out once per period however many uses cross it at once; a booked benefit's
held uses charge the budget and a failed one gives its use back.

Each thread closes its connection when done (PostgreSQL allows 100; the suite runs two
workers).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from bookshelf.fulfilment.services import Actor, fulfilment_transition, use_request
from bookshelf.models import (
    ActorKind,
    Budget,
    BudgetPeriod,
    ContractPrice,
    Fulfilment,
    QuotaBalance,
    Redemption,
    WebhookEvent,
    WebhookSubscription,
)
from config.exceptions import DomainError
from customers.models import Customer, Tier
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20
REQUESTS = 200
CAP = 10


@pytest.fixture(autouse=True)
def _listener() -> None:
    """Someone listens: an event is recorded only for a subscriber."""
    WebhookSubscription.objects.create(name="ops", url="https://hooks.example.com/x", secret="s")


def _race(jobs: list[Callable[[], Any]], threads: int = THREADS) -> Counter[str]:
    """Run `jobs` over threads released together by a barrier; count outcomes by "ok" or
    error code (anything else is a crash, counted under its repr)."""
    threads = min(threads, len(jobs))
    barrier = threading.Barrier(threads)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    queue = iter(jobs)

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    job = next(queue, None)
                if job is None:
                    return
                try:
                    job()
                    outcome = "ok"
                except DomainError as exc:
                    outcome = str(exc.code)
                except Exception as exc:
                    outcome = f"crash: {exc!r}"
                with lock:
                    outcomes[outcome] += 1
        finally:
            connection.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in pool), "a thread hung"
    return outcomes


def _requests(benefit: Any, customers: list[Customer]) -> list[Callable[[], Any]]:
    def job(pk: int) -> Callable[[], Any]:
        return lambda: use_request(customer=Customer.objects.get(pk=pk), benefit_code=benefit.code)

    return [job(c.pk) for c in customers]


def _assert_exactly_cap_passed(benefit: Any, customers: list[Customer], outcomes: Counter[str]):
    assert outcomes == Counter({"ok": CAP, "budget_exhausted": REQUESTS - CAP}), outcomes
    assert Redemption.objects.filter(benefit=benefit).count() == CAP
    served = set(Redemption.objects.filter(benefit=benefit).values_list("holder_id", flat=True))
    assert len(served) == CAP
    balances = dict(QuotaBalance.objects.filter(benefit=benefit).values_list("holder_id", "used"))
    # The refused customers' quotas are untouched: no balance used (or none at all).
    assert all(balances.get(c.pk, 0) == 0 for c in customers if c.pk not in served)
    assert all(balances[pk] == 1 for pk in served)


def _customers(n: int = REQUESTS) -> list[Customer]:
    return [make_customer(tier=Tier.GOLD) for _ in range(n)]


@pytest.mark.parametrize("round_no", [1, 2, 3])
def test_200_requests_against_a_budget_of_10_uses_give_exactly_10(round_no):
    benefit = make_benefit(cells={Tier.GOLD: 3}, name=f"Consult {round_no}")
    make_supplier(f"docs-{round_no}", benefits=[benefit])
    Budget.objects.create(benefit=benefit, cap_uses=CAP)
    customers = _customers()

    outcomes = _race(_requests(benefit, customers))

    _assert_exactly_cap_passed(benefit, customers, outcomes)
    period = BudgetPeriod.objects.get(budget__benefit=benefit)
    assert period.used_uses == CAP
    assert WebhookEvent.objects.filter(type="budget.warning").count() == 1


@pytest.mark.parametrize("round_no", [1, 2, 3])
def test_200_requests_against_1000_yuan_at_100_a_use_give_exactly_10(round_no):
    benefit = make_benefit(cells={Tier.GOLD: 3}, name=f"Escort {round_no}")
    supplier = make_supplier(f"escort-{round_no}", benefits=[benefit])
    ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal("100.00"), valid_from=date(2020, 1, 1)
    )
    Budget.objects.create(benefit=benefit, cap_amount=Decimal("1000.00"))
    customers = _customers()

    outcomes = _race(_requests(benefit, customers))

    _assert_exactly_cap_passed(benefit, customers, outcomes)
    period = BudgetPeriod.objects.get(budget__benefit=benefit)
    assert (period.used_uses, period.used_amount) == (CAP, Decimal("1000.00"))
    assert set(Redemption.objects.filter(benefit=benefit).values_list("unit_cost", flat=True)) == {
        Decimal("100.00")
    }


def test_many_uses_crossing_the_warning_level_at_once_warn_exactly_once():
    """A budget of 100 uses warned at 80%: 100 customers at once take it from 0 to 100; the
    warning is one webhook event, for this period."""
    benefit = make_benefit(cells={Tier.GOLD: 3}, name="Checkup")
    make_supplier("check", benefits=[benefit])
    budget = Budget.objects.create(benefit=benefit, cap_uses=100, warn_percent=80)
    customers = _customers(100)

    outcomes = _race(_requests(benefit, customers))

    assert outcomes == Counter({"ok": 100})
    warnings = WebhookEvent.objects.filter(type="budget.warning")
    assert warnings.count() == 1
    payload = warnings.get().payload
    assert payload["budget_id"] == budget.pk and payload["cap_uses"] == 100
    assert payload["used_uses"] >= 80
    assert BudgetPeriod.objects.get(budget=budget).warned_at is not None


def test_held_uses_of_a_booked_benefit_charge_the_budget_and_a_failed_one_gives_it_back():
    benefit = make_benefit(cells={Tier.GOLD: 3}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-held", benefits=[benefit])
    Budget.objects.create(benefit=benefit, cap_uses=CAP)
    customers = _customers()

    outcomes = _race(_requests(benefit, customers))

    _assert_exactly_cap_passed(benefit, customers, outcomes)
    assert Fulfilment.objects.filter(benefit=benefit, state="requested").count() == CAP
    assert BudgetPeriod.objects.get(budget__benefit=benefit).used_uses == CAP

    # The supplier fails one, ten times at once: one use goes back to the budget.
    victim = Fulfilment.objects.filter(benefit=benefit).order_by("pk").first()
    assert victim is not None
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)

    def fail() -> None:
        fulfilment_transition(fulfilment_id=victim.pk, target="failed", actor=actor)

    failed = _race([fail] * 10, threads=10)
    assert failed == Counter({"ok": 1, "illegal_transition": 9})
    assert BudgetPeriod.objects.get(budget__benefit=benefit).used_uses == CAP - 1

    # So a refused customer now passes, once; the next is refused again.
    served = set(Redemption.objects.filter(benefit=benefit).values_list("holder_id", flat=True))
    waiting = [c for c in customers if c.pk not in served]
    use_request(customer=waiting[0], benefit_code=benefit.code)
    with pytest.raises(DomainError) as refused:
        use_request(customer=waiting[1], benefit_code=benefit.code)
    assert refused.value.code == "budget_exhausted"
    assert BudgetPeriod.objects.get(budget__benefit=benefit).used_uses == CAP
