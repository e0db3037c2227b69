"""A Celery worker SIGKILLed in the middle of a shelf review, then the review sent again: the
result equals a single clean run, and nobody is notified twice. A worker SIGKILLed in the
middle of sending a push: once its lease expires the requeue sweep has a second worker send
it again, with the same idempotency key, and the gateway delivers it once. Real worker
processes on the real Redis broker and the real PostgreSQL test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from benefits.models import BenefitStatusChange
from bookshelf import jobs
from bookshelf.devtools.demo import DemoBuilder
from bookshelf.models import (
    AgentNotification,
    OutboxMessage,
    OutboxStatus,
    Proposal,
    ReviewFinding,
    ReviewRun,
    ReviewStatus,
)
from bookshelf.reach.services import outbox_requeue_pending, push_create
from bookshelf.review.services import review_run
from customers.models import Tier
from tests.bookshelf.admin.senders import gateway_lines
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(settings.BASE_DIR)


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _env(**extra: str) -> dict[str, str]:
    """A worker's environment: the test settings on this test database and Redis, listening
    on this test worker's queue."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "gw0"),
        **extra,
    }


def _wait(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _row(f: ReviewFinding) -> tuple:
    return (f.benefit_id, f.eligible, f.users, f.uses, f.rate, f.nps, f.low_streak, f.verdict)


def _proposal(p: Proposal) -> tuple:
    """A pull's key names its demand group by id, and the dry run's groups were rolled back
    (their ids spent): a pull is compared by its title and numbers instead."""
    about = p.key if p.kind != "pull" else (p.title, p.requests, p.customers)
    return (p.kind, about, p.status)


def _snapshot(run: ReviewRun) -> tuple[set, set]:
    """Each benefit's overall finding (it sums the per-tier ones) and the proposals."""
    findings = {_row(f) for f in ReviewFinding.objects.filter(run=run, tier__isnull=True)}
    proposals = {_proposal(p) for p in Proposal.objects.filter(run=run)}
    return findings, proposals


def test_a_review_survives_a_killed_worker():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.fail("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    from config.celery import app

    DemoBuilder(customers=240, seed=11).run()
    window_end = timezone.localdate() - timedelta(days=1)

    # What one clean run finds, computed in a transaction that is rolled back.
    clean = review_run(window_end=window_end, dry_run=True)
    assert clean.findings and not ReviewRun.objects.exists()

    env = _env(BOOKSHELF_REVIEW_CHUNK="4", BOOKSHELF_REVIEW_CHUNK_PAUSE="0.3")
    app.control.purge()
    from bookshelf.review.tasks import shelf_review_task as shelf_review

    first = _worker(env)
    try:
        shelf_review.apply_async(kwargs={"window_end": window_end.isoformat()})
        _wait(lambda: ReviewFinding.objects.exists())
        os.killpg(first.pid, signal.SIGKILL)  # mid-review: chunks left, no finish
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    run = ReviewRun.objects.get()
    assert run.status != ReviewStatus.DONE

    second = _worker({**env, "BOOKSHELF_REVIEW_CHUNK_PAUSE": "0"})
    try:
        shelf_review.apply_async(kwargs={"window_end": window_end.isoformat()})
        _wait(lambda: ReviewRun.objects.get().status == ReviewStatus.DONE)
        time.sleep(3)  # let the first run's leftover chunks and callback drain too
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)

    run = ReviewRun.objects.get()  # still one run for the window
    findings, proposals = _snapshot(run)
    assert findings == {_row(f) for f in clean.findings}
    assert proposals == {_proposal(p) for p in clean.proposals}
    # Nobody was told twice, and no benefit moved twice.
    notified = list(AgentNotification.objects.values_list("agent_id", "benefit_id"))
    assert len(notified) == len(set(notified))
    moves = list(BenefitStatusChange.objects.values_list("benefit_id", "to_status"))
    assert len(moves) == len(set(moves))


def test_a_push_whose_worker_is_killed_mid_send_is_sent_again_with_one_key(tmp_path):
    """The gateway sends the message, and the worker is killed before it hears back: the
    message stays claimed. Its lease ends, the requeue sweep (as beat runs it) has a second
    worker claim it and send it again with the same key, and the gateway, deduplicating by
    that key, has delivered it exactly once."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.fail("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    from config.celery import app

    lease = 6  # seconds; short, so the test need not wait the production minute
    env = _env(
        BOOKSHELF_PUSH_SENDER="tests.bookshelf.admin.senders.GatewaySender",
        BOOKSHELF_TEST_GATEWAY=str(tmp_path),
        BOOKSHELF_OUTBOX_LEASE_SECONDS=str(lease),
    )
    requests, delivered = tmp_path / "requests.jsonl", tmp_path / "delivered.jsonl"
    benefit = make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD)
    app.control.purge()

    first = _worker({**env, "BOOKSHELF_TEST_GATEWAY_HANG": "1"})
    try:
        push = push_create(customer=customer, benefit_code=benefit.code, channel="sms")
        _wait(lambda: len(gateway_lines(requests)) == 1)  # the gateway got it, and hangs
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    message = OutboxMessage.objects.get(push=push)
    assert (message.status, message.attempts) == (OutboxStatus.SENDING, 1)
    assert message.locked_until is not None
    assert timezone.now() < message.locked_until  # the claim is still live: it is left alone
    assert outbox_requeue_pending() == 0

    second = _worker(env)
    try:
        _wait(lambda: timezone.now() > message.locked_until, timeout=lease + 5)
        app.send_task(jobs.PUSHES_REQUEUE)  # what beat sends every minute
        _wait(lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.SENT)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)

    message.refresh_from_db()
    key = f"bookshelf-push-{message.pk}"
    assert (message.status, message.attempts, message.delivery_ref) == (
        OutboxStatus.SENT,
        2,
        f"gw:{key}",
    )
    assert message.locked_until is None
    # Two sends reached the gateway, both with the outbox row's key; it delivered one.
    assert gateway_lines(requests) == [{"outbox": message.pk, "key": key}] * 2
    assert gateway_lines(delivered) == [{"outbox": message.pk, "key": key}]
