"""A use from request to delivery: the hold, the supplier, each transition and what it does
to the quota.

- `use_request` records a use. An instant benefit's use is done at once (the ledger, as
  before). A booked or issued one is *held* on the quota and gets a `Fulfilment` with its
  supplier (the first active one by priority) and its service-level deadlines; an issued
  benefit with a code pool claims its code in the same transaction (`pools.code_claim`), so
  an empty pool (`code_pool_empty`, 409) spends nothing.
- `fulfilment_transition` moves a fulfilment by the table in `transitions`, with a
  compare-and-set UPDATE on the state it read, writes the event row, and settles or gives
  back the hold exactly once (the ledger's own conditional UPDATEs on the use's status). A
  supplier's event id makes a retry harmless: the unique (supplier, event id) row is written
  in the same transaction, so of five concurrent retries one moves the state and the others
  answer as replays.
- `use_cancel` is the one cancel for every caller: an open fulfilment is cancelled (and
  its hold given back) through the table; an instant use is cancelled by the ledger's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import FulfilmentKind
from config.db_batch import Statement
from config.exceptions import Conflict, DomainError, NotFound
from config.users import acting_user
from customers.models import Customer

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from ..ledger.models import Channel, Redemption, RedemptionStatus
from ..ledger.services import redemption_event, redemption_record
from ..money.error_codes import MoneyErrorCode
from ..money.services import (
    UsePricing,
    use_cancel_done,
    use_charge,
    use_give_back,
    use_pricing_from_rows,
    use_pricing_statements,
    use_settle,
)
from .cutoff import change_check
from .error_codes import FulfilmentErrorCode
from .models import (
    ActorKind,
    BenefitSupplier,
    CaseKind,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    OperationsCase,
    Supplier,
)
from .pools import ClaimedCode, code_claim, code_void, pool_stock_check, pools_for
from .transitions import OPEN_STATES, RELEASING_STATES, SETTLING_STATES, allowed

REASON_MAX_LENGTH = 300

WEBHOOK_FOR_STATE: dict[str, str] = {
    FulfilmentState.BOOKED: WebhookEventType.REDEMPTION_BOOKED,
    FulfilmentState.ISSUED: WebhookEventType.REDEMPTION_ISSUED,
    FulfilmentState.FULFILLED: WebhookEventType.REDEMPTION_FULFILLED,
    FulfilmentState.NO_SHOW: WebhookEventType.REDEMPTION_FULFILLED,
    FulfilmentState.REDEEMED: WebhookEventType.REDEMPTION_FULFILLED,
    FulfilmentState.FAILED: WebhookEventType.REDEMPTION_FAILED,
    FulfilmentState.EXPIRED: WebhookEventType.REDEMPTION_EXPIRED,
    FulfilmentState.CANCELLED: WebhookEventType.REDEMPTION_CANCELLED,
}


@dataclass(frozen=True)
class Actor:
    """Who moves a fulfilment: a supplier (its callback), a staff user, the app's API client
    or the system (sweeps)."""

    kind: str
    user: Any = None
    supplier: Supplier | None = None

    @classmethod
    def of(cls, by: Any) -> Actor:
        user = acting_user(by)
        return cls(ActorKind.STAFF, user) if user is not None else cls(ActorKind.CLIENT)


SYSTEM = Actor(ActorKind.SYSTEM)


@dataclass(frozen=True)
class UseResult:
    redemption: Redemption
    remaining: int | None
    fulfilment: Fulfilment | None = None
    # The plain code of an issued benefit: in this answer only, never again.
    code: str | None = None
    code_valid_until: date | None = None


@dataclass(frozen=True)
class TransitionResult:
    fulfilment: Fulfilment
    event: FulfilmentEvent
    replayed: bool = False


@dataclass(frozen=True)
class Change:
    """What a transition carries besides its target state."""

    reason: str = ""
    appointment_at: datetime | None = None
    place: str = ""
    reference: str = ""
    event_id: str = ""


def illegal(fulfilment: Fulfilment, target: str) -> Conflict:
    """409 `illegal_transition`, carrying the fulfilment's current `state`."""
    return Conflict(
        FulfilmentErrorCode.ILLEGAL_TRANSITION,
        _("This request is %(state)s: it cannot become %(target)s.")
        % {
            "state": FulfilmentState(fulfilment.state).label,
            "target": FulfilmentState(target).label,
        },
        extra={"state": fulfilment.state},
    )


