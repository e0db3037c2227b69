"""Exactly one beat sends the schedule, however many are started.

Every beat process runs `SingleBeatScheduler`. Before each tick it takes or renews a lease in
Redis (`SET key token NX PX ttl`, renewed only by the holder, compare-and-set in Lua); a beat
that does not hold the lease sends nothing and checks again a few seconds later. So a second
beat started by mistake stays idle, and a standby takes over within `BEAT_LOCK_TTL` seconds of
the leader dying (a leader that stops cleanly hands over at once).

The lease lives on the broker's Redis: with Redis down nothing could be sent anyway. Without
REDIS_URL (the embedded default, tasks run eagerly) there is no beat to coordinate.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

LOCK_KEY = "bookshelf:beat:leader"
# Long next to a tick (DatabaseScheduler sleeps at most 5 s between ticks, and renews on
# each), short enough that a standby takes over within a minute of a crash.
BEAT_LOCK_TTL = 60
STANDBY_POLL_SECONDS = 5.0

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def lock_client(url: str) -> Any:
    """A Redis client that answers or fails within seconds, without redis-py's retries: a
    beat that cannot reach Redis stands by and asks again on its next tick."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )


class BeatLock:
    """A lease in Redis that one beat holds at a time."""

    def __init__(self, client: Any, *, key: str = LOCK_KEY, ttl: float = BEAT_LOCK_TTL) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = int(ttl * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @classmethod
    def from_settings(cls) -> BeatLock:
        if not settings.REDIS_URL:
            return cls(None)
        return cls(lock_client(settings.REDIS_URL))

    def hold(self) -> bool:
        """Take the lease, or renew it if it is ours. False when another beat holds it or
        Redis cannot be asked (then nothing could be sent anyway)."""
        if self.client is None:
            return True
        try:
            if self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms):
                return True
            return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except Exception as exc:  # Redis down or unreachable: stand by
            log.warning("beat lock unavailable (%s): standing by", type(exc).__name__)
            return False

    def release(self) -> None:
        if self.client is None:
            return
        try:
            self.client.eval(_RELEASE, 1, self.key, self.token)
        except Exception:
            log.warning("beat lock not released; it expires in %s s", self.ttl_ms // 1000)

    def holder(self) -> str | None:
        if self.client is None:
            return self.token
        value = self.client.get(self.key)
        return value.decode() if value is not None else None


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, sending only while it holds the beat lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.beat_lock = kwargs.pop("beat_lock", None) or BeatLock.from_settings()
        self.leading = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        leading = self.beat_lock.hold()
        if leading and not self.leading:
            log.info("beat %s leads: sending the schedule", self.beat_lock.token)
            # Another beat may have run jobs meanwhile: read every entry afresh, last runs
            # included. Note the change stamp first, or the next read in this same tick
            # would see a "change" and swap the entries under the heap.
            self.schedule_changed()
            self._initial_read = True
            self._heap = None
        elif self.leading and not leading:
            log.warning("beat %s lost the lead: standing by", self.beat_lock.token)
        elif not leading and not self.leading and not getattr(self, "_said_standby", False):
            log.info("beat %s stands by: %s holds the lock", self.beat_lock.token, self._holder())
            self._said_standby = True
        self.leading = leading
        if not leading:
            return min(self.max_interval, STANDBY_POLL_SECONDS)
        return float(super().tick(*args, **kwargs))

    def _holder(self) -> str:
        try:
            return self.beat_lock.holder() or "nobody"
        except Exception:
            return "unknown"

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.leading:
                self.beat_lock.release()
                self.leading = False
