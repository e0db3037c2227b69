"""Read statements sent together: one round trip on PostgreSQL, one after another elsewhere.

A hot read that needs several independent result sets (the benefit centre's household,
balances, purchases, open requests and used-up budgets) sends them all at once in psycopg's
pipeline mode, so the wait for the server is paid once, not once per statement. Each statement
still goes through Django's cursor wrapper: query logging, `django_assert_num_queries` and
the execute wrappers see every one of them. On SQLite (and any other backend) the same
statements simply run in order.

Under pgbouncer in transaction mode a pipeline is safe: it is a batch of the extended query
protocol's messages without named prepared statements, answered by one server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections

Statement = tuple[str, Sequence[Any]]


def fetch_batch(statements: Sequence[Statement], *, using: str = "default") -> list[list[Any]]:
    """The rows of each statement, in order (reads only: nothing here commits)."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor != "postgresql" or len(statements) < 2:
        return [_fetch(connection, sql, params) for sql, params in statements]
    cursors = [connection.cursor() for _ in statements]
    try:
        with connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
            return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _fetch(connection: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