def _columns(model: type[Model], alias: str) -> tuple[str, list[str]]:
    fields = model._meta.concrete_fields
    return ", ".join(f"{alias}.{f.column}" for f in fields), [f.attname for f in fields]


_SUPPLIER_COLS, SUPPLIER_FIELDS = _columns(Supplier, "s")
_LINK_COLS, LINK_FIELDS = _columns(BenefitSupplier, "l")
# `suppliers_for` by the benefit's code, hand-written: it goes in the use's one round trip of
# reads (`redemption_record(also_read=...)`).
SUPPLIERS_SQL = (
    f"SELECT {_SUPPLIER_COLS}, {_LINK_COLS} FROM {BenefitSupplier._meta.db_table} l "  # noqa: S608
    f"JOIN {Supplier._meta.db_table} s ON s.id = l.supplier_id "
    "JOIN benefits_benefit b ON b.id = l.benefit_id "
    "WHERE b.code = %s AND l.active AND s.active ORDER BY l.priority, s.code"
)


def suppliers_statement(benefit_code: str) -> Statement:
    """The statement of `suppliers_for`, by the benefit's code."""
    return SUPPLIERS_SQL, [benefit_code]


def suppliers_from_rows(rows: list[Any]) -> list[tuple[Supplier, BenefitSupplier]]:
    """`suppliers_for` from the rows of `suppliers_statement`."""
    alias, n = connection.alias, len(SUPPLIER_FIELDS)
    found = []
    for row in rows:
        supplier = Supplier.from_db(alias, SUPPLIER_FIELDS, row[:n])
        link = BenefitSupplier.from_db(alias, LINK_FIELDS, row[n:])
        BenefitSupplier.supplier.field.set_cached_value(link, supplier)
        found.append((supplier, link))
    return found


def suppliers_for(benefit_id: int) -> list[tuple[Supplier, BenefitSupplier]]:
    """The benefit's active suppliers, first asked first."""
    links = (
        BenefitSupplier.objects.filter(benefit_id=benefit_id, active=True, supplier__active=True)
        .select_related("supplier")
        .order_by("priority", "supplier__code")
    )
    return [(link.supplier, link) for link in links]


def _deadline(now: datetime, hours: int | None) -> datetime | None:
    return now + timedelta(hours=hours) if hours else None


def _event(
    fulfilment: Fulfilment, actor: Actor, source: str, change: Change, now: datetime
) -> FulfilmentEvent:
    return FulfilmentEvent.objects.create(
        fulfilment=fulfilment,
        supplier=actor.supplier,
        event_id=change.event_id,
        actor_kind=actor.kind,
        actor_user=actor.user,
        from_state=source,
        to_state=fulfilment.state,
        reason=change.reason[:REASON_MAX_LENGTH],
        appointment_at=change.appointment_at,
        at=now,
    )


