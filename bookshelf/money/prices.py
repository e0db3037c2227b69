"""Contract prices: what a supplier is paid per fulfilled use of a benefit, from a date on.
A price in force is never rewritten: a new price is a new row from today or later, for a
benefit the supplier delivers; a price not yet in force may be withdrawn (`price_withdraw`),
one in force never (`price_in_the_past`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit
from config.exceptions import DomainError, NotFound
from config.users import acting_user

from .error_codes import MoneyErrorCode
from .models import ContractPrice

CENT = Decimal("0.01")


def money(value: Any, *, field: str = "unit_cost") -> Decimal:
    """A yuan amount with two decimals, from a string, int or Decimal (never a float), or a
    400 `invalid` naming the field."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            MoneyErrorCode.INVALID, _("Give an amount in yuan, e.g. 120.50."), field=field
        ) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError(
            MoneyErrorCode.INVALID,
            _("Give an amount in yuan with at most two decimals."),
            field=field,
        )
    return amount.quantize(CENT)


_PRICE = ContractPrice._meta.db_table
# Each supplier's price in force for a benefit on a day (the row with the latest
# `valid_from` on or before it), by the benefit's code: read ahead with a new use's other
# reads, in their one round trip (`costs.use_pricing_statements`).
_PRICES = (
    f"SELECT p.supplier_id, p.unit_cost FROM {_PRICE} p "  # noqa: S608
    "WHERE p.benefit_id = {benefit} AND p.valid_from <= %s AND NOT EXISTS ("
    f"SELECT 1 FROM {_PRICE} q WHERE q.supplier_id = p.supplier_id "
    "AND q.benefit_id = p.benefit_id AND q.valid_from <= %s AND q.valid_from > p.valid_from)"
)
_PRICES_BY_CODE_SQL = _PRICES.format(
    benefit=f"(SELECT id FROM {Benefit._meta.db_table} WHERE code = %s)"  # noqa: S608
)
_PRICES_BY_ID_SQL = _PRICES.format(benefit="%s")


def prices_statement(benefit_code: str, on: date) -> tuple[str, list[Any]]:
    """The statement of every supplier's price of the benefit in force on `on`."""
    return _PRICES_BY_CODE_SQL, [benefit_code, on, on]


def prices_from_rows(rows: Iterable[Any]) -> dict[int, Decimal]:
    """Supplier id -> unit cost, from the rows of `prices_statement` (SQLite answers a
    decimal column as a float: `money` reads it back to two decimals)."""
    return {supplier_id: money(cost) for supplier_id, cost in rows}


def price_in_force(*, supplier_id: int, benefit_id: int, on: date) -> Decimal | None:
    """The unit cost in force on that day, or None when the contract has no price yet (the
    rule of `prices_statement`, for one supplier)."""
    with connection.cursor() as cursor:
        cursor.execute(_PRICES_BY_ID_SQL, [benefit_id, on, on])
        return prices_from_rows(cursor.fetchall()).get(supplier_id)


def prices_in_force(*, on: date) -> dict[tuple[int, int], Decimal]:
    """Every (supplier, benefit) price in force on that day, in one query."""
    latest = ContractPrice.objects.filter(
        supplier_id=OuterRef("supplier_id"), benefit_id=OuterRef("benefit_id"), valid_from__lte=on
    ).order_by("-valid_from")
    rows = ContractPrice.objects.filter(
        valid_from__lte=on, pk=Subquery(latest.values("pk")[:1])
    ).values_list("supplier_id", "benefit_id", "unit_cost")
    return {(s, b): cost for s, b, cost in rows}


def price_check(
    *, supplier_id: int, benefit_id: int, unit_cost: Any, valid_from: date, today: date
) -> Decimal:
    """The amount of a new price, or the `DomainError` that refuses it: not a yuan amount
    (`invalid`), a day in the past (`price_in_the_past`), a benefit the supplier does not
    deliver (`invalid`). The admin's form and the import check rows with it too."""
    amount = money(unit_cost)
    if amount < 0:
        raise DomainError(
            MoneyErrorCode.INVALID, _("A price cannot be negative."), field="unit_cost"
        )
    if valid_from < today:
        raise DomainError(
            MoneyErrorCode.PRICE_IN_THE_PAST,
            _("A new price starts today or later: a price in force is never rewritten."),
            field="valid_from",
        )
    if not price_supplier_delivers(supplier_id=supplier_id, benefit_id=benefit_id):
        raise DomainError(
            MoneyErrorCode.INVALID,
            _("This supplier does not deliver this benefit: link them on the supplier first."),
            field="benefit",
        )
    return amount


