"""The platform's own Prometheus metrics, beside django-prometheus's request metrics."""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram

REDEMPTIONS = Counter(
    "bookshelf_redemptions_total", "Redemption attempts by result code", ["result"]
)
REVIEW_DURATION = Histogram(
    "bookshelf_review_duration_seconds",
    "Wall time of shelf reviews",
    buckets=(1, 5, 15, 60, 300, 900, 3600),
)
REVIEW_FINDINGS = Counter(
    "bookshelf_review_findings_total", "Shelf review findings by verdict", ["verdict"]
)
OUTBOX_BACKLOG = Gauge("bookshelf_outbox_backlog", "Undelivered outbox messages", ["outbox"])
OUTBOX_OLDEST_AGE = Gauge(
    "bookshelf_outbox_oldest_age_seconds", "Age of the oldest undelivered message", ["outbox"]
)
WEBHOOK_DELIVERIES = Counter(
    "bookshelf_webhook_deliveries_total", "Webhook delivery attempts by result", ["result"]
)
CELERY_TASKS = Counter("bookshelf_celery_tasks_total", "Celery task outcomes", ["task", "outcome"])
# Streaming replicas (config.replicas): seen at each check, and where stale-tolerant reads went.
REPLICA_UP = Gauge(
    "bookshelf_db_replica_up", "1 if the replica answered its last check", ["database"]
)
REPLICA_LAG_SECONDS = Gauge(
    "bookshelf_db_replica_lag_seconds",
    "Age of the newest transaction the replica replayed, 0 when it replayed all it received",
    ["database"],
)
REPLICA_LAG_BYTES = Gauge(
    "bookshelf_db_replica_lag_bytes", "WAL bytes the replica has still to replay", ["database"]
)
REPLICA_READS = Counter(
    "bookshelf_db_replica_reads_total",
    "Reads that may go to a replica, by where they went and why",
    ["database", "why"],
)

# What refreshes the backlog gauges at scrape time: outbox name -> () -> (rows, oldest age s).
# Each outbox registers itself (integrations.outbox.outbox_register): webhooks, pushes.
GAUGE_SOURCES: dict[str, Callable[[], tuple[int, float]]] = {}


def refresh_gauges() -> None:
    for name, source in GAUGE_SOURCES.items():
        try:
            count, age = source()
        except Exception:  # a metrics scrape must not fail on one source
            logging.getLogger(__name__).warning("metrics source %s failed", name)
            continue
        OUTBOX_BACKLOG.labels(outbox=name).set(count)
        OUTBOX_OLDEST_AGE.labels(outbox=name).set(age)


def connect_celery() -> None:
    from celery.signals import task_failure, task_retry, task_success

    def _name(sender: object) -> str:
        return str(getattr(sender, "name", sender))

    @task_success.connect(weak=False)
    def _ok(sender: object = None, **_kw: object) -> None:
        CELERY_TASKS.labels(task=_name(sender), outcome="success").inc()

    @task_failure.connect(weak=False)
    def _failed(sender: object = None, **_kw: object) -> None:
        CELERY_TASKS.labels(task=_name(sender), outcome="failure").inc()

    @task_retry.connect(weak=False)
    def _retry(sender: object = None, **_kw: object) -> None:
        CELERY_TASKS.labels(task=_name(sender), outcome="retry").inc()
