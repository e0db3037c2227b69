"""Two staff deciding the same difference at once: one wins, the rest get 409
`reconciliation_item_decided`, and exactly one adjustment line is written. Real concurrent
transactions on PostgreSQL, released together by a barrier, three rounds."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from bookshelf.models import CostEntry, CostKind, ItemStatus, ReconciliationItem
from bookshelf.money.services import item_decide
from config.exceptions import DomainError

from .test_reconciliation import _import, _world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 10
DECISIONS = ["accept", "adjust", "dispute"]


def _race(item_id: int) -> Counter[str]:
    barrier = threading.Barrier(WORKERS)
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            item_decide(
                item_id=item_id,
                decision=DECISIONS[n % 3],
                note=f"by {n}",
                agreed="1.00" if DECISIONS[n % 3] == "adjust" else None,
            )
            outcome = "ok"
        except DomainError as exc:
            outcome = str(exc.code)
        except Exception as exc:
            outcome = f"crash: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, range(WORKERS), timeout=300))
    return outcomes


def test_concurrent_decisions_of_one_item_one_wins():
    _supplier, statement = _world()
    _import(statement, "april-bill.csv")
    for reference in ("A-101", "A-201", "B-301"):
        item = ReconciliationItem.objects.get(statement=statement, reference=reference)
        outcomes = _race(item.pk)
        assert outcomes == {"ok": 1, "reconciliation_item_decided": WORKERS - 1}, outcomes
        item.refresh_from_db()
        assert item.status != ItemStatus.OPEN and item.decided_at is not None
        adjustments = CostEntry.objects.filter(kind=CostKind.ADJUSTMENT, reference=reference)
        assert adjustments.count() == (0 if item.status == ItemStatus.DISPUTED else 1)