def price_set(
    *,
    supplier_id: int,
    benefit_id: int,
    unit_cost: Any,
    valid_from: date,
    note: str = "",
    by: Any = None,
    today: date | None = None,
) -> ContractPrice:
    """A new contract price from `valid_from` (today or later) for a benefit the supplier
    delivers. Setting a price again for a day not yet begun replaces it; a day in the past,
    or today when today's price is already set (uses may have been paid at it), is refused
    with `price_in_the_past`, so what was paid stays what it was."""
    today = today or timezone.localdate()
    amount = price_check(
        supplier_id=supplier_id,
        benefit_id=benefit_id,
        unit_cost=unit_cost,
        valid_from=valid_from,
        today=today,
    )
    same_day = ContractPrice.objects.filter(
        supplier_id=supplier_id, benefit_id=benefit_id, valid_from=valid_from
    )
    if valid_from == today and same_day.exists():
        raise DomainError(
            MoneyErrorCode.PRICE_IN_THE_PAST,
            _("Today's price is in force already: set the new one from tomorrow."),
            field="valid_from",
        )
    try:
        with transaction.atomic():
            price, _created = ContractPrice.objects.update_or_create(
                supplier_id=supplier_id,
                benefit_id=benefit_id,
                valid_from=valid_from,
                defaults={"unit_cost": amount, "note": note[:200], "created_by": acting_user(by)},
            )
    except IntegrityError:  # a concurrent first price for the same day
        price = ContractPrice.objects.get(
            supplier_id=supplier_id, benefit_id=benefit_id, valid_from=valid_from
        )
    return price


def price_supplier_delivers(*, supplier_id: int, benefit_id: int) -> bool:
    """The supplier is one of the benefit's suppliers (a price is agreed only for those)."""
    return Benefit.objects.filter(pk=benefit_id, suppliers__supplier_id=supplier_id).exists()


def price_withdraw(*, price_id: int, today: date | None = None) -> None:
    """Withdraw a scheduled price that is not yet in force (the price before it goes on).
    One in force (from today or earlier) is refused with `price_in_the_past`: uses were
    priced with it. One conditional DELETE, so a price cannot come into force between the
    check and the delete."""
    today = today or timezone.localdate()
    deleted, _rows = ContractPrice.objects.filter(pk=price_id, valid_from__gt=today).delete()
    if deleted:
        return
    if ContractPrice.objects.filter(pk=price_id).exists():
        raise DomainError(
            MoneyErrorCode.PRICE_IN_THE_PAST,
            _("This price is in force: it cannot be withdrawn. Set a new price instead."),
            field="valid_from",
        )
    raise NotFound(MoneyErrorCode.INVALID, _("No such contract price."), field="price")


@dataclass(frozen=True)
class PriceSchedule:
    """One supplier's prices for one benefit around a day: the price in force, the ones
    scheduled after it (soonest first) and the earlier ones (latest first)."""

    in_force: ContractPrice | None = None
    scheduled: list[ContractPrice] = field(default_factory=list)
    history: list[ContractPrice] = field(default_factory=list)

    @property
    def next(self) -> ContractPrice | None:
        return self.scheduled[0] if self.scheduled else None


def price_schedules(
    *, pairs: Iterable[tuple[int, int]], on: date
) -> dict[tuple[int, int], PriceSchedule]:
    """The schedule of each (supplier, benefit) pair on that day, in one query; a pair with
    no price at all has an empty schedule."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = (
        ContractPrice.objects.filter(
            supplier_id__in={s for s, _b in wanted}, benefit_id__in={b for _s, b in wanted}
        )
        .select_related("created_by")
        .order_by("supplier_id", "benefit_id", "valid_from")
    )
    by_pair: dict[tuple[int, int], list[ContractPrice]] = {pair: [] for pair in wanted}
    for row in rows:
        if (row.supplier_id, row.benefit_id) in by_pair:
            by_pair[(row.supplier_id, row.benefit_id)].append(row)
    schedules: dict[tuple[int, int], PriceSchedule] = {}
    for pair, prices in by_pair.items():
        past = [p for p in prices if p.valid_from <= on]
        schedules[pair] = PriceSchedule(
            in_force=past[-1] if past else None,
            scheduled=[p for p in prices if p.valid_from > on],
            history=list(reversed(past[:-1])),
        )
    return schedules
