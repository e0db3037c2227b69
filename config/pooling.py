"""Database settings for a pooler in front of PostgreSQL: pgbouncer in transaction mode.

`DATABASE_POOLING=transaction` says the DATABASE_URL is a pgbouncer (or another pooler) that
hands each *transaction* a server connection: nothing may outlive a transaction on the
server side. What that turns off, and why:

- Server-side cursors (`DISABLE_SERVER_SIDE_CURSORS`): Django declares `.iterator()`'s
  cursor WITH HOLD outside a transaction, and the next fetch may reach another server
  connection, which has no such cursor. `.iterator()` then reads the whole result at once
  (in libpq's buffer, as rows, not model instances); the big readers page by keyset instead.
- Prepared statements (OPTIONS `prepare_threshold: None`): psycopg prepares a query by name
  after 5 executions, and the name lives on one server connection only. Django 6 already
  passes `None` unless OPTIONS say otherwise, and binds parameters on the client (its
  `ClientCursor`) unless OPTIONS `server_side_binding` is True; a server-side-bound query is
  then sent as an unnamed statement, which lives within its own round trip: both are fine.
  An OPTIONS `prepare_threshold` is overridden here, so no setting can turn it back on.
- Django's own connection pool (OPTIONS `pool`): two pools in a row hold server slots twice
  and defeat pgbouncer's accounting; refused.
- `CONN_MAX_AGE`: a connection to pgbouncer is cheap to keep (it holds no server connection
  between transactions), so it is kept for `conn_max_age` seconds (60 unless
  DATABASE_CONN_MAX_AGE says otherwise), with a health check before reuse, as pgbouncer may
  have closed it (`client_idle_timeout`, a restart).

The code itself uses only what transaction pooling allows: `SET LOCAL`, transaction-level
advisory locks (`pg_advisory_xact_lock`), no LISTEN/NOTIFY, no temporary tables, no WITH
HOLD cursors; psycopg's pipeline mode (config/db_batch.py) is plain extended-protocol
messages, which pgbouncer passes through.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRANSACTION = "transaction"
# Seconds a connection to the pooler is kept: it costs pgbouncer a socket, no server backend.
POOLED_CONN_MAX_AGE = 60


def pooling_mode(value: str) -> str:
    """The DATABASE_POOLING value checked: "" (a direct connection) or "transaction"."""
    mode = value.strip().lower()
    if mode not in ("", TRANSACTION):
        raise ImproperlyConfigured(
            f"DATABASE_POOLING={value!r}: use 'transaction' (pgbouncer in transaction mode) or "
            "leave it empty (a direct connection; pgbouncer's session mode needs nothing)."
        )
    return mode


def transaction_pooling(
    db: dict[str, Any], *, conn_max_age: int | None = POOLED_CONN_MAX_AGE
) -> dict[str, Any]:
    """A copy of one DATABASES entry set up for pgbouncer's transaction mode."""
    if not db.get("ENGINE", "").endswith("postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_POOLING=transaction is for PostgreSQL behind pgbouncer: "
            f"this database is {db.get('ENGINE')!r}."
        )
    options = dict(db.get("OPTIONS") or {})
    if options.get("pool"):
        raise ImproperlyConfigured(
            "DATABASE_POOLING=transaction: do not combine Django's connection pool "
            "(OPTIONS 'pool') with pgbouncer; pgbouncer is the pool."
        )
    options.pop("pool", None)
    options["prepare_threshold"] = None
    pooled = dict(db)
    pooled["OPTIONS"] = options
    pooled["DISABLE_SERVER_SIDE_CURSORS"] = True
    pooled["CONN_MAX_AGE"] = conn_max_age
    pooled["CONN_HEALTH_CHECKS"] = True
    return pooled