def _fulfilment_open(
    redemption: Redemption,
    *,
    candidates: list[tuple[Supplier, BenefitSupplier]],
    actor: Actor,
    now: datetime,
    today: date,
) -> tuple[Fulfilment, ClaimedCode | None]:
    """The fulfilment of a held use: its supplier (the first of `candidates`, the benefit's
    active suppliers), deadlines and, for a pooled issued benefit, its code (or
    `code_pool_empty`)."""
    benefit = redemption.benefit
    if not candidates:
        raise Conflict(
            FulfilmentErrorCode.NO_SUPPLIER,
            _("No supplier delivers this benefit at the moment."),
            field="benefit",
        )
    claimed = None
    supplier, link = candidates[0]
    if benefit.fulfilment_kind == FulfilmentKind.ISSUED:
        pools = pools_for(benefit_id=benefit.pk, suppliers=[s for s, _link in candidates])
        if pools:
            claimed = code_claim(pools=pools, redemption_id=redemption.pk, now=now, today=today)
            if claimed is None:
                raise Conflict(
                    FulfilmentErrorCode.CODE_POOL_EMPTY,
                    _("No codes of this benefit are left. Nothing was spent."),
                    field="benefit",
                )
            pool_stock_check(claimed.pool, today)
            supplier, link = next(c for c in candidates if c[0].pk == claimed.pool.supplier_id)
    fulfilment = Fulfilment.objects.create(
        redemption=redemption,
        redemption_created_at=redemption.created_at,
        purchase_id=redemption.purchase_id,
        holder_id=redemption.holder_id,
        beneficiary_id=redemption.beneficiary_id,
        benefit=benefit,
        supplier=supplier,
        kind=benefit.fulfilment_kind,
        state=FulfilmentState.REQUESTED,
        confirm_due_at=_deadline(now, link.confirm_hours),
        deliver_due_at=_deadline(now, link.deliver_hours),
        created_at=now,
        updated_at=now,
    )
    _event(fulfilment, actor, "", Change(), now)
    if claimed is not None:
        Fulfilment.objects.filter(pk=fulfilment.pk).update(state=FulfilmentState.ISSUED)
        fulfilment.state = FulfilmentState.ISSUED
        _event(fulfilment, SYSTEM, FulfilmentState.REQUESTED, Change(reason="code"), now)
    return fulfilment, claimed


def use_request(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str = Channel.APP,
    beneficiary_no: str | None = None,
    idempotency_key: str = "",
    recorded_by: Any = None,
    today: date | None = None,
) -> UseResult:
    """Record one use: done at once for an instant benefit, held and handed to its
    supplier for a booked or issued one. Nothing is spent when any step says no.

    A use the insurer's budget refuses (`budget_exhausted`) is tried once more with the
    customer's own purchases alone: what a customer bought is never refused by a budget."""
    request = partial(
        _use_request,
        customer=customer,
        benefit_code=benefit_code,
        channel=channel,
        beneficiary_no=beneficiary_no,
        idempotency_key=idempotency_key,
        recorded_by=recorded_by,
        today=today,
    )
    try:
        return request(purchases_only=False)
    except Conflict as refused:
        if refused.code != MoneyErrorCode.BUDGET_EXHAUSTED.value:
            raise
        try:
            return request(purchases_only=True)
        except DomainError:
            raise refused from None


class _ReadAhead:
    """What a new use reads besides the ledger's own reads, in their one round trip: the
    benefit's suppliers (the first delivers it) and money's prices and budgets on the day.
    The supplier and its price are known before the use is written, so they are written
    with it (`supplied`)."""

    def __init__(self, benefit_code: str, day: date) -> None:
        pricing = use_pricing_statements(benefit_code, day)
        self.statements = [suppliers_statement(benefit_code), *pricing]
        self.delivering: list[tuple[Supplier, BenefitSupplier]] = []
        self.supplier_id: int | None = None  # the first of them
        self.pricing: UsePricing | None = None

    def supplied(self, rows: list[list[Any]]) -> tuple[int | None, Decimal | None]:
        self.delivering = suppliers_from_rows(rows[0])
        self.supplier_id = self.delivering[0][0].pk if self.delivering else None
        self.pricing = pricing = use_pricing_from_rows(rows[1:])
        return self.supplier_id, pricing.unit_cost(self.supplier_id)


