"""The jobs through Celery: a REAL worker consuming the real Redis broker when REDIS_URL is
set (CI), eagerly in-process on the embedded default. The worker runs in a thread of this
process on its own database connection, so the data must be committed: transaction=True."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.conf import settings
from django.utils import timezone

from benefits.models import Benefit, BenefitStatus
from bookshelf.ledger.services import redemption_create
from bookshelf.models import Proposal, ProposalKind, ProposalStatus, ReviewRun, ReviewStatus
from bookshelf.review.selectors import review_settings_default
from bookshelf.review.tasks import proposals_auto_retire_task as auto_retire_proposals
from bookshelf.review.tasks import shelf_review_task as shelf_review
from config.celery import app
from customers.models import Tier, TierChange, TierRule
from customers.tasks import tiers_recalculate
from tests.factories import make_benefit, make_customer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

REAL_WORKER = bool(settings.REDIS_URL)


@pytest.fixture
def worker() -> Iterator[object]:
    if not REAL_WORKER:
        yield None
        return
    app.control.purge()  # leftovers of an earlier, interrupted run on this test queue
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not finish in time")
        time.sleep(0.2)


def test_real_worker_is_used_when_redis_is_configured(worker):
    result = tiers_recalculate.delay()
    assert result.get(timeout=60)["customers"] == 0
    if REAL_WORKER:
        assert not isinstance(result, EagerResult)
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
    else:
        assert isinstance(result, EagerResult)


def test_the_review_fans_out_and_a_second_send_changes_nothing(worker, settings):
    settings.BOOKSHELF_REVIEW_CHUNK = 1  # one task per benefit: a real chord
    row = review_settings_default()
    row.min_usage_rate = Decimal("0.5")
    row.min_eligible = 1
    row.save()
    customers = [make_customer(tier=Tier.GOLD) for _ in range(4)]
    used = make_benefit(cells={Tier.GOLD: 5}, name="Used")
    unused = make_benefit(cells={Tier.GOLD: 5}, name="Unused")
    Benefit.objects.update(on_shelf_since=timezone.now() - timedelta(days=400))
    for customer in customers[:3]:
        redemption_create(customer=customer, benefit_code=used.code)
    end = (timezone.localdate() + timedelta(days=1)).isoformat()

    run_id = shelf_review.delay(window_days=90, window_end=end).get(timeout=60)
    _wait_for(lambda: ReviewRun.objects.get(pk=run_id).status == ReviewStatus.DONE)
    run = ReviewRun.objects.get(pk=run_id)
    assert run.benefits_reviewed == 2
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    assert proposal.benefit_id == unused.pk
    assert Benefit.objects.get(pk=unused.pk).status == BenefitStatus.UNDER_REVIEW

    # Beat firing twice, or a redelivered task: the same run, no second proposal.
    assert shelf_review.delay(window_days=90, window_end=end).get(timeout=60) == run_id
    assert ReviewRun.objects.count() == 1
    assert Proposal.objects.count() == 1

    # Nobody answers: the daily job retires it.
    Proposal.objects.filter(pk=proposal.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert auto_retire_proposals.delay().get(timeout=60) == 1
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.AUTO_RETIRED
    assert Benefit.objects.get(pk=unused.pk).status == BenefitStatus.RETIRED
    assert Benefit.objects.get(pk=used.pk).status == BenefitStatus.ON_SHELF


def test_the_nightly_tier_job_moves_customers(worker):
    gold = make_customer(tier=Tier.GOLD)
    TierRule.objects.filter(tier=Tier.PLATINUM).update(min_annual_premium=Decimal("24000"))
    report = tiers_recalculate.delay(batch_size=10).get(timeout=60)
    assert report["upgrades"] == 1
    gold.refresh_from_db()
    assert gold.tier == Tier.PLATINUM
    assert TierChange.objects.filter(customer=gold, to_tier=Tier.PLATINUM).count() == 1
