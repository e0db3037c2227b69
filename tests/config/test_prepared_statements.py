"""The statements `config.db_batch` prepares stay prepared through rollbacks (the server keeps
them; psycopg on its own forgets them after any ROLLBACK), and are forgotten after what does
drop them or after one of them fails."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from config.db_batch import Read, fetch_batch, may_prepare

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ONE = Read("SELECT %s::int", [1], 1)


class Refused(Exception):
    pass


@pytest.fixture(autouse=True)
def none_prepared():
    """Each test starts with nothing prepared (the connection outlives tests)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")


def _prepared() -> list[str]:
    """This module's statements among the connection's prepared ones (others' stay prepared
    from earlier tests on the same connection: that is the point)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "::int)" in row[0]]


def _prepared_unless_pooled(expected: int) -> bool:
    """Behind pgbouncer in transaction mode nothing is prepared: say so and stop there."""
    if not may_prepare(connection):
        assert _prepared() == []
        return False
    assert len(_prepared()) == expected
    return True


def test_a_prepared_statement_outlives_a_rolled_back_transaction_and_savepoint():
    assert fetch_batch([ONE]) == [[[1]]]
    if not _prepared_unless_pooled(1):
        return
    with pytest.raises(Refused), transaction.atomic():
        with transaction.atomic():  # a savepoint rolled back inside the transaction
            try:
                with transaction.atomic():
                    fetch_batch([ONE])
                    raise Refused
            except Refused:
                pass
        assert len(_prepared()) == 1
        raise Refused  # the whole transaction rolled back
    assert len(_prepared()) == 1, "a rollback does not drop it on the server"
    names = dict(connection.connection._prepared._names)
    assert fetch_batch([ONE]) == [[[1]]]
    assert dict(connection.connection._prepared._names) == names, "not prepared again"


def test_a_failing_prepared_statement_is_forgotten_and_prepared_afresh():
    divide = Read("SELECT 1 / %s::int", [1], 1)
    fetch_batch([ONE])
    fetch_batch([divide])
    if not _prepared_unless_pooled(2):
        return
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_batch([Read(divide.sql, [0], 1)])
    assert _prepared() == []  # forgotten, and deallocated on the server
    assert fetch_batch([divide]) == [[[1]]]
    assert len(_prepared()) == 1


def test_what_drops_every_prepared_statement_makes_the_connection_forget_them():
    fetch_batch([ONE])
    if not _prepared_unless_pooled(1):
        return
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _prepared() == []
    assert fetch_batch([ONE]) == [[[1]]]  # prepared again, not "does not exist"
    assert len(_prepared()) == 1
