"""Cancelling a use and giving it back, exactly once; and who may.

One rule for every caller (the records admin, the agent's desk, the API):

- the system and the app's API client (`by` is None, or a principal without a primary key)
  cancel as they always have;
- a supervisor (`bookshelf.change_redemption`) cancels any use, any time;
- the staff user who recorded the use cancels it within BOOKSHELF_SELF_CANCEL_MINUTES of
  recording it, giving a reason: an agent undoes a mis-click without calling a supervisor;
- anyone else, or the recorder after the window, is refused and nothing changes.

Who cancelled and why are kept on the use. The give-back is one conditional UPDATE on the
use's status, so concurrent cancels give the use back once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.exceptions import Conflict, DomainError, NotAllowed
from config.users import acting_user
from customers.models import Customer

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from .error_codes import LedgerErrorCode
from .models import Purchase, QuotaBalance, Redemption, RedemptionStatus, Source
from .redemptions import redemption_customers_wrote, redemption_event
from .usage import usage_record

SUPERVISOR_PERMISSION = "bookshelf.change_redemption"
REASON_MAX_LENGTH = 300


def self_cancel_minutes() -> int:
    return int(settings.BOOKSHELF_SELF_CANCEL_MINUTES)


def _may_cancel_any(user: Any) -> bool:
    return bool(user.has_perm(SUPERVISOR_PERMISSION))


def _cancel_check(*, redemption: Redemption, user: Any, reason: str, now: datetime) -> None:
    """Raise why `user` (a saved staff user) may not cancel this use now; None if they may."""
    if _may_cancel_any(user):
        return
    minutes = self_cancel_minutes()
    if redemption.recorded_by_id != user.pk:
        raise NotAllowed(
            LedgerErrorCode.CANCEL_NOT_ALLOWED,
            ngettext(
                "Only a supervisor, or the agent who recorded this use within %(minutes)d "
                "minute, may cancel it.",
                "Only a supervisor, or the agent who recorded this use within %(minutes)d "
                "minutes, may cancel it.",
                minutes,
            )
            % {"minutes": minutes},
        )
    if now >= redemption.created_at + timedelta(minutes=minutes):
        raise NotAllowed(
            LedgerErrorCode.CANCEL_WINDOW_PASSED,
            ngettext(
                "This use was recorded more than %(minutes)d minute ago: only a supervisor "
                "can cancel it now.",
                "This use was recorded more than %(minutes)d minutes ago: only a supervisor "
                "can cancel it now.",
                minutes,
            )
            % {"minutes": minutes},
        )
    if not reason:
        raise DomainError(
            LedgerErrorCode.CANCEL_REASON_REQUIRED,
            _("Say why the use is cancelled."),
            field="reason",
        )


def _give_back(redemption: Redemption, *, now: datetime, held: bool = False) -> None:
    """Return the use to what paid for it: the usage rollup, the purchase or the balance.
    A held use was never counted in the rollup; it leaves the held count instead."""
    if not held:
        usage_record(
            customer_id=redemption.beneficiary_id,
            benefit_id=redemption.benefit_id,
            at=redemption.created_at,
            delta=-1,
        )
    if redemption.source == Source.PURCHASE and redemption.purchase_id:
        purchase_moves: dict[str, Any] = {"uses_used": F("uses_used") - 1, "updated_at": now}
        if held:
            purchase_moves["uses_held"] = F("uses_held") - 1
        Purchase.objects.filter(pk=redemption.purchase_id, uses_used__gt=0).update(**purchase_moves)
    elif redemption.period_start is not None:
        rows = QuotaBalance.objects.filter(
            holder_id=redemption.holder_id,
            benefit_id=redemption.benefit_id,
            period_start=redemption.period_start,
            used__gt=0,
        )
        moves: dict[str, Any] = {"used": F("used") - 1}
        if held:
            moves["held"] = F("held") - 1
        if redemption.source == Source.FAMILY:
            rows.filter(family_used__gt=0).update(family_used=F("family_used") - 1, **moves)
        else:
            # Never let the customer's own uses fall below what family took.
            rows.filter(used__gt=F("family_used")).update(**moves)


@transaction.atomic
def redemption_cancel(
    *, redemption: Redemption, by: Any = None, reason: str = "", release_hold: bool = False
) -> Redemption:
    """Cancel a use and give it back, exactly once, if `by` may (see the module's rule).

    A held use (waiting for its supplier) is given back only with `release_hold`, which the
    fulfilment passes once it has moved the fulfilment itself (to cancelled, failed or
    expired); without it a held use is refused with `use_held` (409), so no hold is given
    back behind its fulfilment's back.

    Raises `cancel_not_allowed` or `cancel_window_passed` (403), `cancel_reason_required`
    or `invalid` (400, a reason too long), `already_cancelled` (409); nothing changes then.
    """
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            LedgerErrorCode.INVALID,
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            field="reason",
        )
    user = acting_user(by)
    now = timezone.now()
    # A hold is given back by its fulfilment, which has its own rule (before the service).
    if user is not None and not release_hold:
        _cancel_check(redemption=redemption, user=user, reason=reason, now=now)
    was = RedemptionStatus.HELD if release_hold else RedemptionStatus.COMPLETED
    updated = Redemption.objects.filter(
        pk=redemption.pk, created_at=redemption.created_at, status=was
    ).update(
        status=RedemptionStatus.CANCELLED, cancelled_at=now, cancelled_by=user, cancel_reason=reason
    )
    if not updated:
        raise _not_cancellable(redemption)
    _give_back(redemption, now=now, held=release_hold)
    redemption_customers_wrote(redemption)
    redemption.refresh_from_db()
    if not release_hold:  # the fulfilment announces its own ending (failed, expired...)
        event_emit(WebhookEventType.REDEMPTION_CANCELLED, redemption_event(redemption, None))
    return redemption


def _not_cancellable(redemption: Redemption) -> Conflict:
    status = (
        Redemption.objects.filter(pk=redemption.pk, created_at=redemption.created_at)
        .values_list("status", flat=True)
        .first()
    )
    if status == RedemptionStatus.HELD:
        return Conflict(
            LedgerErrorCode.USE_HELD,
            _("This use is waiting for its supplier: cancel its booking or code instead."),
        )
    if status == RedemptionStatus.COMPLETED:
        return Conflict(
            LedgerErrorCode.ALREADY_SETTLED,
            _("This use has already been delivered and settled."),
        )
    return Conflict(LedgerErrorCode.ALREADY_CANCELLED, _("This redemption is already cancelled."))


@transaction.atomic
def hold_settle(
    *, redemption: Redemption, supplier_id: int | None = None, unit_cost: Decimal | None = None
) -> bool:
    """A held use was delivered: it stops being held and counts as used, exactly once
    (a conditional UPDATE on its status), with the supplier that delivered it and the unit
    cost in force that day (bookshelf.money). False if it was not held any more."""
    moves: dict[str, Any] = {"status": RedemptionStatus.COMPLETED}
    if supplier_id is not None:
        moves.update(supplier_id=supplier_id, unit_cost=unit_cost)
    updated = Redemption.objects.filter(
        pk=redemption.pk, created_at=redemption.created_at, status=RedemptionStatus.HELD
    ).update(**moves)
    if not updated:
        return False
    usage_record(
        customer_id=redemption.beneficiary_id,
        benefit_id=redemption.benefit_id,
        at=redemption.created_at,
        delta=1,
    )
    if redemption.source == Source.PURCHASE and redemption.purchase_id:
        Purchase.objects.filter(pk=redemption.purchase_id, uses_held__gt=0).update(
            uses_held=F("uses_held") - 1, updated_at=timezone.now()
        )
    elif redemption.period_start is not None:
        QuotaBalance.objects.filter(
            holder_id=redemption.holder_id,
            benefit_id=redemption.benefit_id,
            period_start=redemption.period_start,
            held__gt=0,
        ).update(held=F("held") - 1)
    redemption.status = RedemptionStatus.COMPLETED
    if supplier_id is not None:
        redemption.supplier_id, redemption.unit_cost = supplier_id, unit_cost
    return True


@dataclass(frozen=True)
class CancellableUse:
    """A use the user recorded and may still cancel themselves, and for how long."""

    redemption: Redemption
    deadline: datetime
    minutes_left: int


def redemptions_self_cancellable(
    *, customer: Customer, user: Any, now: datetime | None = None, limit: int = 10
) -> list[CancellableUse]:
    """The customer's uses (as holder or beneficiary) that `user` recorded and may still
    cancel within the self-cancel window, newest first. One query."""
    if acting_user(user) is None:
        return []
    now = now or timezone.now()
    window = timedelta(minutes=self_cancel_minutes())
    rows = (
        Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
        .filter(
            recorded_by_id=user.pk,
            status=RedemptionStatus.COMPLETED,
            created_at__gt=now - window,
            created_at__lte=now,
        )
        .select_related("benefit", "beneficiary")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        CancellableUse(
            redemption=r,
            deadline=r.created_at + window,
            minutes_left=max(1, math.ceil((r.created_at + window - now).total_seconds() / 60)),
        )
        for r in rows
    ]
