"""The review's one-at-a-time rules under real concurrency, on PostgreSQL: two staff asking for
a review at once queue it once; two approving one pull at once create one draft benefit."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from benefits.models import Benefit
from bookshelf import jobs
from bookshelf.models import Proposal, ProposalKind, ReviewRun
from bookshelf.review.services import demand_signal_create, proposal_approve, review_run_request
from config.exceptions import Conflict
from tests.bookshelf.review.test_review import _settings
from tests.factories import category, make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests need PostgreSQL: run them with DATABASE_URL set")


def _at_once(n: int, work: Any) -> list[str]:
    barrier = threading.Barrier(n)

    def one(_i: int) -> str:
        try:
            barrier.wait(timeout=30)
            work()
            return "ok"
        except Conflict as exc:
            return exc.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_eight_staff_asking_for_a_review_at_once_queue_it_once(monkeypatch):
    _settings()
    sent: list[tuple[Any, ...]] = []
    # The broker's side only: what would be sent (the database is real).
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: sent.append((name, *args)))
    results = Counter(_at_once(8, review_run_request))
    assert results == {"ok": 1, "review_in_progress": 7}
    assert len(sent) == 1 and sent[0][0] == jobs.SHELF_REVIEW
    assert ReviewRun.objects.count() == 1


def test_two_approving_one_pull_at_once_create_one_draft():
    _settings()
    lif = category("LIF")
    for _ in range(3):
        demand_signal_create(text="EV charging discount", category=lif, customer=make_customer())
    from datetime import timedelta

    from django.utils import timezone

    from bookshelf.review.services import review_run

    run = review_run(window_end=timezone.localdate() + timedelta(days=1), window_days=90).run
    pull = Proposal.objects.get(run=run, kind=ProposalKind.PULL)
    before = Benefit.objects.count()
    results = Counter(_at_once(4, lambda: proposal_approve(proposal=pull)))
    assert results == {"ok": 1, "proposal_already_decided": 3}
    assert Benefit.objects.count() == before + 1
