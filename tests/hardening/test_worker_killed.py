"""A Celery worker SIGKILLed in the middle of a shelf review, then the review sent again: the
result equals a single clean run, and nobody is notified twice. A real worker process on the
real Redis broker and the real PostgreSQL test database."""

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
from bookshelf.devtools.demo import DemoBuilder
from bookshelf.models import AgentNotification, Proposal, ReviewFinding, ReviewRun, ReviewStatus
from bookshelf.review.services import review_run

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


def _wait(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _row(f: ReviewFinding) -> tuple:
    return (f.benefit_id, f.eligible, f.users, f.uses, f.rate, f.nps, f.low_streak, f.verdict)


def _snapshot(run: ReviewRun) -> tuple[set, set]:
    """Each benefit's overall finding (it sums the per-tier ones) and the proposals."""
    findings = {_row(f) for f in ReviewFinding.objects.filter(run=run, tier__isnull=True)}
    proposals = {(p.kind, p.key, p.status) for p in Proposal.objects.filter(run=run)}
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

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "BOOKSHELF_REVIEW_CHUNK": "4",
        "BOOKSHELF_REVIEW_CHUNK_PAUSE": "0.3",
        "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "gw0"),
    }
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
    assert proposals == {(p.kind, p.key, p.status) for p in clean.proposals}
    # Nobody was told twice, and no benefit moved twice.
    notified = list(AgentNotification.objects.values_list("agent_id", "benefit_id"))
    assert len(notified) == len(set(notified))
    moves = list(BenefitStatusChange.objects.values_list("benefit_id", "to_status"))
    assert len(moves) == len(set(moves))
