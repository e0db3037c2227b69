"""The living shelf: review usage, propose retiring what customers don't use and pulling in
what they ask for, and act on product staff's answers.

One service for the command, the scheduled task and the admin:

- `review_run_open` takes the run for a window, keyed by (window end, window days), so a
  review run twice, or a task retried after a worker died, is one row;
- `review_chunk_compute` reviews a chunk of benefits: a few GROUP BY queries over
  redemptions, feedback and customers (never a loop over events), then replaces the chunk's
  findings in one transaction. The Celery task fans chunks out to several workers;
- `review_run_finish` turns findings and grouped demand signals into proposals (written with
  get_or_create under unique keys) and closes the run; once that commits, the run's duration
  and its benefits' verdicts go into the `REVIEW_DURATION` and `REVIEW_FINDINGS` metrics;
- `proposal_approve` / `proposal_decline` / `proposals_auto_retire` act on proposals; a
  retirement goes through `benefits.services.benefit_retire` (never a delete) and tells the
  agents of customers who used the benefit recently, once each.

Usage rate of a benefit in a tier = distinct holders who used it in the window (uses paid
for by the tier allowance, the holder's own or shared with family; purchased uses are not
counted) / customers now in that tier who could use it. "Could use it" applies the
benefit's eligibility rules in SQL: the product line a holder must hold in force and the age
range (age on the window's last day). Approximation: tiers are today's, while uses count
against the tier the holder had when using it (the redemption's snapshot).

A benefit's usage is low when its rate is below the threshold in every tier that holds it.
It is proposed for retirement when its usage was low in this review and the previous
reviews (N in a row), it has been on the shelf longer than the grace period, and its NPS
is not high. The previous reviews' windows are recomputed from the redemptions (one query,
a filtered count per window), so a missed or failed run never resets the count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError
from config.metrics import REVIEW_DURATION, REVIEW_FINDINGS

from .error_codes import ReviewErrorCode
from .findings import review_chunk_compute
from .models import (
    Proposal,
    ProposalKind,
    ReviewFinding,
    ReviewRun,
    ReviewStatus,
    Verdict,
)
from .proposals import pulls_propose, retirements_propose
from .thresholds import review_benefit_ids, review_settings_default, review_thresholds_snapshot

# In one process (the command) nothing is shared: up to this many benefits per chunk, so the
# window is read once. The Celery fan-out uses BOOKSHELF_REVIEW_CHUNK (fewer, for workers).
IN_PROCESS_CHUNK = 1000


def review_run_open(
    *, window_end: date | None = None, window_days: int | None = None
) -> tuple[ReviewRun, bool]:
    """The run for this window: created with a snapshot of the thresholds, or the one that
    exists. A failed run is reopened so it can be finished."""
    default = review_settings_default()
    window_end = window_end or timezone.localdate()
    window_days = window_days or default.window_days
    if window_days < 1 or window_days > 730:
        raise DomainError(
            ReviewErrorCode.INVALID_WINDOW,
            _("The window is 1 to 730 days."),
            field="window_days",
        )
    try:
        with transaction.atomic():
            run, created = ReviewRun.objects.get_or_create(
                window_end=window_end,
                window_days=window_days,
                defaults={"thresholds": review_thresholds_snapshot()},
            )
    except IntegrityError:  # another worker opened it at the same moment
        run, created = ReviewRun.objects.get(window_end=window_end, window_days=window_days), False
    if not created and run.status == ReviewStatus.FAILED:
        ReviewRun.objects.filter(pk=run.pk, status=ReviewStatus.FAILED).update(
            status=ReviewStatus.RUNNING, error=""
        )
        run.refresh_from_db()
    return run, created


def review_chunks(*, run: ReviewRun, size: int | None = None) -> list[list[int]]:
    size = size or settings.BOOKSHELF_REVIEW_CHUNK
    ids = review_benefit_ids(run=run)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@transaction.atomic
def review_run_finish(*, run_id: int) -> ReviewRun:
    """Make the run's proposals and close it. Safe to repeat: a done run is left alone.

    Once the run is committed as done, its duration and its benefits' verdicts go into the
    review metrics; a done run finished again, or a dry run, records nothing."""
    run = ReviewRun.objects.select_for_update().get(pk=run_id)
    if run.status == ReviewStatus.DONE:
        return run
    now = timezone.now()
    retirements_propose(run, now)
    pulls_propose(run, now)
    verdicts = run_verdict_counts(run)
    run.retire_proposals = run.proposals.filter(kind=ProposalKind.RETIRE).count()
    run.pull_proposals = run.proposals.filter(kind=ProposalKind.PULL).count()
    run.benefits_reviewed = sum(verdicts.values())
    run.status = ReviewStatus.DONE
    run.finished_at = now
    run.error = ""
    run.save(
        update_fields=[
            "retire_proposals",
            "pull_proposals",
            "benefits_reviewed",
            "status",
            "finished_at",
            "error",
        ]
    )
    seconds = (now - run.started_at).total_seconds()
    transaction.on_commit(lambda: _record_metrics(seconds, verdicts), robust=True)
    return run


def run_verdict_counts(run: ReviewRun) -> dict[str, int]:
    """How many benefits got each verdict: the benefit-level findings (tier is null)."""
    rows = (
        run.findings.filter(tier__isnull=True)
        .values("verdict")
        .annotate(n=Count("id"))
        .order_by("verdict")
        .values_list("verdict", "n")
    )
    return dict(rows)


def _record_metrics(seconds: float, verdicts: dict[str, int]) -> None:
    """A finished run into the review metrics. Every verdict is counted, zero included, so
    each series exists from the first run on."""
    REVIEW_DURATION.observe(seconds)
    for verdict in Verdict.values:
        REVIEW_FINDINGS.labels(verdict=verdict).inc(verdicts.get(verdict, 0))


def review_run_fail(*, run_id: int, error: str) -> None:
    ReviewRun.objects.filter(pk=run_id).exclude(status=ReviewStatus.DONE).update(
        status=ReviewStatus.FAILED, error=error[:2000]
    )


@dataclass
class ReviewReport:
    run: ReviewRun
    already_done: bool
    dry_run: bool
    findings: list[ReviewFinding]
    proposals: list[Proposal]


class _DryRunRollback(Exception):
    pass


def review_run(
    *,
    window_end: date | None = None,
    window_days: int | None = None,
    dry_run: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> ReviewReport:
    """Run the whole review here, chunk by chunk: the same steps the Celery task fans out.

    `progress(done, total)` is called after each chunk. A dry run does every step in a
    transaction that is rolled back: nothing is stored, proposed, retired or sent.
    """
    report: ReviewReport | None = None

    def steps() -> ReviewReport:
        run, _created = review_run_open(window_end=window_end, window_days=window_days)
        already = run.status == ReviewStatus.DONE
        if not already:
            chunks = review_chunks(run=run, size=chunk_size or IN_PROCESS_CHUNK)
            total = sum(len(c) for c in chunks)
            done = 0
            try:
                for ids in chunks:
                    review_chunk_compute(run_id=run.pk, benefit_ids=ids)
                    done += len(ids)
                    if progress is not None:
                        progress(done, total)
                run = review_run_finish(run_id=run.pk)
            except Exception as exc:
                if not dry_run:
                    review_run_fail(run_id=run.pk, error=repr(exc))
                raise
        return ReviewReport(
            run=run,
            already_done=already,
            dry_run=dry_run,
            findings=list(
                run.findings.filter(tier__isnull=True)
                .select_related("benefit")
                .order_by("benefit__code")
            ),
            proposals=list(run.proposals.order_by("kind", "key")),
        )

    if not dry_run:
        return steps()
    try:
        with transaction.atomic():
            report = steps()
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    assert report is not None
    return report
