"""Bulk loading helpers for PostgreSQL: COPY through psycopg 3, and the load-then-index pattern
(drop a table's secondary indexes and constraints, COPY, build them again once)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

NULL = "\\N"


def copy_text(value: str) -> str:
    """A value for COPY's text format (backslash, tab and newlines escaped)."""
    if not value:
        return value
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )
    return value


@dataclass
class TableDefinitions:
    table: str
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX ...)
    constraints: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)


def table_definitions(cursor: Any, table: str) -> TableDefinitions:
    """The secondary indexes, unique constraints and foreign keys of a table (not its key)."""
    defs = TableDefinitions(table)
    cursor.execute(
        "SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = %s "
        "AND pg_table_is_visible(t.oid) AND c.contype IN ('u', 'f') AND c.conparentid = 0 "
        "ORDER BY c.conname",
        [table],
    )
    backing: set[str] = set()
    for name, kind, definition in cursor.fetchall():
        if kind == "u":
            defs.constraints.append((name, definition))
            backing.add(name)
        else:
            defs.foreign_keys.append((name, definition))
    cursor.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE t.relname = %s AND pg_table_is_visible(t.oid) AND NOT i.indisprimary "
        "ORDER BY ic.relname",
        [table],
    )
    for name, definition in cursor.fetchall():
        if name not in backing:
            defs.indexes.append((name, definition.replace(" ON ONLY ", " ON ")))
    return defs


def _drop(cursor: Any, defs: TableDefinitions) -> None:
    for name, _definition in defs.foreign_keys:
        cursor.execute(f'ALTER TABLE "{defs.table}" DROP CONSTRAINT "{name}"')
    for name, _definition in defs.constraints:
        cursor.execute(f'ALTER TABLE "{defs.table}" DROP CONSTRAINT "{name}"')
    for name, _definition in defs.indexes:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_indexes(cursor: Any, defs: TableDefinitions) -> None:
    for name, definition in defs.constraints:
        cursor.execute(f'ALTER TABLE "{defs.table}" ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in defs.indexes:
        cursor.execute(definition)


def restore_foreign_keys(cursor: Any, defs: TableDefinitions) -> None:
    # Adding the constraint checks every row once (a join), far cheaper than a trigger per row.
    for name, definition in defs.foreign_keys:
        cursor.execute(f'ALTER TABLE "{defs.table}" ADD CONSTRAINT "{name}" {definition}')


@contextmanager
def indexes_dropped(
    cursor: Any, tables: list[str], progress: Any = None
) -> Iterator[list[TableDefinitions]]:
    """Drop the tables' secondary indexes, unique constraints and foreign keys; build them
    again on the way out, even when the load failed (the schema is never left without them)."""
    saved = [table_definitions(cursor, table) for table in tables]
    for defs in saved:
        _drop(cursor, defs)
    try:
        yield saved
    finally:
        for defs in saved:
            log.debug("indexing %s", defs.table)
            restore_indexes(cursor, defs)
            if progress is not None:
                progress(f"indexes of {defs.table}")
        for defs in saved:
            restore_foreign_keys(cursor, defs)
            if progress is not None:
                progress(f"foreign keys of {defs.table}")