def _use_request(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str,
    beneficiary_no: str | None,
    idempotency_key: str,
    recorded_by: Any,
    today: date | None,
    purchases_only: bool,
) -> UseResult:
    # One savepoint for the whole use (the ledger's part has none of its own): a refusal, of
    # the budget say, rolls back everything this attempt spent.
    day = today or timezone.localdate()
    ahead = _ReadAhead(benefit_code, day)
    with transaction.atomic():
        result = redemption_record(
            customer=customer,
            benefit_code=benefit_code,
            channel=channel,
            beneficiary_no=beneficiary_no,
            idempotency_key=idempotency_key,
            recorded_by=recorded_by,
            today=day,
            purchases_only=purchases_only,
            also_read=ahead.statements,
            supplied=ahead.supplied,
        )
        redemption = result.redemption
        delivering, pricing = ahead.delivering, ahead.pricing
        if redemption.status != RedemptionStatus.HELD:
            use_charge(
                redemption=redemption, supplier_id=ahead.supplier_id, today=day, pricing=pricing
            )
            return UseResult(redemption, result.remaining)
        now = redemption.created_at
        fulfilment, claimed = _fulfilment_open(
            redemption, candidates=delivering, actor=Actor.of(recorded_by), now=now, today=day
        )
        use_charge(
            redemption=redemption, supplier_id=fulfilment.supplier_id, today=day, pricing=pricing
        )
        if claimed is not None:
            event_emit(WebhookEventType.REDEMPTION_ISSUED, _payload(fulfilment))
    if claimed is None:
        return UseResult(redemption, result.remaining, fulfilment)
    return UseResult(redemption, result.remaining, fulfilment, claimed.code, claimed.valid_until)


def _payload(fulfilment: Fulfilment) -> dict[str, Any]:
    redemption = fulfilment.redemption
    payload = redemption_event(redemption, None)
    payload.update(
        state=fulfilment.state,
        supplier=fulfilment.supplier.code,
        appointment_at=fulfilment.appointment_at.isoformat() if fulfilment.appointment_at else None,
        place=fulfilment.place,
    )
    return payload


def _replay(
    *, supplier: Supplier | None, event_id: str, fulfilment_id: int, target: str
) -> TransitionResult | None:
    """The answer to a supplier event already applied (same id, same change), or None;
    the same id with another change is `event_id_reused`."""
    if not event_id or supplier is None:
        return None
    event = (
        FulfilmentEvent.objects.filter(supplier=supplier, event_id=event_id)
        .select_related("fulfilment")
        .first()
    )
    if event is None:
        return None
    if event.fulfilment_id != fulfilment_id or event.to_state != target:
        raise Conflict(
            FulfilmentErrorCode.EVENT_ID_REUSED,
            _("This event id was already used for another event."),
            field="event_id",
        )
    return TransitionResult(event.fulfilment, event, replayed=True)


def fulfilment_transition(
    *, fulfilment_id: int, target: str, actor: Actor, change: Change | None = None
) -> TransitionResult:
    """Move a fulfilment to `target` if the table allows it from its current state; settle
    or give back the hold when it ends. Raises `illegal_transition` (409, carrying the current
    state), `fulfilment_not_found` (404) or `event_id_reused` (409); nothing changes then."""
    change = change or Change()
    if target not in FulfilmentState.values:
        raise DomainError(FulfilmentErrorCode.INVALID, _("Unknown state."), field="state")
    replay = _replay(
        supplier=actor.supplier,
        event_id=change.event_id,
        fulfilment_id=fulfilment_id,
        target=target,
    )
    if replay is not None:
        return replay
    try:
        return _transition(fulfilment_id=fulfilment_id, target=target, actor=actor, change=change)
    except IntegrityError:
        # A concurrent retry of the same supplier event committed first.
        replay = _replay(
            supplier=actor.supplier,
            event_id=change.event_id,
            fulfilment_id=fulfilment_id,
            target=target,
        )
        if replay is None:
            raise
        return replay


def _load(fulfilment_id: int, actor: Actor) -> Fulfilment:
    rows = Fulfilment.objects.select_related(
        "redemption__holder", "redemption__beneficiary", "redemption__benefit", "supplier"
    ).filter(pk=fulfilment_id)
    if actor.supplier is not None:  # a supplier sees only its own
        rows = rows.filter(supplier=actor.supplier)
    fulfilment = rows.first()
    if fulfilment is None:
        raise NotFound(FulfilmentErrorCode.FULFILMENT_NOT_FOUND, _("No such fulfilment."))
    return fulfilment


