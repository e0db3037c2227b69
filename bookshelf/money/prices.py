"""Contract prices: what a supplier is paid per fulfilled use of a benefit, from a date on.
A price in force is never rewritten: a new price is a new row from today or later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError
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


def price_in_force(*, supplier_id: int, benefit_id: int, on: date) -> Decimal | None:
    """The unit cost in force on that day, or None when the contract has no price yet."""
    return (
        ContractPrice.objects.filter(
            supplier_id=supplier_id, benefit_id=benefit_id, valid_from__lte=on
        )
        .order_by("-valid_from")
        .values_list("unit_cost", flat=True)
        .first()
    )


def prices_in_force(*, on: date) -> dict[tuple[int, int], Decimal]:
    """Every (supplier, benefit) price in force on that day, in one query."""
    latest = ContractPrice.objects.filter(
        supplier_id=OuterRef("supplier_id"), benefit_id=OuterRef("benefit_id"), valid_from__lte=on
    ).order_by("-valid_from")
    rows = ContractPrice.objects.filter(
        valid_from__lte=on, pk=Subquery(latest.values("pk")[:1])
    ).values_list("supplier_id", "benefit_id", "unit_cost")
    return {(s, b): cost for s, b, cost in rows}


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
    """A new contract price from `valid_from` (today or later). Setting a price again for the
    same day (not yet in force, or today's) replaces it; a day in the past is refused with
    `price_in_the_past`, so what was paid stays what it was."""
    today = today or timezone.localdate()
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
