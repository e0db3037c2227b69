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

import logging
import secrets
import threading
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import ApiClient, WebhookSubscription
from .webhook_access import subscriptions_listening

log = logging.getLogger(__name__)

VERSION_KEY = "webhooks:subscribers:version"
MAX_AGE = 60.0

_lock = threading.Lock()
_memo: tuple[str, float, list[WebhookSubscription]] | None = None
_uncommitted: set[str] = set()


def _version() -> str | None:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:  # Redis down: no memo, the database answers
        log.warning("webhook subscribers: cache unavailable, reading the database")
        return None
    return None if version is None else str(version)


def subscribers() -> list[WebhookSubscription]:
    """`subscriptions_listening()`, from this process's memo while the version holds."""
    global _memo
    version = _version()
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
    if version is not None and version not in _uncommitted:
        with _lock:
            _memo = (version, time.monotonic(), found)
    return found


def _bump(*, committed: bool) -> None:
    version = secrets.token_hex(8)
    if not committed:
        _uncommitted.add(version)
    try:
        cache.set(VERSION_KEY, version, timeout=None)
    except Exception:
        log.warning("webhook subscribers: could not announce a change (cache unavailable)")


def subscribers_changed(**_kwargs: Any) -> None:
    """A subscription or an API client changed: every process reads the list again."""
    global _memo
    _memo = None
    _bump(committed=False)
    transaction.on_commit(lambda: _bump(committed=True))


for _model in (WebhookSubscription, ApiClient):
    post_save.connect(subscribers_changed, sender=_model, dispatch_uid=f"subscribers-{_model}")
    post_delete.connect(subscribers_changed, sender=_model, dispatch_uid=f"subscribers-d-{_model}")
