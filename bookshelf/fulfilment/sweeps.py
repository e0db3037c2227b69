"""The fulfilment's periodic sweeps: suppliers that missed their service level open an
operations case (once per fulfilment and kind), and issued codes past their validity expire
(their hold given back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from config.exceptions import DomainError

from .lifecycle import SYSTEM, fulfilment_transition
from .models import CaseKind, CodeState, Fulfilment, FulfilmentState, OperationsCase, PoolCode

BATCH = 500


def _open_cases(rows: list[tuple[int, int, datetime | None]], kind: str, now: datetime) -> int:
    cases = [
        OperationsCase(fulfilment_id=pk, supplier_id=supplier, kind=kind, due_at=due, opened_at=now)
        for pk, supplier, due in rows
    ]
    # The unique (fulfilment, kind) makes a second sweep, or two at once, add nothing.
    OperationsCase.objects.bulk_create(cases, ignore_conflicts=True)
    return len(cases)


def cases_open_overdue(*, now: datetime | None = None) -> int:
    """Open a case for every fulfilment past its deadline: not confirmed (still requested
    after `confirm_due_at`) or not delivered (still requested or booked after
    `deliver_due_at`). Idempotent: a case is opened once. Returns how many were looked at."""
    now = now or timezone.now()
    checks = (
        (CaseKind.CONFIRM_OVERDUE, "confirm_due_at", [FulfilmentState.REQUESTED]),
        (
            CaseKind.DELIVER_OVERDUE,
            "deliver_due_at",
            [FulfilmentState.REQUESTED, FulfilmentState.BOOKED],
        ),
    )
    seen = 0
    for kind, deadline, states in checks:
        has_case = OperationsCase.objects.filter(fulfilment=OuterRef("pk"), kind=kind)
        rows = (
            Fulfilment.objects.filter(state__in=states, **{f"{deadline}__lt": now})
            .exclude(Exists(has_case))
            .order_by("pk")
            .values_list("pk", "supplier_id", deadline)
        )
        last = 0
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            _open_cases(batch, kind, now)
            seen += len(batch)
            last = batch[-1][0]
    return seen


def fulfilments_expire(
    *, now: datetime | None = None, progress: Callable[[int], object] | None = None
) -> int:
    """Issued codes whose validity ended before today expire: the fulfilment moves to
    expired and the hold is given back. Returns how many expired."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stale = PoolCode.objects.filter(
        redemption_id_claimed=OuterRef("redemption_id"),
        state=CodeState.CLAIMED,
        valid_until__lt=today,
    )
    ids = list(
        Fulfilment.objects.filter(state=FulfilmentState.ISSUED)
        .filter(Exists(stale))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for pk in ids:
        try:
            fulfilment_transition(fulfilment_id=pk, target=FulfilmentState.EXPIRED, actor=SYSTEM)
        except DomainError:
            pass  # cancelled or redeemed since it was read: nothing to expire
        else:
            expired += 1
        if progress:
            progress(1)
    return expired
