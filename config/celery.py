"""The Celery app: configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

# No settings named: production, which refuses to start without real secrets (never the
# dev settings, with DEBUG on and public keys). `manage.py` defaults to dev for `make run`.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("bookshelf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _connect_signals() -> None:
    from .logs import connect_celery as connect_logs
    from .metrics import connect_celery as connect_metrics
    from .requestid import connect_celery as connect_request_id

    connect_request_id(app)
    connect_metrics()
    connect_logs()


_connect_signals()
