"""The per-tier shelf cache.

Each entry is stored with the shelf version it was built from; any change to the shelf bumps
the version (after commit), so older entries stop matching. A reader that misses writes back
under the version it read *before* querying the database (`write`): if the shelf changed
meanwhile, its entry carries the old version and is never served.

Every read asks Redis for the version (one small round trip). Each process also keeps the
entries of the current version in memory, so a warm read does not fetch and unpickle the
cells again; a new version in Redis empties that memory at the next read.

When the cache (Redis) is down, every call degrades to "not cached": the shelf is read from
the database and requests keep being answered.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import threading
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache

from config.requestid import current_request_serial

log = logging.getLogger(__name__)

# The shape of what is cached (pickled `CellView`s, where their class lives). Bump it whenever
# that changes: a deploy then starts from an empty namespace instead of reading entries the
# new code cannot unpickle (which, before this was a key, made every read a database read
# until the old entries expired). 2: `CellView` moved to `bookshelf.shelf.cells`. 3: it
# carries the description's short form (`summary`). 4: its texts in both languages
# (`name_en`, `name_zh_hans`...). 5: its per-process `memo`.
FORMAT = 5
PREFIX = f"shelf:{FORMAT}"
VERSION_KEY = f"{PREFIX}:version"
PURCHASABLE_KEY = f"{PREFIX}:purchasable"
TTL = 15 * 60  # bounds staleness if an invalidation is lost while Redis is down
UNAVAILABLE = -1
# What unpickling an entry written by other code raises: a miss, not an outage.
UNREADABLE = (ImportError, AttributeError, EOFError, TypeError, pickle.UnpicklingError)


def _tier_key(tier: int) -> str:
    return f"{PREFIX}:tier:{tier}"


def _named_key(name: str) -> str:
    return f"{PREFIX}:named:{name}"


def _fetch(keys: list[str]) -> dict[str, Any]:
    """The cached entries of these keys; an entry this code cannot read (written by another
    version of it) counts as missing, so the reader rebuilds and overwrites it."""
    try:
        return dict(cache.get_many(keys))
    except UNREADABLE:
        log.warning("shelf cache entries in an unreadable format; rebuilding them")
        return {}


def _fresh_version() -> int:
    # Not 1: if the version key is ever lost (eviction, a flushed Redis), entries written
    # under the old numbers must not match the new count.
    return secrets.randbits(48)


# This process's copy of the entries of one version: {"version": v, key: value, ...}.
_memory: dict[str, Any] = {"version": None}
_memory_lock = threading.Lock()


def _remember(version: int, values: dict[str, Any]) -> None:
    global _memory
    with _memory_lock:
        if _memory.get("version") != version:
            _memory = {"version": version}
        _memory.update(values)


def forget() -> None:
    """Drop this process's copy (tests; the version check makes it unnecessary otherwise)."""
    global _memory
    with _memory_lock:
        _memory = {"version": None}


@dataclass
class Snapshot:
    """What one read found: the version, the tiers whose cells are cached, the purchasable
    list (None: not cached)."""

    version: int
    tiers: dict[int, Any] = field(default_factory=dict)
    purchasable: Any = None


# The version an API request already read with its token and throttle (one Redis round trip,
# bookshelf.api.auth), by the request's serial: used by that request only, and dropped when it
# changes the shelf itself.
_hint: ContextVar[tuple[int, Any] | None] = ContextVar("shelf_version_hint", default=None)


def version_hint(value: Any) -> None:
    """This request read the shelf version (raw, None if absent) itself: use it."""
    serial = current_request_serial()
    _hint.set((serial, value) if serial else None)


def _version_now() -> int:
    hint = _hint.get()
    if hint is not None and hint[0] and hint[0] == current_request_serial():
        return _current(hint[1])
    return _current(cache.get(VERSION_KEY))


def _current(value: Any) -> int:
    if value is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        value = cache.get(VERSION_KEY)
    return int(value) if value is not None else UNAVAILABLE


def read(tiers: Iterable[int], *, purchasable: bool = True) -> Snapshot:
    keys = {_tier_key(t): t for t in tiers}
    wanted = list(keys)
    if purchasable:
        wanted.append(PURCHASABLE_KEY)
    try:
        version = _version_now()
        if version == UNAVAILABLE:
            return Snapshot(UNAVAILABLE)
        memory = _memory
        local = memory if memory.get("version") == version else {}
        found = {k: local[k] for k in wanted if k in local}
        remote = [k for k in wanted if k not in found]
        if remote:
            fetched = {
                k: entry[1]
                for k, entry in _fetch(remote).items()
                if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version
            }
            if fetched:
                _remember(version, fetched)
            found.update(fetched)
    except Exception:  # the cache is a speed-up, never a dependency
        log.warning("shelf cache unavailable; reading the shelf from the database")
        return Snapshot(UNAVAILABLE)
    snap = Snapshot(version)
    for key, value in found.items():
        if key == PURCHASABLE_KEY:
            snap.purchasable = value
        else:
            snap.tiers[keys[key]] = value
    return snap


def write(version: int, *, tiers: dict[int, Any] | None = None, purchasable: Any = None) -> None:
    """Store what was built from the database after reading `version`."""
    if version == UNAVAILABLE:
        return
    values = {_tier_key(t): (version, v) for t, v in (tiers or {}).items()}
    if purchasable is not None:
        values[PURCHASABLE_KEY] = (version, purchasable)
    if not values:
        return
    try:
        cache.set_many(values, timeout=TTL)
    except Exception:
        log.warning("shelf cache write failed")
        return
    _remember(version, {k: v for k, (_version, v) in values.items()})


def get_named(name: str) -> Any:
    """A value derived from the shelf (benefit tags...) built at the current version, or None.
    Kept in this process's memory like the cells: a warm read costs the version check only."""
    key = _named_key(name)
    try:
        version = _version_now()
        if version == UNAVAILABLE:
            return None
        memory = _memory
        if memory.get("version") == version and key in memory:
            return memory[key]
        entry = _fetch([key]).get(key)
    except Exception:
        return None
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        _remember(version, {key: entry[1]})
        return entry[1]
    return None


def set_named(name: str, value: Any) -> None:
    try:
        version = _version_now()
        if version != UNAVAILABLE:
            cache.set(_named_key(name), (version, value), timeout=TTL)
            _remember(version, {_named_key(name): value})
    except Exception:
        log.warning("shelf cache write failed")


def invalidate() -> None:
    """Called (after commit) whenever a benefit, shelf cell or eligibility rule changes."""
    _hint.set(None)
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, _fresh_version(), timeout=None)
    except Exception:
        log.warning("shelf cache invalidation failed; entries expire within %ss", TTL)
