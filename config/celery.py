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
