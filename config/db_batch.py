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

Under pgbouncer in transaction mode this is a plain statement: nothing outlives it.
"""

from __future__ import annotations

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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return [_decoded(read, value) for read, value in zip(reads, row, strict=True)]


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
    cursors = [connection.cursor() for _ in plain]
    try:
        with connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, plain, strict=True):
                cursor.execute(sql, params)
            return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _fetch(connection: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
