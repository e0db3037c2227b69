"""The per-tier shelf cache. Keys carry a version that any change to the shelf bumps, so a
reader that built its value from old rows writes it under an old, unread key.

When the cache (Redis) is down, every call degrades to "not cached": the shelf is read from
the database and requests keep being answered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)

VERSION_KEY = "shelf:version"
TTL = 15 * 60  # bounds staleness if an invalidation is lost while Redis is down


def _version() -> int:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, timeout=None)
            version = cache.get(VERSION_KEY) or 1
        return int(version)
    except Exception:  # the cache is a speed-up, never a dependency
        log.warning("shelf cache unavailable; reading the shelf from the database")
        return -1


def _tier_key(version: int, tier: int) -> str:
    return f"shelf:v{version}:tier:{tier}"


def get_tiers(tiers: Iterable[int]) -> dict[int, Any]:
    version = _version()
    if version < 0:
        return {}
    keys = {_tier_key(version, t): t for t in tiers}
    try:
        found = cache.get_many(list(keys))
    except Exception:
        return {}
    return {keys[k]: v for k, v in found.items()}


def set_tiers(values: dict[int, Any]) -> None:
    version = _version()
    if version < 0 or not values:
        return
    try:
        cache.set_many({_tier_key(version, t): v for t, v in values.items()}, timeout=TTL)
    except Exception:
        log.warning("shelf cache write failed")


def get_named(name: str) -> Any:
    """A value derived from the shelf (the purchasable list, benefit tags...), or None."""
    version = _version()
    if version < 0:
        return None
    try:
        return cache.get(f"shelf:v{version}:{name}")
    except Exception:
        return None


def set_named(name: str, value: Any) -> None:
    version = _version()
    if version < 0:
        return
    try:
        cache.set(f"shelf:v{version}:{name}", value, timeout=TTL)
    except Exception:
        log.warning("shelf cache write failed")


def invalidate() -> None:
    """Called (after commit) whenever a benefit, shelf cell or eligibility rule changes."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, timeout=None)
    except Exception:
        log.warning("shelf cache invalidation failed; entries expire within %ss", TTL)


def safe_get(key: str) -> Any:
    """Any cache read that must degrade to a miss when Redis is down."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unavailable for %s", key)
        return None


def safe_set(key: str, value: Any, timeout: int = TTL) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.warning("cache write failed for %s", key)


def safe_delete_many(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("cache delete failed")
