"""Who listens to webhooks, kept in each process: `event_emit` runs in every redemption's
transaction, and the active subscriptions change only when an operator changes them.

The list is held per process under a version stored in Redis; saving or deleting a
subscription or an API client (any path: services, admin) bumps the version at once and again
after commit, and every process reads the list again at its next event. One Redis GET per
event instead of a database query. A version this process bumped inside a transaction that has
not committed yet is never memoised: that transaction alone sees its uncommitted change (a
test's transaction too, which rolls back). When Redis is unavailable every call reads the
database; a memo is never older than `MAX_AGE` seconds, which bounds an invalidation lost to
a Redis outage.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models.signals import post_delete, post_save

from config.change_version import ChangeVersion

from .models import ApiClient, WebhookSubscription
from .webhook_access import subscriptions_listening

SUBSCRIBERS_VERSION = ChangeVersion("webhooks:subscribers:version", "webhook subscribers")
VERSION_KEY = SUBSCRIBERS_VERSION.key
MAX_AGE = 60.0

_lock = threading.Lock()
_memo: tuple[int, float, list[WebhookSubscription]] | None = None


def subscribers() -> list[WebhookSubscription]:
    """`subscriptions_listening()`, from this process's memo while the version holds."""
    global _memo
    version = SUBSCRIBERS_VERSION.read()
    memo = _memo
    if (
        version is not None
        and memo is not None
        and memo[0] == version
        and time.monotonic() - memo[1] < MAX_AGE
    ):
        return memo[2]
    # Read after the version: a change committed meanwhile bumps it again, so the memo below
    # is at worst fresher than its version, never older.
    found = subscriptions_listening()
    if version is not None and SUBSCRIBERS_VERSION.trusted(version):
        with _lock:
            _memo = (version, time.monotonic(), found)
    return found


def subscribers_changed(**_kwargs: Any) -> None:
    """A subscription or an API client changed: every process reads the list again."""
    global _memo
    _memo = None
    SUBSCRIBERS_VERSION.changed()


for _model in (WebhookSubscription, ApiClient):
    post_save.connect(subscribers_changed, sender=_model, dispatch_uid=f"subscribers-{_model}")
    post_delete.connect(subscribers_changed, sender=_model, dispatch_uid=f"subscribers-d-{_model}")
