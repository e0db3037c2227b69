"""Monthly partitions of the redemption table on PostgreSQL.

The redemption table is the one that grows without bound (tens of millions of rows a year at
the insurer's scale). On PostgreSQL it is range-partitioned by month on `created_at`, so:

- the shelf review, which reads a window of weeks, scans only the months of its window
  (partition pruning), and a BRIN index on `created_at` narrows the first and last month;
- old months can be detached and archived without a long DELETE;
- every index stays the size of one month, the part that is written to.

Partitions are made ahead of time (`manage.py ensure_partitions`, run by the migration for the
existing rows and monthly by beat). A DEFAULT partition catches any row outside them, so an
insert never fails; `redemption_partitions_ensure` moves such rows into the month's partition
when it creates it. On SQLite (the embedded default) every function here is a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection as default_connection
from django.db import transaction

log = logging.getLogger(__name__)

PARENT = "bookshelf_redemption"
DEFAULT = f"{PARENT}_default"
SEQUENCE = f"{PARENT}_id_seq"
BRIN_INDEX = "redemption_created_brin"
UNPARTITIONED = f"{PARENT}_unpartitioned"


@dataclass(frozen=True)
class Partition:
    name: str
    start: date | None  # None: the DEFAULT partition
    end: date | None
    rows: int | None = None


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{PARENT}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    # Month bounds in UTC: fixed instants, whatever the server's or the session's time zone.
    return datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()


def is_postgres(connection: Any = None) -> bool:
    return (connection or default_connection).vendor == "postgresql"


def is_partitioned(connection: Any = None) -> bool:
    connection = connection or default_connection
    if not is_postgres(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c "
            "ON c.oid = p.partrelid WHERE c.relname = %s AND pg_table_is_visible(c.oid))",
            [PARENT],
        )
        return bool(cursor.fetchone()[0])


def partitions_list(*, connection: Any = None, with_rows: bool = False) -> list[Partition]:
    """The partitions with their month bounds (estimated row counts with `with_rows`)."""
    connection = connection or default_connection
    if not is_partitioned(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s ORDER BY c.relname",
            [PARENT],
        )
        rows = cursor.fetchall()
    out: list[Partition] = []
    for name, bound, tuples in rows:
        start = end = None
        if bound and "FROM" in bound:
            # FOR VALUES FROM ('2026-01-01 08:00:00+08') TO ('2026-02-01 08:00:00+08')
            parts = bound.split("'")
            start = datetime.fromisoformat(parts[1]).astimezone(UTC).date()
            end = datetime.fromisoformat(parts[3]).astimezone(UTC).date()
        out.append(Partition(name, start, end, max(int(tuples), 0) if with_rows else None))
    return sorted(out, key=lambda p: (p.start is None, p.start or date.min))


def redemption_partitions_ensure(
    *,
    months_ahead: int = 3,
    start: date | None = None,
    today: date | None = None,
    connection: Any = None,
) -> list[str]:
    """Create the monthly partitions from `start` (default: this month) to `months_ahead`
    months after this one, and the DEFAULT partition. Rows already in the DEFAULT partition
    for a new month are moved into it. Returns the names of the partitions created."""
    connection = connection or default_connection
    if not is_partitioned(connection):
        return []
    today = today or datetime.now(UTC).date()
    first = month_start(start or today)
    last = add_months(month_start(today), months_ahead)
    existing = {p.start for p in partitions_list(connection=connection)}
    created: list[str] = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if not any(p.start is None for p in partitions_list(connection=connection)):
            cursor.execute(f'CREATE TABLE "{DEFAULT}" PARTITION OF "{PARENT}" DEFAULT')
            created.append(DEFAULT)
        month = first
        while month <= last:
            if month not in existing:
                _partition_create(cursor, month)
                created.append(partition_name(month))
            month = add_months(month, 1)
    if created:
        log.info("redemption partitions created: %s", ", ".join(created))
    return created


def _partition_create(cursor: Any, month: date) -> None:
    name = partition_name(month)
    lo, hi = _bound(month), _bound(add_months(month, 1))
    cursor.execute(
        f'SELECT EXISTS (SELECT 1 FROM "{DEFAULT}" WHERE created_at >= %s AND created_at < %s)',
        [lo, hi],
    )
    if not cursor.fetchone()[0]:
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{PARENT}" FOR VALUES FROM (%s) TO (%s)',
            [lo, hi],
        )
        return
    # Rows for this month landed in DEFAULT (the partition was not made in time): move them
    # into a new table, then attach it. Attaching checks DEFAULT holds none of the month.
    cursor.execute(
        f'CREATE TABLE "{name}" (LIKE "{PARENT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
    )
    cursor.execute(
        f'WITH moved AS (DELETE FROM "{DEFAULT}" WHERE created_at >= %s AND created_at < %s '
        f'RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
        [lo, hi],
    )
    cursor.execute(
        f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)',
        [lo, hi],
    )


# -- converting the table (the migration) -----------------------------------------------------


def _table_definitions(cursor: Any, table: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The table's secondary index definitions and its foreign keys (name, definition)."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = %s AND pg_table_is_visible(t.oid) AND NOT i.indisprimary "
        "AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype = 'u') "
        "ORDER BY 1",
        [table],
    )
    # A partitioned table's index reads "ON ONLY table": replayed, it must cover the partitions.
    indexes = [row[0].replace(" ON ONLY ", " ON ") for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE t.relname = %s AND pg_table_is_visible(t.oid) AND c.contype = 'f' ORDER BY 1",
        [table],
    )
    return indexes, list(cursor.fetchall())


def _unique_constraints(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE t.relname = %s AND pg_table_is_visible(t.oid) AND c.contype = 'u'",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _rebuild(cursor: Any, *, partitioned: bool, first_month: date | None) -> None:
    """Recreate the redemption table, partitioned or not, keeping its columns, rows, index
    and constraint names (so later Django migrations find what they expect)."""
    uniques = _unique_constraints(cursor, PARENT)
    if uniques:
        raise RuntimeError(
            "A partitioned table needs created_at in every unique constraint: " + ", ".join(uniques)
        )
    indexes, foreign_keys = _table_definitions(cursor, PARENT)
    indexes = [d for d in indexes if f" {BRIN_INDEX} " not in d]
    cursor.execute(f'ALTER TABLE "{PARENT}" RENAME TO "{UNPARTITIONED}"')
    cursor.execute(f'ALTER TABLE "{UNPARTITIONED}" ALTER COLUMN id DROP IDENTITY IF EXISTS')
    cursor.execute(f'ALTER TABLE "{UNPARTITIONED}" ALTER COLUMN id DROP DEFAULT')
    cursor.execute(f'DROP SEQUENCE IF EXISTS "{SEQUENCE}"')
    cursor.execute(f'CREATE SEQUENCE "{SEQUENCE}"')
    suffix = " PARTITION BY RANGE (created_at)" if partitioned else ""
    cursor.execute(
        f'CREATE TABLE "{PARENT}" (LIKE "{UNPARTITIONED}" INCLUDING DEFAULTS '
        f"INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS){suffix}"
    )
    cursor.execute(f"ALTER TABLE \"{PARENT}\" ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')")
    cursor.execute(f'ALTER SEQUENCE "{SEQUENCE}" OWNED BY "{PARENT}".id')
    if partitioned:
        cursor.execute(f'CREATE TABLE "{DEFAULT}" PARTITION OF "{PARENT}" DEFAULT')
        today = datetime.now(UTC).date()
        month = month_start(min(first_month or today, today))
        while month <= add_months(month_start(today), 3):
            _partition_create(cursor, month)
            month = add_months(month, 1)
    cursor.execute(f'INSERT INTO "{PARENT}" SELECT * FROM "{UNPARTITIONED}"')
    cursor.execute(
        f"SELECT setval('{SEQUENCE}', COALESCE((SELECT max(id) FROM \"{PARENT}\"), 0) + 1, false)"
    )
    cursor.execute(f'DROP TABLE "{UNPARTITIONED}"')
    key = "(id, created_at)" if partitioned else "(id)"
    cursor.execute(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{PARENT}_pkey" PRIMARY KEY {key}')
    for definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{name}" {definition}')
    if partitioned:
        cursor.execute(
            f'CREATE INDEX "{BRIN_INDEX}" ON "{PARENT}" USING brin (created_at) '
            "WITH (pages_per_range = 32)"
        )


def redemption_table_partition(schema_editor: Any) -> None:
    """Migration step: turn the redemption table into a partitioned one (PostgreSQL only)."""
    connection = schema_editor.connection
    if not is_postgres(connection) or is_partitioned(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT min(created_at) FROM "{PARENT}"')
        oldest = cursor.fetchone()[0]
        first = oldest.astimezone(UTC).date() if oldest else None
        _rebuild(cursor, partitioned=True, first_month=first)


def redemption_table_unpartition(schema_editor: Any) -> None:
    """Reverse migration step: back to one plain table (PostgreSQL only)."""
    connection = schema_editor.connection
    if not is_postgres(connection) or not is_partitioned(connection):
        return
    with connection.cursor() as cursor:
        _rebuild(cursor, partitioned=False, first_month=None)