@transaction.atomic
def _transition(
    *, fulfilment_id: int, target: str, actor: Actor, change: Change
) -> TransitionResult:
    now = timezone.now()
    for _attempt in range(3):
        fulfilment = _load(fulfilment_id, actor)
        source = fulfilment.state
        if not allowed(fulfilment.kind, source, target):
            raise illegal(fulfilment, target)
        moves: dict[str, Any] = {"state": target, "updated_at": now}
        if change.appointment_at is not None:
            moves["appointment_at"] = change.appointment_at
        if change.place:
            moves["place"] = change.place[:200]
        if change.reference:
            moves["supplier_reference"] = change.reference[:80]
        # Compare-and-set on the state just read: of two racing callers, one moves it.
        if Fulfilment.objects.filter(pk=fulfilment.pk, state=source).update(**moves):
            break
    else:
        raise illegal(_load(fulfilment_id, actor), target)
    for name, value in moves.items():
        setattr(fulfilment, name, value)
    event = _event(fulfilment, actor, source, change, now)
    _hold_follow(fulfilment, actor=actor, change=change)
    _cases_follow(fulfilment, now=now)
    event_emit(WEBHOOK_FOR_STATE[target], _payload(fulfilment))
    return TransitionResult(fulfilment, event)


def _hold_follow(fulfilment: Fulfilment, *, actor: Actor, change: Change) -> None:
    """Settle the hold when the service happened; give it back when it did not."""
    redemption = fulfilment.redemption
    if fulfilment.state in SETTLING_STATES:
        settled = use_settle(
            redemption=redemption,
            supplier_id=fulfilment.supplier_id,
            reference=fulfilment.supplier_reference,
            at=fulfilment.updated_at,
        )
        if not settled:
            raise illegal(fulfilment, fulfilment.state)
    elif fulfilment.state in RELEASING_STATES:
        code_void(redemption_id=redemption.pk)
        reason = change.reason or FulfilmentState(fulfilment.state).label
        use_give_back(
            redemption=redemption,
            by=actor.user if actor.kind == ActorKind.STAFF else None,
            reason=str(reason)[:REASON_MAX_LENGTH],
        )


def _cases_follow(fulfilment: Fulfilment, *, now: datetime) -> None:
    """A failure opens a case (once); a fulfilment that moved on closes its overdue cases."""
    if fulfilment.state == FulfilmentState.FAILED:
        OperationsCase.objects.get_or_create(
            fulfilment=fulfilment,
            kind=CaseKind.FAILED,
            defaults={"supplier": fulfilment.supplier, "opened_at": now},
        )
    closing = [CaseKind.CONFIRM_OVERDUE]
    if fulfilment.state not in OPEN_STATES:
        closing.append(CaseKind.DELIVER_OVERDUE)
    OperationsCase.objects.filter(
        fulfilment=fulfilment, kind__in=closing, closed_at__isnull=True
    ).update(closed_at=now, note=_("Resolved by a later event."))


def use_cancel(*, redemption: Redemption, by: Any = None, reason: str = "") -> Redemption:
    """Cancel a use, for every caller. An open request is cancelled through its fulfilment
    (its hold given back, its code voided); a use already delivered by its supplier cannot
    be cancelled (`illegal_transition`); an instant use follows the ledger's rule."""
    reason = (reason or "").strip()
    with transaction.atomic():
        fulfilment = Fulfilment.objects.filter(redemption_id=redemption.pk).first()
        if fulfilment is None:
            return use_cancel_done(redemption=redemption, by=by, reason=reason)
        change_check(fulfilment=fulfilment, by=by)  # the cutoff before an appointment
        if acting_user(by) is not None and not reason:
            raise DomainError(
                FulfilmentErrorCode.CANCEL_REASON_REQUIRED,
                _("Say why the request is cancelled."),
                field="reason",
            )
        fulfilment_transition(
            fulfilment_id=fulfilment.pk,
            target=FulfilmentState.CANCELLED,
            actor=Actor.of(by),
            change=Change(reason=reason),
        )
    redemption.refresh_from_db()
    return redemption
