"""A version in Redis that says "this changed": per-process memos (webhook subscribers, API
clients by token) are kept under it and dropped when it moves.

A change sets a new version at once (so the transaction making it, which alone sees it, reads
the database) and again after commit (so every process does). A version set inside a
transaction not yet committed is never trusted for a memo: that transaction may roll back (a
test's always does)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)


class ChangeVersion:
    def __init__(self, key: str, what: str) -> None:
        self.key = key
        self.what = what  # for the log: whose version it is
        self._uncommitted: set[int] = set()

    def read(self) -> int | None:
        """The current version (one GET), or None when Redis cannot answer."""
        try:
            return self.current(cache.get(self.key))
        except Exception:
            log.warning("%s: cache unavailable, reading the database", self.what)
            return None

    def current(self, value: Any) -> int | None:
        """A version read with other keys; when absent one is set, so later reads can memoise.
        A value of another form (an older release wrote hex strings) is replaced, as after a
        change: memos would otherwise never be kept again."""
        if isinstance(value, int):
            return value
        try:
            if value is None:
                cache.add(self.key, secrets.randbits(48), timeout=None)
            else:
                cache.set(self.key, secrets.randbits(48), timeout=None)
            value = cache.get(self.key)
        except Exception:
            log.warning("%s: cache unavailable, reading the database", self.what)
            return None
        return value if isinstance(value, int) else None

    def trusted(self, version: int | None) -> bool:
        """Whether a memo may be kept under this version."""
        return version is not None and version not in self._uncommitted

    def changed(self) -> None:
        """Something it covers changed: a new version now, and another after commit."""
        self._set(committed=False)
        transaction.on_commit(lambda: self._set(committed=True))

    def _set(self, *, committed: bool) -> None:
        version = secrets.randbits(48)
        if not committed:
            self._uncommitted.add(version)
        try:
            cache.set(self.key, version, timeout=None)
        except Exception:
            log.warning("%s: could not announce a change (cache unavailable)", self.what)
