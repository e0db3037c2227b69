"""What a use of a benefit reads before it spends, in one round trip.

The benefit (with its category and eligibility rules), the household (family and in-force
policies: `household_statements`), the benefit's shelf cells in every tier and the customer's
open purchases of it are independent of each other once they are keyed on the benefit's code,
so they go together (`config.db_batch.fetch_pipelined`: one round trip on PostgreSQL), with
any statement the caller adds (the fulfilment adds the benefit's suppliers). Hand-written
statements, turned into the same model instances and `CellView`s the ORM's queries gave: on
the write path the ORM's construction of seven queries cost more than the database's answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext as _

from benefits.error_codes import BenefitErrorCode
from benefits.models import Benefit, Category
from config.db_batch import Key, Statement, fetch_pipelined
from config.exceptions import NotFound
from customers.models import Customer

from ..shelf.models import Eligibility, ShelfCell
from ..shelf.selectors import CellView, cell_view_from
from .household import Household, household_from_rows, household_statements
from .models import Purchase


def model_columns(model: type[Model], alias: str) -> tuple[str, list[str]]:
    """`alias.column, ...` of the model's concrete fields, and their attribute names."""
    fields = model._meta.concrete_fields
    return ", ".join(f"{alias}.{f.column}" for f in fields), [f.attname for f in fields]


_BENEFIT_COLS, BENEFIT_FIELDS = model_columns(Benefit, "b")
_CATEGORY_COLS, CATEGORY_FIELDS = model_columns(Category, "c")
_RULE_COLS, RULE_FIELDS = model_columns(Eligibility, "e")
_CELL_COLS, CELL_FIELDS = model_columns(ShelfCell, "s")
_PURCHASE_COLS, PURCHASE_FIELDS = model_columns(Purchase, "p")

BENEFIT_SQL = (
    f"SELECT {_BENEFIT_COLS}, {_CATEGORY_COLS}, {_RULE_COLS} FROM benefits_benefit b "  # noqa: S608
    "JOIN benefits_category c ON c.id = b.category_id "
    "LEFT JOIN bookshelf_eligibility e ON e.benefit_id = b.id WHERE b.code = %s"
)
# Every tier's cell of the benefit, whatever its status (the use says why a retired one is
# refused); the household's tiers are known only with the household, in the same round trip.
CELLS_SQL = (
    f"SELECT {_CELL_COLS} FROM bookshelf_shelfcell s "  # noqa: S608
    "JOIN benefits_benefit b ON b.id = s.benefit_id WHERE b.code = %s"
)
# The customer's purchases of the benefit with a use left today, soonest expiry first.
PURCHASES_SQL = (
    f"SELECT {_PURCHASE_COLS} FROM bookshelf_purchase p "  # noqa: S608
    "JOIN benefits_benefit b ON b.id = p.benefit_id WHERE p.customer_id = %s AND b.code = %s "
    "AND p.valid_from <= %s AND p.valid_until >= %s AND p.uses_used < p.uses_granted "
    "ORDER BY p.valid_until, p.id"
)


@dataclass(frozen=True)
class UseReads:
    """What a use reads: its benefit, the household, the benefit's cells by tier, the
    customer's open purchases of it, and the rows of the caller's own statements."""

    benefit: Benefit
    household: Household
    cells: dict[int, CellView]
    purchases: list[Purchase]
    also: list[list[Any]]

    def cells_of(self, tiers: set[int]) -> dict[int, CellView]:
        return {tier: view for tier, view in self.cells.items() if tier in tiers}


def _benefit_from(row: Sequence[Any]) -> Benefit:
    alias = connection.alias
    nb, nc = len(BENEFIT_FIELDS), len(CATEGORY_FIELDS)
    benefit = Benefit.from_db(alias, BENEFIT_FIELDS, row[:nb])
    category = Category.from_db(alias, CATEGORY_FIELDS, row[nb : nb + nc])
    Benefit.category.field.set_cached_value(benefit, category)
    rule_row = row[nb + nc :]
    rule = None if rule_row[0] is None else Eligibility.from_db(alias, RULE_FIELDS, rule_row)
    # Cached either way: a benefit without rules answers "none" without asking again.
    Benefit.eligibility.related.set_cached_value(benefit, rule)  # type: ignore[attr-defined]
    return benefit


def _cell_views(benefit: Benefit, rows: list[Sequence[Any]]) -> dict[int, CellView]:
    views: dict[int, CellView] = {}
    for row in rows:
        cell = ShelfCell.from_db(connection.alias, CELL_FIELDS, row)
        ShelfCell.benefit.field.set_cached_value(cell, benefit)
        views[cell.tier] = cell_view_from(cell)
    return views


def use_reads(
    *, customer: Customer, benefit_code: str, today: date, also: Sequence[Statement] = ()
) -> UseReads:
    """Everything a use of `benefit_code` reads, one round trip; `benefit_not_found` (404)
    when no benefit has that code."""
    rows = fetch_pipelined(
        [
            (BENEFIT_SQL, [benefit_code]),
            *household_statements(Key.of(customer.pk)),
            (CELLS_SQL, [benefit_code]),
            (PURCHASES_SQL, [customer.pk, benefit_code, today, today]),
            *also,
        ]
    )
    benefit_rows, relatives, policies, cells, purchases = rows[:5]
    if not benefit_rows:
        raise NotFound(
            BenefitErrorCode.BENEFIT_NOT_FOUND,
            _("No benefit with code %(code)s.") % {"code": benefit_code},
            field="benefit",
        )
    benefit = _benefit_from(benefit_rows[0])
    bought = [Purchase.from_db(connection.alias, PURCHASE_FIELDS, row) for row in purchases]
    for purchase in bought:
        Purchase.benefit.field.set_cached_value(purchase, benefit)
    return UseReads(
        benefit=benefit,
        household=household_from_rows(customer, relatives, policies),
        cells=_cell_views(benefit, cells),
        purchases=bought,
        also=rows[5:],
    )
