"""The Celery app: configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("bookshelf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _connect_signals() -> None:
    from .metrics import connect_celery as connect_metrics
    from .requestid import connect_celery as connect_request_id

    connect_request_id(app)
    connect_metrics()


_connect_signals()


def enqueue(task: object, *args: object) -> bool:
    """`task.delay(*args)`, but a broker outage is logged, not raised: the work is in the
    database (an outbox row, a pending delivery, an unsuggested event) and the periodic sweep
    sends it once the broker is back. Errors of the task itself (eager mode) still raise."""
    import logging

    if app.conf.task_always_eager:
        task.delay(*args)  # type: ignore[attr-defined]
        return True
    try:
        task.delay(*args)  # type: ignore[attr-defined]
    except Exception as exc:  # publishing runs none of the task's code: this is the broker's
        logging.getLogger(__name__).warning(
            "broker unavailable (%s): %s%r waits for the sweep",
            type(exc).__name__,
            getattr(task, "name", task),
            args,
        )
        return False
    return True
