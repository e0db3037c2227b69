"""Code claims under real concurrent transactions on PostgreSQL: 200 uses of an issued
benefit against a pool of 10 codes give exactly 10 distinct codes and 190 `code_pool_empty`
that spend nothing, three times over; the low-stock alert goes out once per restock.

200 customers, so that no two requests wait on the same quota balance row: the claims
themselves race. A pool of 20 worker threads takes the 200 requests in batches of 20, each
batch released together by a barrier; each thread closes its database connection after its
request (CI's PostgreSQL allows 100 connections to two workers of the suite).
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection
from django.db.models import Sum

from bookshelf.fulfilment.pools import code_open
from bookshelf.fulfilment.services import codes_import, use_request
from bookshelf.models import (
    CodePool,
    CodeState,
    Fulfilment,
    PoolCode,
    QuotaBalance,
    Redemption,
    WebhookEvent,
    WebhookSubscription,
)
from config.exceptions import DomainError
from customers.models import Customer, Tier
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 200
WORKERS = 20
CODES = 10
TODAY = date(2026, 3, 10)


def _round(benefit_code: str, customer_ids: list[int]) -> tuple[Counter[str], list[str]]:
    barrier = threading.Barrier(WORKERS)
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    handed: list[str] = []

    def one(customer_id: int) -> None:
        try:
            barrier.wait(timeout=60)
            customer = Customer.objects.get(pk=customer_id)
            result = use_request(customer=customer, benefit_code=benefit_code, today=TODAY)
            outcome, code = "ok", result.code
        except DomainError as exc:
            outcome, code = str(exc.code), None
        except Exception as exc:
            outcome, code = f"crash: {exc!r}", None
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1
            if code is not None:
                handed.append(code)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, customer_ids, timeout=300))
    return outcomes, handed


def test_two_hundred_uses_race_for_ten_codes_three_times():
    WebhookSubscription.objects.create(name="ops", url="https://hooks.example.com/x", secret="s")
    benefit = make_benefit(cells={Tier.GOLD: None}, fulfilment_kind="issued", name="Voucher")
    supplier = make_supplier("voucher-co", benefits=[benefit])
    code_pool = CodePool.objects.create(benefit=benefit, supplier=supplier, low_stock_threshold=5)
    customer_ids = [make_customer(tier=Tier.GOLD, consent=False).pk for _ in range(REQUESTS)]

    for n in range(1, 4):
        file = "\n".join(["code", *(f"R{n}-{i:02d}" for i in range(CODES))]).encode()
        report = codes_import(
            pool=code_pool, file=io.BytesIO(file), filename="codes.csv", today=TODAY
        )
        assert report.imported == CODES
        assert report.rearmed == (n > 1)

        outcomes, handed = _round(benefit.code, customer_ids)

        assert outcomes == Counter({"ok": CODES, "code_pool_empty": REQUESTS - CODES})
        assert sorted(handed) == [f"R{n}-{i:02d}" for i in range(CODES)]
        claimed = PoolCode.objects.filter(pool=code_pool, state=CodeState.CLAIMED)
        assert claimed.count() == CODES * n
        assert sorted(code_open(c) for c in claimed) == sorted(
            f"R{r}-{i:02d}" for r in range(1, n + 1) for i in range(CODES)
        )
        # Each claimed code belongs to exactly one use, and only winners spent anything.
        assert claimed.values("redemption_id_claimed").distinct().count() == CODES * n
        assert Redemption.objects.count() == Fulfilment.objects.count() == CODES * n
        spent = QuotaBalance.objects.aggregate(used=Sum("used"), held=Sum("held"))
        assert spent == {"used": CODES * n, "held": CODES * n}
        # Of the claims that crossed the threshold together, one sent the alert.
        assert WebhookEvent.objects.filter(type="code_pool.low").count() == n
        code_pool.refresh_from_db()
        assert code_pool.low_stock_alerted_at is not None
