"""What a customer may use of a benefit, and how much of it is left: one computation for the
benefit centre (the read) and the redemption (the write).

A use is paid from one of three sources:

- **tier**: the customer's own tier cell, per period (`QuotaBalance.used` counts the uses);
- **purchase**: a paid add-on the customer bought (`Purchase.uses_used`);
- **family**: a relative's tier cell that lets family take some of its uses
  (`QuotaBalance.family_used`); a family use spends the holder's allowance too, so what is
  left is the smaller of the family share left and the holder's allowance left.

*Who may draw* on a tier cell (`household_draws`, `family_share_problem`): the holder on
their own cell when its eligibility rules let them; a relative only on a cell with a family
share, when the holder's policies open it and the relative's age fits. `Allowance` says what
is left; `balance_condition` is the same limit as the database's conditional `UPDATE`, so
the write never spends past what the read shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set
from datetime import date
from typing import NamedTuple

from django.utils.translation import gettext_noop

from customers.models import Customer

from ..shelf.error_codes import ShelfErrorCode
from ..shelf.selectors import CellView, Ineligible, eligibility_problem, plain
from .household import Household
from .models import Source


class Allowance(NamedTuple):
    """One source's uses of one benefit for one period, and what is left of them. A named
    tuple: immutable, and cheap to make once per benefit on the hot read path."""

    source: str
    holder_id: int
    holder_no: str
    quota: int | None  # the uses this source grants (None: unlimited)
    used: int  # the uses it has given
    period_start: date | None = None
    period_end: date | None = None
    # A family share spends the holder's own allowance too: its quota and uses.
    holder_quota: int | None = None
    holder_used: int = 0
    purchase_id: int | None = None

    @property
    def remaining(self) -> int | None:
        """Uses left (None: unlimited), never below zero."""
        if self.quota is None:
            return None
        left = self.quota - self.used
        if self.holder_quota is not None:
            left = min(left, self.holder_quota - self.holder_used)
        return max(left, 0)

    def balance_condition(self) -> dict[str, int]:
        """The balance row's columns below their limits, as a filter: the conditional
        `UPDATE` that takes one use of this allowance, and nothing past it."""
        condition: dict[str, int] = {}
        if self.source == Source.FAMILY:
            if self.quota is not None:
                condition["family_used__lt"] = self.quota
            if self.holder_quota is not None:
                condition["used__lt"] = self.holder_quota
        elif self.quota is not None:
            condition["used__lt"] = self.quota
        return condition

    def balance_condition_sql(self, alias: str) -> tuple[str, list[int]]:
        """`balance_condition` as SQL on the balance row named `alias`, and its parameters:
        the hand-written spend's limit (always true when nothing limits it)."""
        condition = self.balance_condition()
        if not condition:
            return "1 = 1", []
        parts = [f"{alias}.{name.removesuffix('__lt')} < %s" for name in condition]
        return " AND ".join(parts), list(condition.values())

    def fresh_balance_spendable(self) -> bool:
        """May a balance row not yet made (nothing used) take a use? Not under a limit of 0."""
        return all(limit > 0 for limit in self.balance_condition().values())

    def with_balance(self, *, used: int, family_used: int) -> Allowance:
        """The same allowance at a balance row's counters (after a spend, say)."""
        if self.source == Source.FAMILY:
            return self._replace(used=family_used, holder_used=used)
        return self._replace(used=used)


def purchase_allowance(
    *,
    purchase_id: int,
    holder: Customer,
    granted: int,
    used: int,
    valid_from: date,
    valid_until: date,
) -> Allowance:
    """A paid add-on the customer bought: its uses until it expires."""
    return Allowance(
        source=Source.PURCHASE,
        holder_id=holder.pk,
        holder_no=holder.customer_no,
        quota=granted,
        used=used,
        period_start=valid_from,
        period_end=valid_until,
        purchase_id=purchase_id,
    )


# -- who may draw ---------------------------------------------------------------------------


def shares_with_family(view: CellView) -> bool:
    """Does this tier cell let family members take some of its uses?"""
    return bool(view.family_quota)


