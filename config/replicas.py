"""Reads that may be slightly stale go to a streaming replica; everything else to the primary.

`DATABASE_REPLICA_URLS` (any number) become the aliases `replica_0`, `replica_1`... The router
sends a model's reads to a replica only inside `replica_reads()` (the API's benefit centre,
catalogue and recommendations) or to the alias `analytics_alias()` names (the review's GROUP
BYs, the recommendation evaluation); and even there never:

- inside a transaction on the primary (a read inside a write, or one that decides a write:
  quotas, idempotency, every service of the ledger runs in one);
- for a customer whose own write the replica has not replayed yet (read-your-writes: the
  primary's WAL position after the write's commit is kept in the cache for
  `READ_YOUR_WRITES_SECONDS`, keyed by customer number, and compared with the replica's
  `pg_last_wal_replay_lsn()`);
- to a replica that is down, or lags more than `DATABASE_REPLICA_MAX_LAG_SECONDS` (checked at
  most every `DATABASE_REPLICA_CHECK_SECONDS` per process; a replica that failed is retried
  after `DATABASE_REPLICA_RETRY_SECONDS`).

With `READ_YOUR_WRITES_SECONDS` above the lag limit, a customer sees their own write at once:
until the mark expires the LSNs are compared, and after it no replica lagging that far is read.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import DatabaseError

from .metrics import REPLICA_LAG_BYTES, REPLICA_LAG_SECONDS, REPLICA_READS, REPLICA_UP

log = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"
CHECK_TIMEOUT_MS = 1000
WRITE_MARK = "ryw:{}"

_read_alias: ContextVar[str | None] = ContextVar("bookshelf_read_alias", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def replicas_in_use() -> bool:
    return any(alias.startswith(REPLICA_PREFIX) for alias in settings.DATABASES)


def lsn_value(text: str | None) -> int | None:
    """A WAL position ('16/B374D848') as a number, so two positions compare."""
    if not text:
        return None
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class ReplicaState:
    alias: str
    up: bool
    checked_at: float
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    replayed: int | None = None  # the replica's replay position when checked
    paused: bool = False
    error: str = ""

    @property
    def usable(self) -> bool:
        limit = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        return self.up and self.lag_seconds is not None and self.lag_seconds <= limit

    @property
    def stale(self) -> bool:
        age = time.monotonic() - self.checked_at
        if self.up:
            return age >= settings.DATABASE_REPLICA_CHECK_SECONDS
        return age >= settings.DATABASE_REPLICA_RETRY_SECONDS


_states: dict[str, ReplicaState] = {}
_lock = threading.Lock()

# The replica's view of itself: its replay position, and how old the newest replayed
# transaction is when it has not replayed everything it received (0 when it has).
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, pg_is_wal_replay_paused(), "
    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
)


def _primary_position() -> int | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            return lsn_value(cursor.fetchone()[0])
    except DatabaseError:
        return None


def _check(alias: str, primary: int | None) -> ReplicaState:
    now = time.monotonic()
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            # A replica that hangs holds the check (and the threads waiting on it) this long.
            cursor.execute(f"SET LOCAL statement_timeout = {CHECK_TIMEOUT_MS}")
            cursor.execute(_REPLICA_SQL)
            recovering, replay_text, paused, age = cursor.fetchone()
    except DatabaseError as exc:
        _close_quietly(alias)
        log.warning("replica %s is down: %s", alias, type(exc).__name__)
        return ReplicaState(alias, up=False, checked_at=now, error=type(exc).__name__)
    if not recovering:
        # Promoted (or misconfigured): not a replica of this primary any more.
        return ReplicaState(alias, up=False, checked_at=now, error="not_in_recovery")
    replayed = lsn_value(replay_text)
    behind = None if primary is None or replayed is None else max(0, primary - replayed)
    lag = 0.0 if behind == 0 else (float(age) if age is not None else None)
    return ReplicaState(alias, True, now, lag, behind, replayed, bool(paused))


def _close_quietly(alias: str) -> None:
    with suppress(DatabaseError):
        connections[alias].close()


def replica_states() -> list[ReplicaState]:
    """Each replica's state, checked again when older than the check interval."""
    aliases = replica_aliases()
    if not aliases:
        return []
    with _lock:
        due = [a for a in aliases if a not in _states or _states[a].stale]
        if due:
            primary = _primary_position()
            for alias in due:
                state = _states[alias] = _check(alias, primary)
                _export(state)
        return [_states[a] for a in aliases]


def _export(state: ReplicaState) -> None:
    REPLICA_UP.labels(database=state.alias).set(1 if state.up else 0)
    if state.lag_seconds is not None:
        REPLICA_LAG_SECONDS.labels(database=state.alias).set(state.lag_seconds)
    if state.lag_bytes is not None:
        REPLICA_LAG_BYTES.labels(database=state.alias).set(state.lag_bytes)


def replica_failed(alias: str) -> None:
    """A read on `alias` failed: it is not read again before the retry interval."""
    _close_quietly(alias)
    with _lock:
        _states[alias] = ReplicaState(alias, up=False, checked_at=time.monotonic(), error="read")


def _pick(usable: list[ReplicaState], customer_no: str | None) -> ReplicaState:
    # One customer always reads the same replica (their reads never go back in time between
    # two replicas); reads of no customer spread over all of them.
    if customer_no is None:
        return usable[int(time.monotonic() * 1000) % len(usable)]
    return usable[zlib.crc32(customer_no.encode()) % len(usable)]


def _written_at(customer_no: str) -> int | None:
    try:
        mark = cache.get(WRITE_MARK.format(customer_no))
    except Exception:  # no cache, no knowledge: the primary answers
        return -1
    return mark if isinstance(mark, int) else None


