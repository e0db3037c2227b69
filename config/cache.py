"""Django's Redis cache, keeping one redis client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` object for every cache call; building one
registers a few hundred response callbacks, which costs more than the round trip to a local
Redis. A client is thread-safe and only wraps the pool, so one per pool is kept."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

log = logging.getLogger(__name__)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def counter_incr(self, key: str, timeout: int) -> int:
        """INCR and EXPIRE in one round trip (for rate limits): the new count."""
        key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, timeout)
        count, _ok = pipe.execute()
        return int(count)

    def round_trip(
        self, keys: list[str], counter: str | None = None, timeout: int = 0
    ) -> tuple[list[Any], int | None]:
        """GET of several keys and, with `counter`, its INCR and EXPIRE: one round trip.
        The values as `get` would give them (None: absent), and the new count."""
        made = [self.make_and_validate_key(k) for k in keys]
        pipe = self._cache.get_client(write=True).pipeline(transaction=False)
        for key in made:
            pipe.get(key)
        if counter is not None:
            counted = self.make_and_validate_key(counter)
            pipe.incr(counted)
            pipe.expire(counted, timeout)
        answers = pipe.execute()
        loads = self._cache._serializer.loads  # type: ignore[attr-defined]
        values = [None if v is None else loads(v) for v in answers[: len(made)]]
        return values, (int(answers[len(made)]) if counter is not None else None)


# -- A cache that degrades to a miss: Redis is a speed-up, never a dependency ----------------


def safe_get(key: str) -> Any:
    """Any cache read that must degrade to a miss when Redis is down."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unavailable for %s", key)
        return None


def safe_get_many(keys: list[str]) -> dict[str, Any]:
    """Several reads in one round trip; nothing found when Redis is down."""
    try:
        return dict(cache.get_many(keys))
    except Exception:
        log.warning("cache unavailable for %s", ", ".join(keys))
        return {}


def safe_set(key: str, value: Any, timeout: int = 15 * 60) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.warning("cache write failed for %s", key)


def safe_delete_many(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("cache delete failed")
