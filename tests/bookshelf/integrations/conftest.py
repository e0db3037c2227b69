from collections.abc import Iterator
from typing import Any

import pytest

from config.celery import app as celery_app
from tests.bookshelf.api.conftest import app_api, readonly_api  # noqa: F401
from tests.bookshelf.integrations.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def webhooks_in_process(settings: Any) -> Iterator[None]:
    """Deliver in-process (no worker needed) and retry without waiting."""
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
