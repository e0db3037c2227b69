"""pgbouncer in transaction mode: the settings (config/pooling.py), and, in the pooled pass
(`make test-pgbouncer`, .ci/run), proof that the suite really runs through pgbouncer with them."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.pooling import POOLED_CONN_MAX_AGE, pooling_mode, transaction_pooling

PG: dict[str, Any] = {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "CONN_MAX_AGE": 0}


def test_transaction_pooling_turns_off_what_cannot_outlive_a_transaction() -> None:
    entry = {**PG, "OPTIONS": {"prepare_threshold": 5, "sslmode": "prefer"}}
    pooled = transaction_pooling(entry)
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"] == {"prepare_threshold": None, "sslmode": "prefer"}
    assert pooled["CONN_MAX_AGE"] == POOLED_CONN_MAX_AGE
    assert pooled["CONN_HEALTH_CHECKS"] is True
    assert entry["OPTIONS"]["prepare_threshold"] == 5  # the entry given is left as it was
    assert "DISABLE_SERVER_SIDE_CURSORS" not in entry
    assert transaction_pooling(PG, conn_max_age=0)["CONN_MAX_AGE"] == 0


def test_transaction_pooling_refuses_djangos_pool_and_sqlite() -> None:
    with pytest.raises(ImproperlyConfigured, match="pgbouncer is the pool"):
        transaction_pooling({**PG, "OPTIONS": {"pool": {"min_size": 2}}})
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        transaction_pooling({"ENGINE": "django.db.backends.sqlite3", "NAME": "db"})


def test_pooling_mode_accepts_only_transaction_or_nothing() -> None:
    assert pooling_mode(" Transaction ") == "transaction"
    assert pooling_mode("") == ""
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLING='statement'"):
        pooling_mode("statement")


def _admin_console() -> psycopg.Connection:
    """pgbouncer's own console: the database named "pgbouncer" on the pooler's port."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        dbname="pgbouncer",
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    )


@pytest.mark.pgbouncer
@pytest.mark.django_db
def test_the_suite_runs_through_pgbouncer_in_transaction_mode() -> None:
    # The pooled settings are the ones in effect.
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    connection.ensure_connection()
    assert connection.connection.prepare_threshold is None
    # The client talks to one port, the server answers on another: something is in between...
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        (server_port,) = cursor.fetchone()
    assert connection.connection.info.port != server_port
    # ... and it is pgbouncer, pooling this test database by transaction.
    with _admin_console() as console:
        rows = console.execute("SHOW POOLS").fetchall()
        names = [c.name for c in console.execute("SHOW POOLS").description or []]
    pools = {row[names.index("database")]: row[names.index("pool_mode")] for row in rows}
    assert pools.get(connection.settings_dict["NAME"]) == "transaction"


@pytest.mark.pgbouncer
@pytest.mark.django_db
def test_iterator_reads_without_a_server_side_cursor_behind_pgbouncer() -> None:
    from django.contrib.auth.models import Group

    Group.objects.bulk_create(Group(name=f"pooled {n}") for n in range(3))
    seen: list[int] = []
    for group in Group.objects.order_by("pk").iterator(chunk_size=1):
        if not seen:
            # Mid-iteration: with server-side cursors the query would be a declared cursor
            # on the server (pg_cursors), which the next transaction may not reach.
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_cursors")
                assert cursor.fetchone() == (0,)
        seen.append(group.pk)
    assert len(seen) == Group.objects.count() >= 3


@pytest.mark.pgbouncer
@pytest.mark.django_db
def test_no_prepared_statement_is_left_on_the_pooled_server_connection() -> None:
    # Django's ClientCursor never prepares; a server-binding psycopg cursor on the same
    # connection prepares a query by name after `prepare_threshold` executions (psycopg's
    # default 5): with the pooled settings none is, so none is left on a server connection
    # the next transaction may not get (this test is one transaction: one server connection).
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        for n in range(10):
            cursor.execute("SELECT %s::int + 1", [n])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)


@pytest.mark.pgbouncer
@pytest.mark.django_db
def test_pipelined_reads_pass_through_pgbouncer() -> None:
    from config.db_batch import fetch_pipelined

    rows = fetch_pipelined(
        [("SELECT %s::int", [1]), ("SELECT inet_server_port()", []), ("SELECT 'x'", [])]
    )
    assert rows[0] == [(1,)]
    assert rows[1][0][0] != connection.connection.info.port
    assert rows[2] == [("x",)]
