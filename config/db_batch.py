"""Independent reads in one statement: the rows of several queries in one round trip.

A hot read that needs several independent result sets (the benefit centre's household,
balances, purchases, open requests and used-up budgets) sends them as one statement: each
query becomes a common table expression, and the statement answers one row holding each
one's rows as a JSON array (`json_agg` on PostgreSQL, `json_group_array` on SQLite). One
parse, one plan, one round trip, one row to decode (orjson) instead of a cursor per query.
The statement still goes through Django's cursor wrapper: query logging,
`django_assert_num_queries` and the execute wrappers see it (as one query).

JSON has no dates: a read names which of its columns are dates (`dates`) or moments
(`moments`) and gets them back as `date` and aware `datetime` values, as a cursor would
give them. Numbers, text, booleans and nulls come back as they are (SQLite's booleans as
0/1, as its cursor gives them). Each query's own ORDER BY orders its array.

On a direct PostgreSQL connection the statement is *prepared* (server-side binding, psycopg's
`prepare=True`): its text is the same for every customer, so it is parsed and planned once per
connection and then only executed. Planning the benefit centre's statement takes longer than
running it (about 1 ms against 0.25 ms), so this is most of the database's share of the read.
Under pgbouncer in transaction mode (`DISABLE_SERVER_SIDE_CURSORS`, config/pooling.py) a
prepared statement would live on one server connection only, so the statement is sent plain:
nothing outlives it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from django.db import connections

from .replicas import current_read_alias


@dataclass(frozen=True)
class Read:
    """One query of a batch: its SQL with %s placeholders, its parameters, how many columns
    it selects, and which of them (by position) are dates and moments."""

    sql: str
    params: Sequence[Any]
    columns: int
    dates: tuple[int, ...] = ()
    moments: tuple[int, ...] = ()


def batch_statement(reads: Sequence[Read], vendor: str) -> tuple[str, list[Any]]:
    """The one statement answering every read, and its parameters."""
    agg = (
        "json_group_array(json_array({}))"
        if vendor == "sqlite"
        else "json_agg(json_build_array({}))"
    )
    empty = "'[]'" if vendor == "sqlite" else "'[]'::json"
    ctes: list[str] = []
    picks: list[str] = []
    params: list[Any] = []
    for n, read in enumerate(reads):
        names = ", ".join(f"c{i}" for i in range(read.columns))
        ctes.append(f"r{n}({names}) AS ({read.sql})")
        picks.append(f"(SELECT coalesce({agg.format(names)}, {empty}) FROM r{n})")  # noqa: S608
        params.extend(read.params)
    return f"WITH {', '.join(ctes)} SELECT {', '.join(picks)}", params


def fetch_batch(reads: Sequence[Read], *, using: str | None = None) -> list[list[list[Any]]]:
    """The rows of each read, in order, each row a list of its columns (reads only)."""
    connection = connections[using or current_read_alias()]
    sql, params = batch_statement(reads, connection.vendor)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return [_decoded(read, value) for read, value in zip(reads, row, strict=True)]


def may_prepare(connection: Any) -> bool:
    """Whether statements may be prepared on this connection: PostgreSQL, not behind a
    transaction pooler (config.pooling turns server-side cursors off there, for the same
    reason: nothing may outlive a transaction on the server)."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )


def prepared_cursor(connection: Any) -> Any:
    """A cursor whose statements are prepared (parsed and planned once per connection), in
    Django's own cursor wrapper (query logging, execute wrappers, database errors), where
    `may_prepare`; else the connection's usual cursor."""
    if not may_prepare(connection):
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    native = connection.connection
    if native.prepare_threshold is None:
        # psycopg prepares nothing while the threshold is None (Django's default), even when
        # asked; a threshold no query reaches lets only `prepare=True` prepare. Django's own
        # cursors bind on the client and are never prepared either way.
        native.prepare_threshold = ONLY_WHEN_ASKED
        _keep_on_rollback(native)
        _json_as_text(native)
    with connection.wrap_database_errors:
        raw = _prepared_cursor_class()(native)
    if connection.queries_logged:
        return _logged_cursor_class()(raw, connection)
    return connection.make_cursor(raw)


# What drops the session's prepared statements on the server (a rollback does not).
_RESETS = re.compile(rb"^(?:DROP|ALTER|DISCARD ALL|DEALLOCATE ALL)\b").match


def _keep_on_rollback(native: Any) -> None:
    """Keep this connection's prepared statements across rollbacks.

    psycopg forgets (and deallocates) every prepared statement of a connection after any
    ROLLBACK, a savepoint's included, in case the rolled-back transaction had made an object a
    statement refers to. On the server a prepared statement outlives any rollback, and the
    statements prepared here (`prepared_cursor`) read tables no request creates; forgetting
    them made every refused redemption (a rolled-back transaction) cost the worker's next
    reads a fresh parse and five custom plans each (1.7 against 0.4 ms for the benefit
    centre's statement at 1M customers). So the connection's manager keeps them through a
    rollback and still forgets them after what does drop them (DISCARD ALL, DEALLOCATE ALL,
    DROP, ALTER), or after a prepared statement fails (`PreparedCursor.execute`)."""
    manager = getattr(native, "_prepared", None)
    if manager is None or type(manager).__name__ == "KeptOnRollback":
        return
    manager.__class__ = _kept_class(type(manager))


