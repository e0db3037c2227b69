"""Exactly once under real concurrent transactions on PostgreSQL: the same detractor answer
posted by several requests at once makes one answer, one follow-up and one webhook; sweeps
escalating at once escalate each overdue follow-up once.

Each thread closes its connection when done (PostgreSQL allows 100; the suite runs two
workers)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    DetractorFollowUp,
    Redemption,
    RedemptionFeedback,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from bookshelf.reach.services import feedback_record, followups_escalate
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


@pytest.fixture(autouse=True)
def _listener() -> None:
    WebhookSubscription.objects.create(name="ops", url="https://hooks.example.com/x", secret="s")


def _race(job: Callable[[], Any], threads: int = THREADS) -> tuple[Counter[str], list[Any]]:
    """Run `job` in `threads` threads released together; count outcomes by "ok" or error
    code (anything else is a crash, counted under its repr)."""
    barrier = threading.Barrier(threads)
    outcomes: Counter[str] = Counter()
    results: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            try:
                result = job()
                outcome = "ok"
            except DomainError as exc:
                outcome, result = str(exc.code), None
            except Exception as exc:
                outcome, result = f"crash: {exc!r}", None
            with lock:
                outcomes[outcome] += 1
                results.append(result)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    return outcomes, results


def _use(agent: Any) -> Redemption:
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    return redemption_create(customer=customer, benefit_code=benefit.code).redemption


def test_one_answer_posted_at_once_makes_one_followup_and_one_webhook() -> None:
    use = _use(AgentFactory())

    def post() -> Any:
        # Each request loads the use itself, as the API view does.
        return feedback_record(redemption=Redemption.objects.get(pk=use.pk), score=2)

    outcomes, _results = _race(post)
    assert outcomes == Counter({"ok": 1, "feedback_exists": THREADS - 1})
    assert RedemptionFeedback.objects.count() == 1
    assert DetractorFollowUp.objects.count() == 1
    detractor = WebhookEvent.objects.filter(type=WebhookEventType.FEEDBACK_DETRACTOR)
    assert detractor.count() == 1
    assert WebhookDelivery.objects.filter(event__in=detractor).count() == 1


def test_sweeps_racing_escalate_each_overdue_followup_once() -> None:
    supervisor = AgentFactory()
    agent = AgentFactory(supervisor=supervisor)
    followups = [feedback_record(redemption=_use(agent), score=1).followup for _ in range(3)]
    now = max(f.due_at for f in followups if f) + timedelta(minutes=1)

    outcomes, results = _race(lambda: followups_escalate(now=now))
    assert outcomes == Counter({"ok": THREADS})
    assert sum(results) == 3  # every sweep together escalated three, not thirty
    rows = DetractorFollowUp.objects.all()
    assert {(f.escalated_at, f.escalated_to_id) for f in rows} == {(now, supervisor.pk)}
