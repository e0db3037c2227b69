"""A use of a benefit (its cancellation is bookshelf.ledger.cancellation).

Quotas are enforced in the database: every spend is a conditional UPDATE on a balance row
(`Allowance.balance_condition`: `used < quota`, and `family_used < family_quota` for
family), so concurrent requests for the last use cannot both succeed; the redemption row,
the counter and the usage rollup move in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, BenefitStatus, FulfilmentKind
from config.db_batch import Statement
from config.exceptions import Conflict, DomainError, NotAllowed
from config.metrics import REDEMPTIONS
from config.replicas import customer_wrote, replicas_in_use
from config.users import acting_user
from customers.models import Customer

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from ..shelf.error_codes import ShelfErrorCode
from ..shelf.selectors import CellView, Ineligible, benefit_view, period_bounds
from .allowance import (
    Allowance,
    Draw,
    draw_allowance,
    family_share_problem,
    household_draws,
    purchase_allowance,
)
from .error_codes import LedgerErrorCode
from .models import Channel, Purchase, QuotaBalance, Redemption, RedemptionStatus, Source
from .redemption_reads import UseReads, use_reads
from .usage import usage_record


@dataclass(frozen=True)
class _Option:
    """One way to pay for a use: a tier cell (own or a relative's family share) or a
    purchase."""

    source: str
    holder: Customer
    view: CellView
    purchase: Purchase | None = None


# From the caller's `also_read` rows: who will deliver a use and its unit cost.
Supplied = Callable[[list[list[Any]]], tuple[int | None, Decimal | None]]


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    remaining: int | None
    # The rows of the caller's `also_read` statements, in order.
    also_read: list[list[Any]] = field(default_factory=list)


def _not_held(benefit: Benefit) -> DomainError:
    if benefit.status == BenefitStatus.RETIRED:
        return NotAllowed(
            ShelfErrorCode.BENEFIT_RETIRED, _("This benefit has been retired."), field="benefit"
        )
    if benefit.status == BenefitStatus.DRAFT:
        return NotAllowed(
            ShelfErrorCode.BENEFIT_NOT_AVAILABLE,
            _("This benefit is not on the shelf yet."),
            field="benefit",
        )
    return NotAllowed(
        ShelfErrorCode.NOT_IN_TIER,
        _("The customer's tier does not include this benefit."),
        field="benefit",
    )


def refuse(problem: Ineligible) -> NotAllowed:
    return NotAllowed(problem.code, problem.message, field="benefit")


def _share_options(
    reads: UseReads, beneficiary_no: str, today: date
) -> tuple[Customer, list[_Option]]:
    """The customer shares their own tier allowance with a family member."""
    household, benefit = reads.household, reads.benefit
    customer = household.customer
    relative = household.relative(beneficiary_no)
    if relative is None:
        raise NotAllowed(
            LedgerErrorCode.NOT_FAMILY_MEMBER,
            _("The beneficiary is not a family member of this customer."),
            field="beneficiary",
        )
    if not benefit.shareable:
        raise NotAllowed(
            ShelfErrorCode.BENEFIT_NOT_SHAREABLE,
            _("This benefit cannot be shared with family."),
            field="benefit",
        )
    cell = reads.cells.get(customer.tier)
    if cell is None:
        raise _not_held(benefit)
    problem = family_share_problem(
        cell, holder_lines=household.lines_of(customer.pk), user=relative, today=today
    )
    if problem:
        raise refuse(problem)
    return relative, [_Option(Source.FAMILY, customer, cell)]


def _own_options(reads: UseReads, today: date, purchases_only: bool = False) -> list[_Option]:
    """The customer's own tier cell, then their purchases (soonest expiry first), then family
    members' shared allowances; or why there are none. `purchases_only`: the purchases alone
    (a use the insurer's budget refused may still be paid with what the customer bought)."""
    household, benefit = reads.household, reads.benefit
    customer = household.customer
    cells = reads.cells_of({m.tier for m in household.members})
    problems: list[Ineligible] = []
    draws = list(
        household_draws(
            household,
            {tier: [view] for tier, view in cells.items()},
            today=today,
            problems=problems,
        )
    )
    options = []
    if reads.purchases:
        purchase_view = benefit_view(benefit)
        options = [_Option(Source.PURCHASE, customer, purchase_view, p) for p in reads.purchases]
    if not purchases_only:
        options = [
            *(_Option(d.source, d.holder, d.view) for d in draws if d.source == Source.TIER),
            *options,
            *(_Option(d.source, d.holder, d.view) for d in draws if d.source == Source.FAMILY),
        ]
    if not options:
        raise refuse(problems[0]) if problems else _not_held(benefit)
    return options


def redemption_options(
    *,
    reads: UseReads,
    beneficiary_no: str | None = None,
    today: date,
    purchases_only: bool = False,
) -> tuple[Customer, list[_Option]]:
    """The ways this use could be paid for, in the order they are tried, or why there are none.

    Without a beneficiary: the customer's own tier cell, then their purchases (soonest expiry
    first), then family members' shared allowances. With a beneficiary: the customer shares
    their own tier allowance with that family member.
    """
    customer = reads.household.customer
    if beneficiary_no and beneficiary_no != customer.customer_no:
        beneficiary, options = _share_options(reads, beneficiary_no, today)
        return beneficiary, ([] if purchases_only else options)
    return customer, _own_options(reads, today, purchases_only)


BALANCE_TABLE = QuotaBalance._meta.db_table
# One statement takes a use of a tier allowance: the period's balance row is created holding
# it, or, when it exists, moved only while it is below its limits (`balance_condition`); two
# requests for the last use cannot both win (the upsert locks the row, and the condition is
# checked on the row as the other left it).
_SPEND_SQL = (
    f"INSERT INTO {BALANCE_TABLE} AS q "  # noqa: S608
    "(holder_id, benefit_id, period_start, period_end, used, family_used, held) "
    "VALUES (%s, %s, %s, %s, 1, %s, %s) ON CONFLICT (holder_id, benefit_id, period_start) "
    "DO UPDATE SET used = q.used + 1, family_used = q.family_used + %s, held = q.held + %s "
    "WHERE {condition} RETURNING used, family_used"
)


def _spend_tier(
    option: _Option, *, today: date, anchor: date | None, hold: bool = False
) -> Allowance | None:
    """Take one use of a tier cell (own or family share), if one is left: what is left
    after it, or None. A hold takes it the same way and counts it as held too."""
    draw = Draw(option.source, option.holder, option.view, option.holder.pk)
    period = period_bounds(option.view.period, today, anchor)
    allowance = draw_allowance(draw, period=period)
    if not allowance.fresh_balance_spendable():
        return None  # a limit of zero: not even a new balance row may take a use
    condition, limits = allowance.balance_condition_sql("q")
    family, held = int(option.source == Source.FAMILY), int(hold)
    with connection.cursor() as cursor:
        cursor.execute(
            _SPEND_SQL.format(condition=condition),
            [draw.holder_id, option.view.benefit_id, *period, family, held, family, held, *limits],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return allowance.with_balance(used=row[0], family_used=row[1])


PURCHASE_TABLE = Purchase._meta.db_table
_SPEND_PURCHASE_SQL = (
    f"UPDATE {PURCHASE_TABLE} SET uses_used = uses_used + 1, uses_held = uses_held + %s, "  # noqa: S608
    "updated_at = %s WHERE id = %s AND uses_used < uses_granted AND valid_until >= %s "
    "RETURNING uses_used"
)


def _spend_purchase(
    purchase: Purchase, *, holder: Customer, today: date, hold: bool = False
) -> Allowance | None:
    with connection.cursor() as cursor:
        cursor.execute(_SPEND_PURCHASE_SQL, [int(hold), timezone.now(), purchase.pk, today])
        row = cursor.fetchone()
    if row is None:
        return None
    purchase.uses_used = row[0]
    return purchase_allowance(
        purchase_id=purchase.pk,
        holder=holder,
        granted=purchase.uses_granted,
        used=purchase.uses_used,
        valid_from=purchase.valid_from,
        valid_until=purchase.valid_until,
    )


def redemption_event(redemption: Redemption, remaining: int | None) -> dict[str, Any]:
    return {
        "redemption_id": redemption.pk,
        "customer_no": redemption.holder.customer_no,
        "beneficiary_no": redemption.beneficiary.customer_no,
        "benefit": redemption.benefit_code,
        "source": redemption.source,
        "channel": redemption.channel,
        "status": redemption.status,
        "remaining": remaining,
        "at": (redemption.cancelled_at or redemption.created_at).isoformat(),
    }


def redemption_customers_wrote(redemption: Redemption) -> None:
    """Read-your-writes for the use's holder and beneficiary after a change of it (a
    cancellation, a rating): their next reads see it (`config.replicas`)."""
    if replicas_in_use():
        ids = {redemption.holder_id, redemption.beneficiary_id}
        customer_wrote(*Customer.objects.filter(pk__in=ids).values_list("customer_no", flat=True))


def redemption_create(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str = Channel.APP,
    beneficiary_no: str | None = None,
    idempotency_key: str = "",
    recorded_by: Any = None,
    today: date | None = None,
    purchases_only: bool = False,
) -> RedemptionResult:
    """Record one use of a benefit, spending the first allowance that has a use left
    (`purchases_only`: only what the customer bought). Atomic on its own: a refusal leaves
    the caller's transaction as it was."""
    with transaction.atomic():
        return redemption_record(
            customer=customer,
            benefit_code=benefit_code,
            channel=channel,
            beneficiary_no=beneficiary_no,
            idempotency_key=idempotency_key,
            recorded_by=recorded_by,
            today=today,
            purchases_only=purchases_only,
        )


def redemption_record(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str = Channel.APP,
    beneficiary_no: str | None = None,
    idempotency_key: str = "",
    recorded_by: Any = None,
    today: date | None = None,
    purchases_only: bool = False,
    also_read: Sequence[Statement] = (),
    supplied: Supplied | None = None,
) -> RedemptionResult:
    """`redemption_create` inside the caller's atomic block, which must end with the error
    (no savepoint of its own: what it spent before a refusal rolls back with the caller's
    block). `also_read`: the caller's own reads, sent in the use's one round trip of reads;
    their rows come back in `RedemptionResult.also_read`. `supplied`: from those rows, the
    supplier that will deliver the use and its unit cost, written with the use."""
    if not connection.in_atomic_block:
        raise RuntimeError("redemption_record runs inside the caller's transaction.atomic()")
    try:
        result = _redemption_record(
            customer=customer,
            benefit_code=benefit_code,
            channel=channel,
            beneficiary_no=beneficiary_no,
            idempotency_key=idempotency_key,
            recorded_by=recorded_by,
            today=today,
            purchases_only=purchases_only,
            also_read=also_read,
            supplied=supplied,
        )
    except DomainError as exc:
        REDEMPTIONS.labels(result=exc.code).inc()
        raise
    REDEMPTIONS.labels(result="created").inc()
    return result


def _redemption_record(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str,
    beneficiary_no: str | None,
    idempotency_key: str,
    recorded_by: Any,
    today: date | None,
    purchases_only: bool,
    also_read: Sequence[Statement],
    supplied: Supplied | None,
) -> RedemptionResult:
    if channel not in Channel.values:
        raise DomainError(LedgerErrorCode.INVALID, _("Unknown channel."), field="channel")
    now = timezone.now()
    today = today or timezone.localdate(now)
    reads = use_reads(customer=customer, benefit_code=benefit_code, today=today, also=also_read)
    benefit = reads.benefit
    beneficiary, options = redemption_options(
        reads=reads, beneficiary_no=beneficiary_no, today=today, purchases_only=purchases_only
    )
    anchors = reads.household.anchors
    # A benefit a supplier delivers is held now and settled when it is fulfilled.
    hold = benefit.fulfilment_kind != FulfilmentKind.INSTANT
    supplier_id, unit_cost = supplied(reads.also) if supplied is not None else (None, None)
    for option in options:
        if option.source == Source.PURCHASE:
            assert option.purchase is not None
            spent = _spend_purchase(option.purchase, holder=option.holder, today=today, hold=hold)
        else:
            spent = _spend_tier(
                option, today=today, anchor=anchors.get(option.holder.pk), hold=hold
            )
        if spent is None:
            continue
        redemption = Redemption.objects.create(
            holder=option.holder,
            beneficiary=beneficiary,
            benefit=benefit,
            source=option.source,
            purchase=option.purchase,
            channel=channel,
            status=RedemptionStatus.HELD if hold else RedemptionStatus.COMPLETED,
            period_start=spent.period_start,
            period_end=spent.period_end,
            tier_snapshot=option.holder.tier,
            benefit_code=benefit.code,
            category_code=benefit.code.split(".")[0],
            remaining_after=spent.remaining,
            idempotency_key=idempotency_key,
            recorded_by=acting_user(recorded_by),
            supplier_id=supplier_id,
            unit_cost=unit_cost,
            created_at=now,
        )
        customer_wrote(option.holder.customer_no, beneficiary.customer_no)
        if not hold:  # a held use is counted and announced when it is settled
            usage_record(customer_id=beneficiary.pk, benefit_id=benefit.pk, at=now, delta=1)
            event_emit(
                WebhookEventType.REDEMPTION_COMPLETED,
                redemption_event(redemption, spent.remaining),
            )
        return RedemptionResult(redemption, spent.remaining, reads.also)
    if all(o.source == Source.FAMILY for o in options):
        raise Conflict(
            LedgerErrorCode.FAMILY_ALLOWANCE_EXHAUSTED,
            _("The family allowance for this benefit is used up for this period."),
        )
    raise Conflict(
        LedgerErrorCode.QUOTA_EXHAUSTED,
        _("No uses of this benefit are left for this period."),
    )
