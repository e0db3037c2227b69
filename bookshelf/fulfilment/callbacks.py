"""What a supplier's callbacks may say and see, and where a use stands for the app.

- `supplier_event_record`: a supplier's report (booked, fulfilled, no-show, failed, issued,
  redeemed) becomes one transition of its own fulfilment, with the supplier's event id, so a
  retried callback changes nothing (`lifecycle.fulfilment_transition`).
- `supplier_fulfilments` / `supplier_fulfilment_get`: a supplier's own work, never another's
  (another supplier's fulfilment is "not found", exactly like a missing one).
- `fulfilments_by_redemption` / `fulfilment_history`: the state and events of uses, for the
  app's redemption answers, in one query per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError, NotFound

from ..ledger.models import Redemption, RedemptionStatus
from .error_codes import FulfilmentErrorCode
from .lifecycle import Actor, Change, TransitionResult, fulfilment_transition
from .models import ActorKind, Fulfilment, FulfilmentEvent, FulfilmentState, Supplier
from .transitions import OPEN_STATES

# What a supplier may report, and the state each report moves its fulfilment to.
SUPPLIER_EVENTS: dict[str, str] = {
    "booked": FulfilmentState.BOOKED,
    "fulfilled": FulfilmentState.FULFILLED,
    "no_show": FulfilmentState.NO_SHOW,
    "failed": FulfilmentState.FAILED,
    "issued": FulfilmentState.ISSUED,
    "redeemed": FulfilmentState.REDEEMED,
}
EVENT_ID_MAX_LENGTH = 80


def supplier_event_record(
    *,
    supplier: Supplier,
    fulfilment_id: int,
    event_type: str,
    event_id: str,
    appointment_at: datetime | None = None,
    place: str = "",
    reference: str = "",
    reason: str = "",
) -> TransitionResult:
    """Apply a supplier's report to its own fulfilment. The same event id again is a replay
    (`replayed`, nothing changes); another supplier's fulfilment is `fulfilment_not_found`;
    a report the table does not allow now is `illegal_transition` with the current state."""
    target = SUPPLIER_EVENTS.get(event_type)
    if target is None:
        raise DomainError(FulfilmentErrorCode.INVALID, _("Unknown event type."), field="type")
    event_id = (event_id or "").strip()
    if not event_id or len(event_id) > EVENT_ID_MAX_LENGTH:
        raise DomainError(
            FulfilmentErrorCode.INVALID,
            _("Send your own id of the event (1 to 80 characters): a retry sends the same."),
            field="event_id",
        )
    if target == FulfilmentState.BOOKED and appointment_at is None:
        raise DomainError(
            FulfilmentErrorCode.INVALID,
            _("A booking needs its appointment time."),
            field="appointment_at",
        )
    if appointment_at is not None and not _plausible(appointment_at):
        raise DomainError(
            FulfilmentErrorCode.INVALID,
            _("The appointment must be within a year before and two years after today."),
            field="appointment_at",
        )
    return fulfilment_transition(
        fulfilment_id=fulfilment_id,
        target=target,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(
            reason=reason.strip(),
            appointment_at=appointment_at,
            place=place.strip(),
            reference=reference.strip(),
            event_id=event_id,
        ),
    )


def _plausible(appointment_at: datetime) -> bool:
    """A real appointment: not a typo'd year (1459, 2206), which no service level could read."""
    now = timezone.now()
    return now - timedelta(days=366) <= appointment_at <= now + timedelta(days=2 * 366)


def supplier_fulfilments(*, supplier: Supplier, state: str | None = None) -> QuerySet[Fulfilment]:
    """The supplier's own fulfilments in one state (by default the open ones: requested,
    booked, issued), oldest request first: the work it has to do."""
    states = [state] if state else sorted(OPEN_STATES)
    return (
        Fulfilment.objects.filter(supplier=supplier, state__in=states)
        .select_related("benefit", "beneficiary", "supplier")
        .order_by("created_at", "pk")
    )


def supplier_fulfilment_get(*, supplier: Supplier, fulfilment_id: int) -> Fulfilment:
    """One of the supplier's own fulfilments; another's is not found, like a missing one."""
    fulfilment = (
        Fulfilment.objects.filter(supplier=supplier, pk=fulfilment_id)
        .select_related("benefit", "beneficiary", "supplier")
        .first()
    )
    if fulfilment is None:
        raise NotFound(FulfilmentErrorCode.FULFILMENT_NOT_FOUND, _("No such fulfilment."))
    return fulfilment


def fulfilment_history(*, fulfilment_id: int) -> list[FulfilmentEvent]:
    """Every transition of one fulfilment, oldest first."""
    return list(FulfilmentEvent.objects.filter(fulfilment_id=fulfilment_id).order_by("at", "pk"))


def fulfilments_by_redemption(redemption_ids: Iterable[int]) -> dict[int, Fulfilment]:
    """The fulfilments of these uses (instant uses have none), with their supplier: one
    query for a whole page."""
    ids = list(redemption_ids)
    if not ids:
        return {}
    rows = Fulfilment.objects.filter(redemption_id__in=ids).select_related("supplier")
    return {row.redemption_id: row for row in rows}


def redemption_state(redemption: Redemption, fulfilment: Fulfilment | None) -> str:
    """Where a use stands: its fulfilment's state, or, for an instant use, `fulfilled`
    (done when recorded) or `cancelled`."""
    if fulfilment is not None:
        return fulfilment.state
    if redemption.status == RedemptionStatus.CANCELLED:
        return FulfilmentState.CANCELLED
    return FulfilmentState.FULFILLED
