"""The recommender's own per-customer reads, as hand-written statements (`config.db_batch`).

`recommendations_for_customer` sends them in the benefit centre's one statement: the events
of the window, the uses of the last twelve months (the monthly rollup), the value segment and
the latest consent of each purpose. Building the ORM queries cost several times what the
indexed lookups themselves cost (the consents' `Exists` alone about 5 ms a read), on every
request. Each read here answers what its ORM twin does: `recent_events`, `usage_recent`,
`customer_segment`, `consents_current` (tests compare them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import BooleanField, DateTimeField, Model
from django.utils import timezone

from config.db_batch import Key, Read
from customers.models import Consent, ConsentPurpose, ConsentText, Customer
from customers.selectors import ConsentSet, ConsentState
from customers.selectors import _counts_at as consent_counts_at

from ..ledger.models import UsageMonth
from ..ledger.selectors import window_start
from .models import CustomerEvent, CustomerValue


def _moment(at: datetime) -> Any:
    """A moment as the database compares it (SQLite keeps UTC text)."""
    return connection.ops.adapt_datetimefield_value(at)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# -- events, uses, segment ------------------------------------------------------------------
_EVENTS_SQL = (
    f"SELECT kind, occurred_at FROM {CustomerEvent._meta.db_table} "  # noqa: S608
    "WHERE customer_id = %s AND occurred_at >= %s AND occurred_at < %s "
    "ORDER BY occurred_at DESC, id DESC"
)


def _by(sql: str, customer: int | Key) -> tuple[str, list[Any]]:
    """`sql` (whose first parameter is the customer's id, `customer_id = %s`) for this
    customer: their id, or a `Key` finding it in the same batch; and its first parameters."""
    if not isinstance(customer, Key):
        return sql, [customer]
    return sql.replace("customer_id = %s", f"customer_id = {customer.sql}", 1), [*customer.params]


def events_read(customer: int | Key, today: date, days: int) -> Read:
    """The customer's events of the last `days` days and today, newest first (the
    (customer, -occurred_at) index gives that order)."""
    since = _moment(_day_start(today - timedelta(days=days)))
    until = _moment(_day_start(today + timedelta(days=1)))
    sql, params = _by(_EVENTS_SQL, customer)
    return Read(sql, [*params, since, until], 2, moments=(1,))


def events_from_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[str, date]]:
    return [(kind, timezone.localdate(at)) for kind, at in rows]


_USES_SQL = (
    f"SELECT benefit_id, SUM(uses) FROM {UsageMonth._meta.db_table} "  # noqa: S608
    "WHERE customer_id = %s AND month >= %s AND uses > 0 GROUP BY benefit_id"
)


def uses_read(customer: int | Key, today: date) -> Read:
    """Completed uses per benefit in the last twelve months, from the monthly rollup."""
    sql, params = _by(_USES_SQL, customer)
    return Read(sql, [*params, window_start(today)], 2)


def uses_from_rows(rows: Sequence[Sequence[Any]]) -> dict[int, int]:
    return {benefit_id: int(n) for benefit_id, n in rows}


_SEGMENT_SQL = f"SELECT segment FROM {CustomerValue._meta.db_table} WHERE customer_id = %s"  # noqa: S608


def segment_read(customer: int | Key) -> Read:
    """The customer's value segment from last night's profile (no row before the first)."""
    sql, params = _by(_SEGMENT_SQL, customer)
    return Read(sql, params, 1)


def segment_from_rows(rows: Sequence[Sequence[Any]]) -> str:
    return str(rows[0][0] or "") if rows else ""


# -- consents --------------------------------------------------------------------------------
def _columns(model: type[Model]) -> list[tuple[str, str, Any]]:
    """(column, attribute name, field) of every concrete field, in the model's order."""
    return [(str(f.column), f.attname, f) for f in model._meta.concrete_fields]


_CONSENT_COLUMNS = _columns(Consent)
_TEXT_COLUMNS = _columns(ConsentText)
_N_CONSENT = len(_CONSENT_COLUMNS)
_CONSENT_SELECT = ", ".join(
    [f"c.{col}" for col, _a, _f in _CONSENT_COLUMNS] + [f"t.{col}" for col, _a, _f in _TEXT_COLUMNS]
)
_CONSENT_MOMENTS = tuple(
    i
    for i, (_c, _a, f) in enumerate([*_CONSENT_COLUMNS, *_TEXT_COLUMNS])
    if isinstance(f, DateTimeField)
)
_CONSENT_TABLE = Consent._meta.db_table
# The latest record at or before `at` of each purpose: one with no later one (the same rule
# as `customers.selectors._latest_consents`); an erased customer has none that counts.
_CONSENTS_SQL = (
    f"SELECT {_CONSENT_SELECT} FROM {_CONSENT_TABLE} c "  # noqa: S608
    f"JOIN {Customer._meta.db_table} cu ON cu.id = c.customer_id "
    f"LEFT JOIN {ConsentText._meta.db_table} t ON t.id = c.text_id "
    "WHERE c.customer_id = %s AND c.created_at <= %s AND cu.erased_at IS NULL "
    f"AND NOT EXISTS (SELECT 1 FROM {_CONSENT_TABLE} l WHERE l.customer_id = c.customer_id "
    "AND l.purpose = c.purpose AND l.created_at <= %s AND (l.created_at > c.created_at "
    "OR (l.created_at = c.created_at AND l.id > c.id)))"
)


def consents_read(customer: int | Key, at: datetime) -> Read:
    """The latest consent record of each purpose the customer has one of, with its text."""
    moment = _moment(at)
    sql, params = _by(_CONSENTS_SQL, customer)
    return Read(
        sql,
        [*params, moment, moment],
        len(_CONSENT_COLUMNS) + len(_TEXT_COLUMNS),
        moments=_CONSENT_MOMENTS,
    )


def _instance(
    model: type[Model], columns: list[tuple[str, str, Any]], values: Sequence[Any]
) -> Any:
    converted = [
        bool(v) if isinstance(f, BooleanField) and v is not None else v
        for (_c, _a, f), v in zip(columns, values, strict=True)
    ]
    return model.from_db(connection.alias, [a for _c, a, _f in columns], converted)


def _record(row: Sequence[Any]) -> Consent:
    record: Consent = _instance(Consent, _CONSENT_COLUMNS, row[:_N_CONSENT])
    text_values = row[_N_CONSENT:]
    # As `select_related("text")` leaves it: the text loaded, or none when there is none.
    record.text = (
        _instance(ConsentText, _TEXT_COLUMNS, text_values) if text_values[0] is not None else None
    )
    return record


def consents_from_rows(customer_id: int, at: datetime, rows: Sequence[Sequence[Any]]) -> ConsentSet:
    """The customer's `ConsentSet` as of `at`, from the rows of `consents_read`."""
    latest = {record.purpose: record for record in map(_record, rows)}
    states = {
        purpose: ConsentState(
            purpose=purpose,
            record=latest.get(purpose),
            valid=purpose in latest and consent_counts_at(latest[purpose], at),
        )
        for purpose in ConsentPurpose.values
    }
    return ConsentSet(customer_id=customer_id, at=at, states=states)


__all__ = [
    "consents_from_rows",
    "consents_read",
    "events_from_rows",
    "events_read",
    "segment_from_rows",
    "segment_read",
    "uses_from_rows",
    "uses_read",
]
