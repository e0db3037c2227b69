"""When the shelf review runs next, and "run a review now" for product staff.

The schedule is beat's: django-celery-beat's periodic tasks naming the review task
(`jobs.SHELF_REVIEW`), edited by superusers in the admin. A review asked for now queues that
same task for today's window, the one the schedule would review today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import PeriodicTask

from config.exceptions import Conflict

from .. import jobs
from .error_codes import ReviewErrorCode
from .models import ReviewRun, ReviewSettings, ReviewStatus
from .runs import review_run_open

# A run still "running" this long after it started has lost its workers: asking for a review
# again queues the task once more, which finishes that run (every step can run twice).
REVIEW_STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class ScheduledReview:
    """The next scheduled review: the periodic task's name and when beat sends it."""

    name: str
    next_run_at: datetime


def _next_run(task: PeriodicTask, now: datetime) -> datetime | None:
    """When beat next sends this periodic task, or None if it never will again."""
    if task.one_off and task.total_run_count:
        return None
    if task.clocked_id is not None:
        at = task.clocked.clocked_time
        return at if at >= now or not task.last_run_at else None
    start = max(now, task.start_time) if task.start_time else now
    # An interval counts from the last run; a crontab or solar event is the next slot.
    since = (task.last_run_at or start) if task.interval_id is not None else start
    remaining = task.schedule.remaining_estimate(since)
    # `remaining_estimate` measures from its own clock reading: round off the microseconds.
    at = (timezone.now() + remaining + timedelta(milliseconds=500)).replace(microsecond=0)
    at = max(at, start.replace(microsecond=0))
    if task.expires and at > task.expires:
        return None
    return at


def review_next_scheduled(*, now: datetime | None = None) -> ScheduledReview | None:
    """The enabled periodic task for the review that beat sends first, with its next run
    time; None when no enabled task runs the review ("not scheduled")."""
    now = now or timezone.now()
    tasks = PeriodicTask.objects.filter(task=jobs.SHELF_REVIEW, enabled=True).select_related(
        "crontab", "interval", "solar", "clocked"
    )
    upcoming = [
        ScheduledReview(name=task.name, next_run_at=at)
        for task in tasks.order_by("pk")
        if (at := _next_run(task, now)) is not None
    ]
    return min(upcoming, key=lambda s: s.next_run_at, default=None)


def review_in_progress(*, now: datetime | None = None) -> ReviewRun | None:
    """The review running now (started less than `REVIEW_STALE_AFTER` ago), if any."""
    now = now or timezone.now()
    return (
        ReviewRun.objects.filter(
            status=ReviewStatus.RUNNING, started_at__gte=now - REVIEW_STALE_AFTER
        )
        .order_by("-started_at", "-pk")
        .first()
    )


@transaction.atomic
def review_run_request(*, now: datetime | None = None) -> ReviewRun:
    """Queue the scheduled review's task for today's window, now.

    Refused (a Conflict) while a review is running, or when today's window is already
    reviewed (the same window twice is the same review). Two requests at once are
    serialised on the default review settings row, so only one of them queues the task."""
    now = now or timezone.now()
    # One lock for every request: the row every review reads its defaults from.
    ReviewSettings.objects.select_for_update().filter(category__isnull=True).order_by("pk").first()
    running = review_in_progress(now=now)
    if running is not None:
        raise Conflict(
            ReviewErrorCode.REVIEW_IN_PROGRESS,
            _("A review is already running (%(run)s): its results appear here when it is done.")
            % {"run": running},
        )
    run, _created = review_run_open(window_end=timezone.localdate(now))
    if run.status == ReviewStatus.DONE:
        raise Conflict(
            ReviewErrorCode.REVIEW_WINDOW_DONE,
            _(
                "Today's window is already reviewed (%(run)s): the same window gives the same "
                "review."
            )
            % {"run": run},
        )
    if run.started_at < now - REVIEW_STALE_AFTER:  # stale: it resumes, from now
        ReviewRun.objects.filter(pk=run.pk).update(started_at=now)
    jobs.enqueue_on_commit(jobs.SHELF_REVIEW, run.window_days, run.window_end.isoformat())
    return run