def _json_as_text(native: Any) -> None:
    """This connection's `json` values come as text, for `_decoded` to parse with orjson
    (psycopg's own loader is the standard library's, several times slower over a large
    shelf's rows). Only the batch statement selects `json` here: the models' JSON fields
    are `jsonb`, which Django loads itself."""
    from psycopg.types.string import TextBinaryLoader, TextLoader

    native.adapters.register_loader("json", TextLoader)
    native.adapters.register_loader("json", TextBinaryLoader)


def forget_prepared(native: Any) -> None:
    """After a prepared statement failed (a plan the schema outdated, say): prepare every
    statement afresh next time, as psycopg does after any rollback on its own."""
    forget = getattr(getattr(native, "_prepared", None), "forget", None)
    if forget is not None:
        forget()


def _kept_class(base: type) -> type:
    global _KEPT
    if _KEPT is None:
        from psycopg.pq import ExecStatus

        command_ok = ExecStatus.COMMAND_OK

        class KeptOnRollback(base):  # type: ignore[misc, valid-type]
            def clear(self) -> bool:
                return False  # what psycopg calls after a rollback: the server kept them

            def forget(self) -> bool:
                return bool(base.clear(self))  # type: ignore[attr-defined]

            def _should_discard(self, prep: Any, results: Any) -> bool:
                for result in results:
                    status = result.command_status
                    if result.status == command_ok and status and _RESETS(status):
                        return self.forget()
                return False

        _KEPT = KeptOnRollback
    return _KEPT


def _prepared_cursor_class() -> type:
    global _PREPARED
    if _PREPARED is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparedCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
            """Server-side binding, and every statement prepared at its first execution."""

            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                kwargs["prepare"] = True
                try:
                    return super().execute(query, params, **kwargs)  # type: ignore[misc]
                except Exception:
                    forget_prepared(self.connection)  # type: ignore[attr-defined]
                    raise

        _PREPARED = PreparedCursor
    return _PREPARED


def _logged_cursor_class() -> type:
    global _LOGGED
    if _LOGGED is None:
        from django.db.backends.postgresql.base import CursorDebugWrapper
        from django.db.backends.utils import CursorWrapper

        class LoggedAsBound(CursorDebugWrapper):
            """Logs a prepared statement with its parameters in place, as Django's own cursor
            logs its statements (the server only saw `$1`; in a pipeline, not even that yet)."""

            def execute(self, sql: Any, params: Any = None) -> Any:
                shown = self.db.ops.compose_sql(sql, params) if params else sql
                with self.debug_sql(shown, params):
                    return CursorWrapper.execute(self, sql, params)

        _LOGGED = LoggedAsBound
    return _LOGGED


_PREPARED: type | None = None
_LOGGED: type | None = None
_KEPT: type | None = None
ONLY_WHEN_ASKED = 2**31 - 1


def _decoded(read: Read, value: Any) -> list[list[Any]]:
    rows: list[list[Any]] = orjson.loads(value) if isinstance(value, (str, bytes)) else value
    if read.dates or read.moments:
        for row in rows:
            for i in read.dates:
                if row[i] is not None:
                    row[i] = date.fromisoformat(row[i][:10])
            for i in read.moments:
                if row[i] is not None:
                    row[i] = _moment(row[i])
    return rows


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    # SQLite keeps UTC moments without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Key:
    """A value the reads of a batch are keyed on: a plain parameter (`Key.of(42)`) or a
    subquery finding it (`Key("(SELECT id FROM t WHERE number = %s)", ["N1"])`), so a batch
    can look something up and read by it in the same statement. `sql` goes where the value
    would; `params` are its parameters, repeated wherever it is used (`at`)."""

    sql: str
    params: tuple[Any, ...]

    @classmethod
    def of(cls, value: Any) -> Key:
        return cls("%s", (value,))

    @classmethod
    def read_first(cls, read: int, column: int = 0) -> Key:
        """A column of the first row of an earlier read of the same batch (by its place):
        the reads after it use what it found instead of looking it up again (each read is
        the batch statement's common table expression `r<n>`, its columns `c<n>`)."""
        return cls(f"(SELECT c{column} FROM r{read} LIMIT 1)", ())  # noqa: S608 - two ints

    def at(self, count: int) -> list[Any]:
        """The parameters of `count` uses of this key, in order."""
        return list(self.params) * count


# -- typed reads in one round trip -------------------------------------------------------------
# Reads whose rows become model instances (every column, in the cursor's own types: decimals,
# JSON, booleans) go as separate statements in psycopg's pipeline mode instead: still one round
# trip on PostgreSQL, one after another elsewhere, each one seen by Django's cursor wrapper.
Statement = tuple[str, Sequence[Any]]


def fetch_pipelined(
    statements: Sequence[Statement | Read], *, using: str = "default"
) -> list[list[Any]]:
    """The rows of each statement, in order, as the cursor gives them (reads only)."""
    connection = connections[using]
    plain = [(s.sql, s.params) if isinstance(s, Read) else s for s in statements]
    connection.ensure_connection()
    if connection.vendor != "postgresql" or len(plain) < 2:
        return [_fetch(connection, sql, params) for sql, params in plain]
    cursors = [prepared_cursor(connection) for _ in plain]
    try:
        with connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, plain, strict=True):
                cursor.execute(sql, params)
            return [cursor.fetchall() for cursor in cursors]
    except Exception:
        forget_prepared(connection.connection)  # a pipeline's errors surface here
        raise
    finally:
        for cursor in cursors:
            cursor.close()


def _fetch(connection: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
