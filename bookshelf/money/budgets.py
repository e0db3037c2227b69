"""Budgets that hold: a use spends one use and its unit cost from every active budget that
covers its benefit (the benefit's own, its top category's) for the period of the request.

Each spend is one conditional UPDATE on the period's row, like the quota balances: the row
changes only if a use and the cost still fit under its caps, so of 200 concurrent requests
for the last 10 uses exactly 10 pass, whatever the interleaving. A request that would pass a
cap is refused with `budget_exhausted` inside the use's transaction, which rolls back the
quota it took: nothing is spent. Crossing the warning level is announced once per period
(a second conditional UPDATE on `warned_at`): a `budget.warning` webhook and the admin's
notice. Uses paid for by the customer (a purchase) are counted but never refused.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, Category
from config.db_batch import Read, fetch_batch
from config.exceptions import Conflict, DomainError

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from .error_codes import MoneyErrorCode
from .models import ZERO, Budget, BudgetCharge, BudgetPeriod, BudgetPeriodKind, WhenExhausted
from .prices import money


def budget_period_bounds(kind: str, on: date) -> tuple[date, date]:
    """The calendar month, quarter or year containing `on`: first and last day."""
    if kind == BudgetPeriodKind.MONTH:
        return date(on.year, on.month, 1), date(
            on.year, on.month, calendar.monthrange(on.year, on.month)[1]
        )
    if kind == BudgetPeriodKind.QUARTER:
        first = 3 * ((on.month - 1) // 3) + 1
        last = first + 2
        return date(on.year, first, 1), date(on.year, last, calendar.monthrange(on.year, last)[1])
    return date(on.year, 1, 1), date(on.year, 12, 31)


_BUDGET_FIELDS = [f.attname for f in Budget._meta.concrete_fields]
# Hand-written: it runs in every use's transaction (the ORM built this OR over a join for
# longer than the database took to answer it).
_COVERING = (
    f"SELECT {', '.join(f'b.{f.column}' for f in Budget._meta.concrete_fields)} "  # noqa: S608
    f"FROM {Budget._meta.db_table} b LEFT JOIN {Category._meta.db_table} c "
    "ON c.id = b.category_id WHERE b.active "
    "AND (b.benefit_id = {benefit} OR (c.parent_id IS NULL AND c.code = %s)) ORDER BY b.id"
)
_COVERING_SQL = _COVERING.format(benefit="%s")
# The same by the benefit's code, for a use's one round trip of reads.
_COVERING_BY_CODE_SQL = _COVERING.format(
    benefit=f"(SELECT id FROM {Benefit._meta.db_table} WHERE code = %s)"  # noqa: S608
)


def budgets_covering(benefit: Benefit) -> list[Budget]:
    """The active budgets that cover a benefit: its own and its top category's, in id order
    (the order their rows are locked, so two uses never wait on each other crosswise)."""
    top = benefit.code.split(".")[0]
    with connection.cursor() as cursor:
        cursor.execute(_COVERING_SQL, [benefit.pk, top])
        rows = cursor.fetchall()
    return budgets_from_rows(rows)


def budgets_covering_statement(benefit_code: str) -> tuple[str, list[Any]]:
    """`budgets_covering`'s statement by the benefit's code, for a caller that sends it with
    reads of its own (a new use's one round trip of reads)."""
    return _COVERING_BY_CODE_SQL, [benefit_code, benefit_code.split(".")[0]]


def budgets_from_rows(rows: Iterable[Sequence[Any]]) -> list[Budget]:
    """The budgets of the rows of `budgets_covering_statement`."""
    return [Budget.from_db(connection.alias, _BUDGET_FIELDS, row) for row in rows]


def budget_period_open(budget: Budget, on: date) -> BudgetPeriod:
    """The budget's row for the period containing `on`, created with the budget's caps."""
    start, end = budget_period_bounds(budget.period, on)
    defaults = {
        "end": end,
        "cap_uses": budget.cap_uses,
        "cap_amount": budget.cap_amount,
        "warn_percent": budget.warn_percent,
    }
    try:
        with transaction.atomic():
            period, _created = BudgetPeriod.objects.get_or_create(
                budget=budget, start=start, defaults=defaults
            )
    except IntegrityError:  # opened by a concurrent use
        period = BudgetPeriod.objects.get(budget=budget, start=start)
    return period


def _fits(amount: Decimal) -> Q:
    return (Q(cap_uses__isnull=True) | Q(used_uses__lt=F("cap_uses"))) & (
        Q(cap_amount__isnull=True) | Q(cap_amount__gte=F("used_amount") + amount)
    )


def _warning_due() -> Q:
    """Spending reached the warning share of either cap: used * 100 >= cap * warn%."""
    by_uses = GreaterThanOrEqual(F("used_uses") * 100, F("cap_uses") * F("warn_percent"))
    by_amount = GreaterThanOrEqual(F("used_amount") * 100, F("cap_amount") * F("warn_percent"))
    return (Q(cap_uses__isnull=False) & Q(by_uses)) | (Q(cap_amount__isnull=False) & Q(by_amount))


def exhausted() -> Conflict:
    return Conflict(
        MoneyErrorCode.BUDGET_EXHAUSTED,
        _("This benefit's budget for the period is used up. Nothing was spent."),
        field="benefit",
    )


def budget_charge(
    *,
    benefit: Benefit,
    amount: Decimal | None,
    on: date,
    enforce: bool = True,
    redemption_id: int | None = None,
    covering: list[Budget] | None = None,
) -> list[int]:
    """Spend one use and `amount` yuan from every budget covering the benefit, or raise
    `budget_exhausted` (the caller's transaction then rolls back whatever it spent). With
    `enforce=False` (a use the customer paid for) the spend is counted, never refused. Each
    charge of a use is recorded (`BudgetCharge`), so giving it back touches exactly those
    rows. Returns the period rows charged. `covering`: the budgets covering the benefit,
    when the caller has read them already (`budgets_covering_statement`)."""
    amount = amount or ZERO
    charged: list[int] = []
    now = timezone.now()
    for budget in budgets_covering(benefit) if covering is None else covering:
        period = budget_period_open(budget, on)
        rows = BudgetPeriod.objects.filter(pk=period.pk)
        if enforce:
            rows = rows.filter(_fits(amount))
        if not rows.update(used_uses=F("used_uses") + 1, used_amount=F("used_amount") + amount):
            BudgetPeriod.objects.filter(pk=period.pk, exhausted_at__isnull=True).update(
                exhausted_at=now
            )
            raise exhausted()
        charged.append(period.pk)
        _warn_once(period.pk, now)
    if charged and redemption_id is not None:
        BudgetCharge.objects.bulk_create(
            BudgetCharge(period_id=pk, redemption_id=redemption_id, amount=amount) for pk in charged
        )
    return charged


def _warn_once(period_id: int, now: datetime) -> None:
    """Announce the crossing of the warning level once per period: the conditional UPDATE on
    `warned_at` lets exactly one use through."""
    if not BudgetPeriod.objects.filter(_warning_due(), pk=period_id, warned_at__isnull=True).update(
        warned_at=now
    ):
        return
    period = BudgetPeriod.objects.select_related("budget__benefit", "budget__category").get(
        pk=period_id
    )
    full = not BudgetPeriod.objects.filter(_fits(ZERO), pk=period_id).exists()
    if full:
        BudgetPeriod.objects.filter(pk=period_id, exhausted_at__isnull=True).update(
            exhausted_at=now
        )
    event_emit(WebhookEventType.BUDGET_WARNING, budget_payload(period))


def budget_payload(period: BudgetPeriod) -> dict[str, Any]:
    budget = period.budget
    return {
        "budget_id": budget.pk,
        "benefit": budget.benefit.code if budget.benefit is not None else None,
        "category": budget.category.code if budget.category is not None else None,
        "period": budget.period,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "cap_uses": period.cap_uses,
        "cap_amount": str(period.cap_amount) if period.cap_amount is not None else None,
        "used_uses": period.used_uses,
        "used_amount": str(period.used_amount),
        "warn_percent": period.warn_percent,
    }


def budget_release(*, redemption_id: int) -> None:
    """Give back to each budget period what this use took from it (a use that failed, was
    cancelled or expired): one use and its amount, never below zero, once (the charge rows
    are deleted in the same UPDATE's transaction)."""
    charges = list(BudgetCharge.objects.filter(redemption_id=redemption_id))
    for charge in charges:
        BudgetPeriod.objects.filter(pk=charge.period_id, used_uses__gt=0).update(
            used_uses=F("used_uses") - 1,
            used_amount=Greatest(F("used_amount") - charge.amount, Value(ZERO)),
            exhausted_at=None,
        )
    if charges:
        BudgetCharge.objects.filter(pk__in=[c.pk for c in charges]).delete()


def budget_reprice(*, redemption_id: int, new: Decimal | None) -> None:
    """The price changed between the request and the fulfilment: the periods this use was
    charged to take the difference. Not refused (the service was delivered); later requests
    see the new total."""
    for charge in BudgetCharge.objects.filter(redemption_id=redemption_id):
        delta = (new or ZERO) - charge.amount
        if not delta:
            continue
        BudgetPeriod.objects.filter(pk=charge.period_id).update(
            used_amount=Greatest(F("used_amount") + delta, Value(ZERO))
        )
        BudgetCharge.objects.filter(pk=charge.pk).update(amount=new or ZERO)


@dataclass(frozen=True)
class BudgetState:
    """A benefit whose budget is used up for the current period, and what the benefit centre
    does about it."""

    benefit_id: int
    hide: bool


def budgets_exhausted(
    *, benefit_ids: list[int], on: date, codes: Mapping[int, str] | None = None
) -> dict[int, BudgetState]:
    """The benefits among these whose budget (own or top category's) cannot take one more
    use today. A benefit is hidden if any of its used-up budgets says so. With `codes` (the
    benefits' codes, which a page already has) it is one query; without, one more reads them."""
    if not benefit_ids:
        return {}
    if codes is None:
        codes = dict(Benefit.objects.filter(pk__in=benefit_ids).values_list("pk", "code"))
    (rows,) = fetch_batch([budgets_used_up_statement(on)])
    return budget_states_from_rows(rows, benefit_ids=benefit_ids, codes=codes)


# Every budget used up today, whatever benefit it is for (a short list: a period that cannot
# take one more use, see `_used_up`), as (benefit id or null, top category code or null,
# what the centre does). Hand-written: the benefit centre sends it with its other reads.
_USED_UP_SQL = (
    "SELECT b.benefit_id, c.code, b.when_exhausted FROM bookshelf_budgetperiod p "
    "JOIN bookshelf_budget b ON b.id = p.budget_id "
    "LEFT JOIN benefits_category c ON c.id = b.category_id AND c.parent_id IS NULL "
    'WHERE b.active AND p.start <= %s AND p."end" >= %s '
    "AND (b.benefit_id IS NOT NULL OR c.id IS NOT NULL) AND ("
    "(p.cap_uses IS NOT NULL AND p.used_uses >= p.cap_uses) "
    "OR (p.cap_amount IS NOT NULL AND p.used_amount >= p.cap_amount) "
    "OR (p.cap_amount IS NOT NULL "
    "AND p.used_amount * (p.used_uses + 1) > p.cap_amount * p.used_uses) "
    "OR p.exhausted_at IS NOT NULL)"
)


def budgets_used_up_statement(on: date) -> Read:
    """The read behind `budgets_exhausted`, for a batch of reads (`config.db_batch`)."""
    return Read(_USED_UP_SQL, [on, on], 3)


def budget_states_from_rows(
    rows: Iterable[Sequence[Any]],
    *,
    benefit_ids: Iterable[int],
    codes: Mapping[int, str],
) -> dict[int, BudgetState]:
    """Which of these benefits a used-up budget (its own or its top category's) stops, from
    the rows of `budgets_used_up_statement`."""
    by_benefit: dict[int, str] = {}
    by_category: dict[str, str] = {}
    for benefit_id, category_code, when in rows:
        if benefit_id:
            by_benefit[benefit_id] = max(by_benefit.get(benefit_id, ""), when)
        elif category_code:
            by_category[category_code] = max(by_category.get(category_code, ""), when)
    states: dict[int, BudgetState] = {}
    if not by_benefit and not by_category:
        return states
    for benefit_id in benefit_ids:
        top = codes.get(benefit_id, "").split(".")[0]
        whens = [w for w in (by_benefit.get(benefit_id), by_category.get(top)) if w]
        if whens:
            states[benefit_id] = BudgetState(benefit_id, hide=WhenExhausted.HIDE in whens)
    return states


def _used_up() -> Q:
    """A period that cannot take one more use: a cap in uses reached; a cap in yuan that one
    more use at the period's average cost would pass (used * (n + 1) > cap * n, no division);
    or a request refused since the last give-back. (A refusal's own mark is rolled back with
    the refused use's transaction, so the average is what tells the benefit centre that a
    950 of 1,000 yuan budget at 100 yuan a use is used up.)"""
    one_more_too_many = GreaterThan(
        F("used_amount") * (F("used_uses") + 1), F("cap_amount") * F("used_uses")
    )
    return (
        (Q(cap_uses__isnull=False) & Q(used_uses__gte=F("cap_uses")))
        | (Q(cap_amount__isnull=False) & Q(used_amount__gte=F("cap_amount")))
        | (Q(cap_amount__isnull=False) & Q(one_more_too_many))
        | Q(exhausted_at__isnull=False)
    )


# -- product staff's budgets ----------------------------------------------------------------
@dataclass(frozen=True)
class BudgetInput:
    """What product staff set on a budget (the admin form's cleaned data)."""

    benefit_id: int | None
    category_id: int | None
    period: str
    cap_uses: int | None
    cap_amount: Decimal | None
    warn_percent: int
    when_exhausted: str
    active: bool


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(MoneyErrorCode.INVALID, message, field=field)


def budget_check(data: BudgetInput, budget: Budget | None) -> None:
    """Refuse bad input with `invalid` and the field it is about (the admin form shows it
    on that field); `budget_save` runs it again."""
    if (data.benefit_id is None) == (data.category_id is None):
        raise _invalid(_("A budget is for one benefit or for one top category."), "benefit")
    if data.cap_uses is None and data.cap_amount is None:
        raise _invalid(_("Set a cap in uses, in yuan or both."), "cap_uses")
    if data.cap_amount is not None and data.cap_amount < 0:
        raise _invalid(_("A cap cannot be negative."), "cap_amount")
    if not 1 <= data.warn_percent <= 100:
        raise _invalid(_("The warning level is between 1 and 100%."), "warn_percent")
    if (
        data.category_id is not None
        and not Category.objects.filter(pk=data.category_id, parent__isnull=True).exists()
    ):
        raise _invalid(_("Choose a top category."), "category")
    others = Budget.objects.exclude(pk=budget.pk) if budget else Budget.objects.all()
    if data.benefit_id is not None and others.filter(benefit_id=data.benefit_id).exists():
        raise _invalid(_("This benefit already has a budget."), "benefit")
    if data.category_id is not None and others.filter(category_id=data.category_id).exists():
        raise _invalid(_("This category already has a budget."), "category")
    counted = budget is not None and budget.periods.exists()
    if (
        counted
        and budget is not None
        and (budget.benefit_id, budget.category_id)
        != (
            data.benefit_id,
            data.category_id,
        )
    ):
        raise _invalid(
            _("What a budget covers cannot change once spending was counted: make a new budget."),
            "benefit" if data.benefit_id is not None else "category",
        )
    if counted and budget is not None and budget.period != data.period:
        raise _invalid(
            _("The period cannot change once spending was counted: make a new budget."),
            "period",
        )


def budget_save(*, budget: Budget | None, data: BudgetInput, on: date | None = None) -> Budget:
    """Create or change a budget. New caps apply to the current period at once (its row is
    updated in the same transaction); a period that fits under the new caps is no longer used
    up, and one back under its warning level will warn again when it crosses it. Bad input
    raises `invalid` (with the field) and changes nothing."""
    on = on or timezone.localdate()
    if data.cap_amount is not None:
        data = replace(data, cap_amount=money(data.cap_amount))
    budget_check(data, budget)
    with transaction.atomic():
        budget = budget or Budget()
        for name, value in asdict(data).items():
            setattr(budget, name, value)
        budget.save()
        start, _end = budget_period_bounds(budget.period, on)
        current = BudgetPeriod.objects.filter(budget=budget, start=start)
        current.update(
            cap_uses=budget.cap_uses,
            cap_amount=budget.cap_amount,
            warn_percent=budget.warn_percent,
        )
        current.filter(_fits(ZERO)).update(exhausted_at=None)
        current.exclude(_warning_due()).update(warned_at=None)
    return budget


# -- what the admin shows ------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetSpend:
    """A budget's current period as the admin shows it (no row yet: nothing spent)."""

    budget: Budget
    used_uses: int
    used_amount: Decimal
    cap_uses: int | None
    cap_amount: Decimal | None
    warned: bool
    used_up: bool

    @property
    def uses_percent(self) -> int | None:
        return _percent(Decimal(self.used_uses), self.cap_uses)

    @property
    def amount_percent(self) -> int | None:
        return _percent(self.used_amount, self.cap_amount)


def _percent(used: Decimal, cap: int | Decimal | None) -> int | None:
    if cap is None:
        return None
    if not cap:
        return 100
    return int(used * 100 / Decimal(cap))


def budget_spends(budgets: list[Budget], on: date) -> dict[int, BudgetSpend]:
    """The current period's spend of each budget, in one query."""
    starts = {b.pk: budget_period_bounds(b.period, on)[0] for b in budgets}
    rows = {
        (p.budget_id, p.start): p
        for p in BudgetPeriod.objects.filter(budget_id__in=list(starts), start__lte=on, end__gte=on)
    }
    out = {}
    for budget in budgets:
        period = rows.get((budget.pk, starts[budget.pk]))
        out[budget.pk] = _spend(budget, period)
    return out


def _spend(budget: Budget, period: BudgetPeriod | None) -> BudgetSpend:
    if period is None:
        return BudgetSpend(budget, 0, ZERO, budget.cap_uses, budget.cap_amount, False, False)
    full_uses = period.cap_uses is not None and period.used_uses >= period.cap_uses
    full_amount = period.cap_amount is not None and period.used_amount >= period.cap_amount
    return BudgetSpend(
        budget,
        period.used_uses,
        period.used_amount,
        period.cap_uses,
        period.cap_amount,
        warned=period.warned_at is not None,
        used_up=full_uses or full_amount or period.exhausted_at is not None,
    )


def budgets_alerting(on: date) -> list[BudgetSpend]:
    """The active budgets whose current period reached its warning level or is used up, for
    product staff's notice: one query."""
    periods = (
        BudgetPeriod.objects.filter(budget__active=True, start__lte=on, end__gte=on)
        .filter(Q(warned_at__isnull=False) | _warning_due() | _used_up())
        .select_related("budget__benefit", "budget__category")
        .order_by("budget__category__code", "budget__benefit__code")
    )
    return [_spend(p.budget, p) for p in periods]