def family_share_problem(
    view: CellView, *, holder_lines: Set[str], user: Customer, today: date
) -> Ineligible | None:
    """May `user` take a use of a relative's tier cell? Only of a cell with a family share,
    when the holder's policies open the benefit and the user's age fits."""
    if not shares_with_family(view):
        return Ineligible(
            ShelfErrorCode.BENEFIT_NOT_SHAREABLE,
            gettext_noop("The customer's tier does not let family use this benefit."),
        )
    if plain(view):
        return None
    return eligibility_problem(view, holder_lines=holder_lines, beneficiary=user, today=today)


def own_cell_problem(view: CellView, *, household: Household, today: date) -> Ineligible | None:
    """May the customer use their own tier's cell?"""
    if plain(view):
        return None
    customer = household.customer
    return eligibility_problem(
        view, holder_lines=household.lines_of(customer.pk), beneficiary=customer, today=today
    )


class Draw(NamedTuple):
    """A tier cell the customer may draw a use from: their own, or a relative's family share.
    A named tuple: one is made for every benefit of every benefit-centre read."""

    source: str
    holder: Customer
    view: CellView
    holder_id: int


def own_views(
    household: Household,
    cells: Mapping[int, Iterable[CellView]],
    *,
    today: date,
    problems: list[Ineligible] | None = None,
) -> Iterator[CellView]:
    """The cells of the customer's own tier they may draw on (`household_draws`' first part);
    with `problems`, why each other one is refused."""
    for view in cells.get(household.customer.tier, ()):
        problem = own_cell_problem(view, household=household, today=today)
        if problem is None:
            yield view
        elif problems is not None:
            problems.append(problem)


def family_draws(
    household: Household,
    cells: Mapping[int, Iterable[CellView]],
    *,
    today: date,
    problems: list[Ineligible] | None = None,
) -> Iterator[Draw]:
    """Each relative's tier cell that shares with family and lets the customer draw on it
    (`household_draws`' second part). A relative's cell without a family share is not
    theirs to draw and explains nothing."""
    customer = household.customer
    for relative, _relation in household.relatives:
        relative_id = relative.pk
        lines = household.lines_of(relative_id)
        for view in cells.get(relative.tier, ()):
            if not shares_with_family(view):
                continue  # not the family's to draw: nothing to explain, nothing to build
            problem = family_share_problem(view, holder_lines=lines, user=customer, today=today)
            if problem is None:
                yield Draw(Source.FAMILY, relative, view, relative_id)
            elif problems is not None:
                problems.append(problem)


def household_draws(
    household: Household,
    cells: Mapping[int, Iterable[CellView]],
    *,
    today: date,
    problems: list[Ineligible] | None = None,
) -> Iterator[Draw]:
    """Every tier cell of `cells` (by tier) the customer may draw on: first their own tier's,
    then each relative's that shares with family. A cell a rule refuses is left out and, with
    `problems`, why is noted (the write path answers with the first)."""
    customer = household.customer
    customer_id = customer.pk
    for view in own_views(household, cells, today=today, problems=problems):
        yield Draw(Source.TIER, customer, view, customer_id)
    yield from family_draws(household, cells, today=today, problems=problems)


def draw_allowance(
    draw: Draw, *, period: tuple[date, date | None], used: int = 0, family_used: int = 0
) -> Allowance:
    """What a draw on a tier cell leaves at its balance row's counters (`used` counts every
    use of the holder's allowance, `family_used` those family took): the holder's own cell,
    or a relative's family share, which spends the holder's allowance too."""
    view, holder = draw.view, draw.holder
    if draw.source == Source.FAMILY:
        return Allowance(
            source=Source.FAMILY,
            holder_id=draw.holder_id,
            holder_no=holder.customer_no,
            quota=view.family_quota,
            used=family_used,
            period_start=period[0],
            period_end=period[1],
            holder_quota=view.quota,
            holder_used=used,
        )
    return Allowance(
        source=Source.TIER,
        holder_id=draw.holder_id,
        holder_no=holder.customer_no,
        quota=view.quota,
        used=used,
        period_start=period[0],
        period_end=period[1],
    )