def _has_replayed(state: ReplicaState, position: int) -> bool:
    if state.replayed is not None and state.replayed >= position:
        return True
    try:
        with connections[state.alias].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
            replayed = lsn_value(cursor.fetchone()[0])
    except DatabaseError:
        replica_failed(state.alias)
        return False
    return replayed is not None and replayed >= position


def read_alias(customer_no: str | None = None) -> str:
    """Where a read that may be slightly stale goes now (for `customer_no`: one that also
    shows that customer's own writes)."""
    if not replicas_in_use():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        REPLICA_READS.labels(database=DEFAULT_DB_ALIAS, why="in_transaction").inc()
        return DEFAULT_DB_ALIAS
    usable = [s for s in replica_states() if s.usable]
    if not usable:
        REPLICA_READS.labels(database=DEFAULT_DB_ALIAS, why="no_replica").inc()
        return DEFAULT_DB_ALIAS
    state = _pick(usable, customer_no)
    if customer_no is not None:
        written = _written_at(customer_no)
        if written is not None and (written < 0 or not _has_replayed(state, written)):
            REPLICA_READS.labels(database=DEFAULT_DB_ALIAS, why="own_write").inc()
            return DEFAULT_DB_ALIAS
    REPLICA_READS.labels(database=state.alias, why="replica").inc()
    return state.alias


def current_read_alias() -> str:
    """The alias reads go to here: the replica `replica_reads()` chose, or the primary."""
    alias = _read_alias.get()
    if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


def replica_reads_begin(customer_no: str | None = None) -> Token[str | None]:
    alias = read_alias(customer_no)
    return _read_alias.set(None if alias == DEFAULT_DB_ALIAS else alias)


def replica_reads_end(token: Token[str | None]) -> None:
    _read_alias.reset(token)


def replica_reads_fall_back() -> str | None:
    """A read failed while this context read from a replica: from now on it reads the
    primary, and the replica is marked down if its connection is what failed (an error of
    the primary's, or a statement the replica refused, leaves it in use). Returns the
    replica's alias (None if the context was on the primary)."""
    alias = _read_alias.get()
    if alias is None:
        return None
    replica = connections[alias]
    if replica.connection is None or not replica.is_usable():
        replica_failed(alias)
    _read_alias.set(None)
    REPLICA_READS.labels(database=DEFAULT_DB_ALIAS, why="replica_failed").inc()
    return alias


@contextmanager
def replica_reads(customer_no: str | None = None) -> Iterator[str]:
    """Within the block, reads go to a replica (see the module) and writes to the primary."""
    token = replica_reads_begin(customer_no)
    try:
        yield current_read_alias()
    finally:
        replica_reads_end(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Within the block, reads go to the primary even inside `replica_reads()`: for what
    is cached for everyone (the shelf under its version, the recommender's weights), which a
    lagging replica would otherwise store as current."""
    token = _read_alias.set(None)
    try:
        yield
    finally:
        _read_alias.reset(token)


def analytics_alias() -> str:
    """Where the heavy reads of the review and of the recommendation evaluation go: a
    usable replica when `BOOKSHELF_ANALYTICS_ON_REPLICA` says so, else the primary. Reads
    over past windows, so the lag limit alone decides."""
    if not settings.BOOKSHELF_ANALYTICS_ON_REPLICA:
        return DEFAULT_DB_ALIAS
    usable = [s for s in replica_states() if s.usable]
    return usable[0].alias if usable else DEFAULT_DB_ALIAS


@contextmanager
def analytics_reads() -> Iterator[str]:
    """Within the block, every model read goes to `analytics_alias()` (the block writes
    nothing but through an explicit `using`)."""
    alias = analytics_alias()
    token = _read_alias.set(None if alias == DEFAULT_DB_ALIAS else alias)
    try:
        yield alias
    finally:
        _read_alias.reset(token)


def customer_wrote(*customer_nos: str) -> None:
    """The customers' own write commits with the caller's transaction: until a replica has
    replayed it, their reads go to the primary. A no-op without replicas."""
    if not customer_nos or not replicas_in_use():
        return
    transaction.on_commit(lambda: _mark_written(customer_nos))


# A mark only ever moves forward: two writes of one customer committing close together must
# not leave the earlier one's position over the later one's.
_RAISE_MARK = """
local seen = tonumber(redis.call('GET', KEYS[1]) or '0')
if seen < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 0
"""


def _mark_written(customer_nos: tuple[str, ...]) -> None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            # The insert position: past the commit record, whatever synchronous_commit says.
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            position = lsn_value(cursor.fetchone()[0])
        seconds = settings.READ_YOUR_WRITES_SECONDS
        backend: Any = getattr(cache, "_cache", None)
        if backend is None or not hasattr(backend, "get_client"):
            cache.set_many({WRITE_MARK.format(no): position for no in customer_nos}, seconds)
            return
        client = backend.get_client(write=True)
        raise_mark = client.register_script(_RAISE_MARK)
        for no in customer_nos:  # Django stores an int as itself: Redis compares numbers
            raise_mark(keys=[cache.make_and_validate_key(WRITE_MARK.format(no))],
                       args=[position, seconds])  # fmt: skip
    except Exception:
        # The write is committed; without its mark the customer may read a lagging replica
        # for at most the lag limit. Said loudly, never raised after a commit.
        log.exception("read-your-writes mark not kept")


class ReplicaRouter:
    """Model reads go where `replica_reads()` / `analytics_reads()` chose; writes and
    migrations only to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        # Never None: Django would then read where a hinted instance came from (a replica),
        # even inside a transaction on the primary.
        return current_read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return not db.startswith(REPLICA_PREFIX)
