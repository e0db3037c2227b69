"""Write paths of the shelf: redemptions, cancellations, purchases, demand signals, shelf cells.

Quotas are enforced in the database: every spend is a conditional UPDATE (`used < quota`)
on a balance row, so concurrent requests for the last use cannot both succeed; the
redemption row and the counter move in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, BenefitStatus, Category
from benefits.selectors import benefit_get
from config.exceptions import Conflict, DomainError, NotAllowed
from config.metrics import REDEMPTIONS
from customers.models import Customer, FamilyLink

from .demand_keys import demand_text_key
from .error_codes import BookshelfErrorCode
from .models import (
    Channel,
    DemandSignal,
    DemandSource,
    Eligibility,
    Purchase,
    QuotaBalance,
    Redemption,
    RedemptionFeedback,
    RedemptionStatus,
    ShelfCell,
    Source,
    WebhookEventType,
)
from .periods import period_bounds
from .selectors import (
    CellView,
    Ineligible,
    _benefit_view,
    cell_view_from,
    eligibility_problem,
    household_load,
    shelf_cells_query,
)
from .usage import usage_record
from .webhooks import event_emit


@dataclass(frozen=True)
class _Option:
    """One way to pay for a use: a holder's tier cell, a purchase, or a relative's family share."""

    source: str
    holder: Customer
    view: CellView
    purchase: Purchase | None = None


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    remaining: int | None


def _not_held(benefit: Benefit) -> DomainError:
    if benefit.status == BenefitStatus.RETIRED:
        return NotAllowed(
            BookshelfErrorCode.BENEFIT_RETIRED, _("This benefit has been retired."), field="benefit"
        )
    if benefit.status == BenefitStatus.DRAFT:
        return NotAllowed(
            BookshelfErrorCode.BENEFIT_NOT_AVAILABLE,
            _("This benefit is not on the shelf yet."),
            field="benefit",
        )
    return NotAllowed(
        BookshelfErrorCode.NOT_IN_TIER,
        _("The customer's tier does not include this benefit."),
        field="benefit",
    )


def _refuse(problem: Ineligible) -> NotAllowed:
    return NotAllowed(problem.code, problem.message, field="benefit")


def _cells_for(benefit: Benefit, tiers: set[int]) -> dict[int, CellView]:
    rows = shelf_cells_query().filter(benefit=benefit, tier__in=tiers)
    return {cell.tier: cell_view_from(cell) for cell in rows}


def _spend_tier(
    option: _Option, *, today: date, anchor: date | None, family: bool
) -> tuple[bool, date, date | None, int | None]:
    """Take one use from a tier allowance, if one is left. Returns (ok, period, remaining)."""
    view = option.view
    start, end = period_bounds(view.period, today, anchor)
    balance, _created = QuotaBalance.objects.get_or_create(
        holder=option.holder,
        benefit_id=view.benefit_id,
        period_start=start,
        defaults={"period_end": end},
    )
    rows = QuotaBalance.objects.filter(pk=balance.pk)
    if view.quota is not None:
        rows = rows.filter(used__lt=view.quota)
    if family:
        rows = rows.filter(family_used__lt=view.family_quota)
        updated = rows.update(used=F("used") + 1, family_used=F("family_used") + 1)
    else:
        updated = rows.update(used=F("used") + 1)
    if not updated:
        return False, start, end, 0
    balance.refresh_from_db(fields=["used", "family_used"])
    if view.quota is None:
        remaining = None
    elif family:
        remaining = min(view.family_quota - balance.family_used, view.quota - balance.used)
    else:
        remaining = view.quota - balance.used
    return True, start, end, remaining


def _spend_purchase(purchase: Purchase, *, today: date) -> tuple[bool, int]:
    updated = Purchase.objects.filter(
        pk=purchase.pk, uses_used__lt=F("uses_granted"), valid_until__gte=today
    ).update(uses_used=F("uses_used") + 1, updated_at=timezone.now())
    if not updated:
        return False, 0
    purchase.refresh_from_db(fields=["uses_used"])
    return True, purchase.remaining


def redemption_options(
    *,
    customer: Customer,
    benefit: Benefit,
    beneficiary_no: str | None = None,
    today: date,
) -> tuple[Customer, list[_Option], dict[int, date]]:
    """The ways this use could be paid for, in the order they are tried, or why there are none.

    Without a beneficiary: the customer's own tier cell, then their purchases (soonest expiry
    first), then family members' shared allowances. With a beneficiary: the customer shares
    their own tier allowance with that family member.
    """
    household = household_load(customer=customer)
    anchors = household.anchors
    lines = household.product_lines

    if beneficiary_no and beneficiary_no != customer.customer_no:
        relative = next(
            (rel for rel, _r in household.relatives if rel.customer_no == beneficiary_no), None
        )
        if relative is None:
            raise NotAllowed(
                BookshelfErrorCode.NOT_FAMILY_MEMBER,
                _("The beneficiary is not a family member of this customer."),
                field="beneficiary",
            )
        if not benefit.shareable:
            raise NotAllowed(
                BookshelfErrorCode.BENEFIT_NOT_SHAREABLE,
                _("This benefit cannot be shared with family."),
                field="benefit",
            )
        cell = _cells_for(benefit, {customer.tier}).get(customer.tier)
        if cell is None:
            raise _not_held(benefit)
        if not cell.family_quota:
            raise NotAllowed(
                BookshelfErrorCode.BENEFIT_NOT_SHAREABLE,
                _("The customer's tier does not let family use this benefit."),
                field="benefit",
            )
        problem = eligibility_problem(
            cell, holder_lines=lines.get(customer.pk, set()), beneficiary=relative, today=today
        )
        if problem:
            raise _refuse(problem)
        return relative, [_Option(Source.FAMILY, customer, cell)], anchors

    options: list[_Option] = []
    first_problem: Ineligible | None = None
    tiers = {m.tier for m in household.members}
    cells = _cells_for(benefit, tiers)
    own = cells.get(customer.tier)
    if own is not None:
        first_problem = eligibility_problem(
            own, holder_lines=lines.get(customer.pk, set()), beneficiary=customer, today=today
        )
        if first_problem is None:
            options.append(_Option(Source.TIER, customer, own))
    purchases = Purchase.objects.filter(
        customer=customer,
        benefit=benefit,
        valid_from__lte=today,
        valid_until__gte=today,
        uses_used__lt=F("uses_granted"),
    ).order_by("valid_until", "pk")
    purchase_view = _benefit_view(benefit)
    for purchase in purchases:
        options.append(_Option(Source.PURCHASE, customer, purchase_view, purchase))
    for relative, _r in household.relatives:
        cell = cells.get(relative.tier)
        if cell is None or not cell.family_quota:
            continue
        problem = eligibility_problem(
            cell, holder_lines=lines.get(relative.pk, set()), beneficiary=customer, today=today
        )
        if problem is None:
            options.append(_Option(Source.FAMILY, relative, cell))
        elif first_problem is None:
            first_problem = problem
    if not options:
        if first_problem is not None:
            raise _refuse(first_problem)
        raise _not_held(benefit)
    return customer, options, anchors


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


def redemption_create(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str = Channel.APP,
    beneficiary_no: str | None = None,
    idempotency_key: str = "",
    recorded_by: Any = None,
    today: date | None = None,
) -> RedemptionResult:
    """Record one use of a benefit, spending the first allowance that has a use left."""
    try:
        result = _redemption_create(
            customer=customer,
            benefit_code=benefit_code,
            channel=channel,
            beneficiary_no=beneficiary_no,
            idempotency_key=idempotency_key,
            recorded_by=recorded_by,
            today=today,
        )
    except DomainError as exc:
        REDEMPTIONS.labels(result=exc.code).inc()
        raise
    REDEMPTIONS.labels(result="created").inc()
    return result


@transaction.atomic
def _redemption_create(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str,
    beneficiary_no: str | None,
    idempotency_key: str,
    recorded_by: Any,
    today: date | None,
) -> RedemptionResult:
    if channel not in Channel.values:
        raise DomainError(BookshelfErrorCode.INVALID, _("Unknown channel."), field="channel")
    now = timezone.now()
    today = today or timezone.localdate(now)
    benefit = benefit_get(code=benefit_code)
    beneficiary, options, anchors = redemption_options(
        customer=customer, benefit=benefit, beneficiary_no=beneficiary_no, today=today
    )
    family_only = all(o.source == Source.FAMILY for o in options)
    for option in options:
        period_start: date | None
        period_end: date | None
        remaining: int | None
        if option.source == Source.PURCHASE:
            assert option.purchase is not None
            ok, remaining = _spend_purchase(option.purchase, today=today)
            period_start, period_end = option.purchase.valid_from, option.purchase.valid_until
        else:
            ok, period_start, period_end, remaining = _spend_tier(
                option,
                today=today,
                anchor=anchors.get(option.holder.pk),
                family=option.source == Source.FAMILY,
            )
        if not ok:
            continue
        redemption = Redemption.objects.create(
            holder=option.holder,
            beneficiary=beneficiary,
            benefit=benefit,
            source=option.source,
            purchase=option.purchase,
            channel=channel,
            period_start=period_start,
            period_end=period_end,
            tier_snapshot=option.holder.tier,
            benefit_code=benefit.code,
            category_code=benefit.code.split(".")[0],
            remaining_after=remaining,
            idempotency_key=idempotency_key,
            recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
            created_at=now,
        )
        usage_record(customer_id=beneficiary.pk, benefit_id=benefit.pk, at=now, delta=1)
        event_emit(WebhookEventType.REDEMPTION_COMPLETED, redemption_event(redemption, remaining))
        return RedemptionResult(redemption=redemption, remaining=remaining)
    if family_only:
        raise Conflict(
            BookshelfErrorCode.FAMILY_ALLOWANCE_EXHAUSTED,
            _("The family allowance for this benefit is used up for this period."),
        )
    raise Conflict(
        BookshelfErrorCode.QUOTA_EXHAUSTED,
        _("No uses of this benefit are left for this period."),
    )


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, by: Any = None) -> Redemption:
    """Cancel a use and give it back, exactly once."""
    now = timezone.now()
    updated = Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.COMPLETED).update(
        status=RedemptionStatus.CANCELLED, cancelled_at=now
    )
    if not updated:
        raise Conflict(
            BookshelfErrorCode.ALREADY_CANCELLED, _("This redemption is already cancelled.")
        )
    usage_record(
        customer_id=redemption.beneficiary_id,
        benefit_id=redemption.benefit_id,
        at=redemption.created_at,
        delta=-1,
    )
    if redemption.source == Source.PURCHASE and redemption.purchase_id:
        Purchase.objects.filter(pk=redemption.purchase_id, uses_used__gt=0).update(
            uses_used=F("uses_used") - 1, updated_at=now
        )
    elif redemption.period_start is not None:
        rows = QuotaBalance.objects.filter(
            holder_id=redemption.holder_id,
            benefit_id=redemption.benefit_id,
            period_start=redemption.period_start,
            used__gt=0,
        )
        if redemption.source == Source.FAMILY:
            rows.filter(family_used__gt=0).update(
                used=F("used") - 1, family_used=F("family_used") - 1
            )
        else:
            # Never let the customer's own uses fall below what family took.
            rows.filter(used__gt=F("family_used")).update(used=F("used") - 1)
    redemption.refresh_from_db()
    event_emit(WebhookEventType.REDEMPTION_CANCELLED, redemption_event(redemption, None))
    return redemption


@transaction.atomic
def purchase_create(
    *,
    customer: Customer,
    benefit_code: str,
    quantity: int,
    payment_reference: str,
    idempotency_key: str = "",
    today: date | None = None,
) -> Purchase:
    """Buy a priced benefit: the price is snapshotted and the purchase grants its uses."""
    today = today or timezone.localdate()
    if not 1 <= quantity <= 100:
        raise DomainError(
            BookshelfErrorCode.INVALID, _("Quantity must be 1 to 100."), field="quantity"
        )
    if not payment_reference.strip():
        raise DomainError(
            BookshelfErrorCode.INVALID,
            _("A payment reference is required."),
            field="payment_reference",
        )
    benefit = benefit_get(code=benefit_code)
    if benefit.price is None or benefit.status != BenefitStatus.ON_SHELF:
        raise NotAllowed(
            BookshelfErrorCode.NOT_PURCHASABLE,
            _("This benefit cannot be bought."),
            field="benefit",
        )
    household = household_load(customer=customer)
    problem = eligibility_problem(
        _benefit_view(benefit),
        holder_lines=household.product_lines.get(customer.pk, set()),
        beneficiary=customer,
        today=today,
    )
    if problem:
        raise _refuse(problem)
    price = benefit.price
    purchase = Purchase(
        customer=customer,
        benefit=benefit,
        quantity=quantity,
        unit_price=price,
        total_price=(price * quantity).quantize(Decimal("0.01")),
        uses_granted=quantity * benefit.uses_per_purchase,
        valid_from=today,
        valid_until=today + timedelta(days=benefit.purchase_valid_days - 1),
        payment_reference=payment_reference.strip(),
        idempotency_key=idempotency_key,
        benefit_code=benefit.code,
    )
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError:
        raise Conflict(
            BookshelfErrorCode.DUPLICATE_PAYMENT_REFERENCE,
            _("This payment reference was already used for another purchase."),
            field="payment_reference",
        ) from None
    event_emit(
        WebhookEventType.PURCHASE_COMPLETED,
        {
            "purchase_id": purchase.pk,
            "customer_no": customer.customer_no,
            "benefit": benefit.code,
            "quantity": quantity,
            "unit_price": str(purchase.unit_price),
            "total_price": str(purchase.total_price),
            "uses_granted": purchase.uses_granted,
            "valid_until": purchase.valid_until.isoformat(),
            "payment_reference": purchase.payment_reference,
        },
    )
    return purchase


def demand_signal_create(
    *,
    text: str,
    category: Category | None = None,
    benefit: Benefit | None = None,
    customer: Customer | None = None,
    source: str = DemandSource.CUSTOMER,
    created_at: Any = None,
) -> DemandSignal:
    text = (text or "").strip()
    if not text:
        raise DomainError(
            BookshelfErrorCode.INVALID, _("Say what benefit is wanted."), field="text"
        )
    signal = DemandSignal(
        text=text[:500],
        category=category,
        benefit=benefit,
        customer=customer,
        source=source,
        tier_snapshot=customer.tier if customer else None,
        text_key=demand_text_key(text),
        created_at=created_at or timezone.now(),
    )
    signal.full_clean()
    signal.save()
    return signal


@transaction.atomic
def shelf_cell_set(
    *,
    tier: int,
    benefit: Benefit,
    period: str,
    quota: int | None,
    family_quota: int = 0,
) -> ShelfCell:
    """Place a benefit on a tier (or change its quota there)."""
    cell = ShelfCell.objects.filter(tier=tier, benefit=benefit).first() or ShelfCell(
        tier=tier, benefit=benefit
    )
    cell.period = period
    cell.quota = quota
    cell.family_quota = family_quota
    cell.full_clean()
    cell.save()
    return cell


def shelf_cell_remove(*, tier: int, benefit: Benefit) -> int:
    deleted, _unused = ShelfCell.objects.filter(tier=tier, benefit=benefit).delete()
    return deleted


def eligibility_set(
    *,
    benefit: Benefit,
    requires_product_line: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
) -> Eligibility:
    rules = Eligibility.objects.filter(benefit=benefit).first() or Eligibility(benefit=benefit)
    rules.requires_product_line = requires_product_line
    rules.min_age = min_age
    rules.max_age = max_age
    rules.full_clean()
    rules.save()
    return rules


def family_link_exists(*, customer: Customer, relative: Customer) -> bool:
    return FamilyLink.objects.filter(customer=customer, relative=relative).exists()


@transaction.atomic
def redemption_feedback_create(
    *,
    redemption: Redemption,
    score: int,
    comment: str = "",
    created_at: Any = None,
) -> RedemptionFeedback:
    """Record the customer's answer to "would you recommend this benefit?" (0-10) for one use.

    Once per redemption: a second answer is refused (the unique row decides, so two requests
    racing both cannot win). A cancelled use cannot be rated.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise DomainError(
            BookshelfErrorCode.INVALID,
            _("The score is a whole number from 0 to 10."),
            field="score",
        )
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise DomainError(
            BookshelfErrorCode.INVALID,
            _("The comment is at most 2000 characters."),
            field="comment",
        )
    if redemption.status != RedemptionStatus.COMPLETED:
        raise Conflict(
            BookshelfErrorCode.ALREADY_CANCELLED,
            _("A cancelled use cannot be rated."),
        )
    feedback = RedemptionFeedback(
        redemption=redemption,
        customer_id=redemption.beneficiary_id,
        benefit_id=redemption.benefit_id,
        tier_snapshot=redemption.tier_snapshot,
        score=score,
        comment=comment,
        created_at=created_at or timezone.now(),
    )
    feedback.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        raise Conflict(
            BookshelfErrorCode.FEEDBACK_EXISTS,
            _("This use has already been rated."),
        ) from None
    return feedback
