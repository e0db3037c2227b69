"""Code pools of issued benefits: each use claims exactly one code, atomically.

A claim is `SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1` on the pool's available codes and an
UPDATE of that one row, in the use's own transaction: concurrent claims never wait on each
other's row and never take the same code, and a use that fails afterwards (no quota left)
rolls its claim back with it. Codes are stored encrypted (the personal-data keys, Fernet)
with a keyed fingerprint so a re-imported file adds no duplicates. The plain code is
returned once, to the use that claimed it; lists never show it.

Low stock: after each claim, once the use has committed, `pool_stock_check` asks whether
fewer codes than the pool's threshold are left, but only while the alert is armed
(`low_stock_alerted_at` empty), and with a bounded probe (it counts at most `threshold`
rows of the partial index of available codes, whatever the pool's size). Once the alert is
out a claim costs no query for it until a restock to the threshold or above re-arms it.
The alert is a conditional UPDATE (`WHERE low_stock_alerted_at IS NULL`): of concurrent
claims crossing the line, one sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from customers.pii import decrypt_value, encrypt_value, pii_hash

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from .models import CodePool, CodeState, PoolCode, Supplier


@dataclass(frozen=True)
class ClaimedCode:
    code_id: int
    pool: CodePool
    code: str
    valid_until: date | None


def code_fingerprint(code: str) -> str:
    return pii_hash(code)


def code_seal(code: str) -> str:
    return encrypt_value(code)


def code_open(code: PoolCode) -> str:
    return decrypt_value(code.code_encrypted)


def _available(pool: CodePool, today: date) -> Q:
    return (
        Q(pool=pool, state=CodeState.AVAILABLE)
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
    )


def code_claim(
    *, pools: list[CodePool], redemption_id: int, now: datetime, today: date
) -> ClaimedCode | None:
    """Take one available code from the first pool (in the given order) that has one, for
    this use; None when every pool is empty. The soonest-expiring code goes first."""
    for pool in pools:
        candidates = PoolCode.objects.filter(_available(pool, today)).order_by(
            F("valid_until").asc(nulls_last=True), "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        row = candidates.only("id", "code_encrypted", "valid_until").first()
        if row is None:
            continue
        # The row is locked (PostgreSQL) and the condition re-checked (SQLite, which
        # serialises writers): the code is this use's alone.
        taken = PoolCode.objects.filter(pk=row.pk, state=CodeState.AVAILABLE).update(
            state=CodeState.CLAIMED, redemption_id_claimed=redemption_id, claimed_at=now
        )
        if taken:
            return ClaimedCode(row.pk, pool, code_open(row), row.valid_until)
    return None


def pools_for(*, benefit_id: int, suppliers: list[Supplier]) -> list[CodePool]:
    """The benefit's pools, in the order of its suppliers' priority."""
    by_supplier = {p.supplier_id: p for p in CodePool.objects.filter(benefit_id=benefit_id)}
    return [by_supplier[s.pk] for s in suppliers if s.pk in by_supplier]


def code_void(*, redemption_id: int) -> int:
    """A cancelled use's code can never be used: it is voided, not returned to the pool."""
    return PoolCode.objects.filter(
        redemption_id_claimed=redemption_id, state=CodeState.CLAIMED
    ).update(state=CodeState.VOID)


def codes_left(pool: CodePool, today: date) -> int:
    return PoolCode.objects.filter(_available(pool, today)).count()


def _stock_left_below(pool: CodePool, today: date) -> int | None:
    """How many codes are left if fewer than the threshold, else None. Reads at most
    `threshold` rows of the partial index, whatever the size of the pool."""
    threshold = pool.low_stock_threshold
    if threshold <= 0:
        return None
    probe = PoolCode.objects.filter(_available(pool, today)).order_by()[:threshold]
    left = PoolCode.objects.filter(pk__in=probe.values("pk")).count()
    return left if left < threshold else None


def pool_stock_check(pool: CodePool, today: date) -> None:
    """After a claim: once the use commits, if the pool's claimable codes are below its
    threshold and the alert is armed, mark it sent and emit `code_pool.low`, once.

    After commit, because a claim in flight still reads its rivals' codes as available
    (they commit later): of ten concurrent last claims each would count nine left. The
    committed count is exact for the last of them. A use that rolls back checks nothing.
    Costs nothing when the pool's alert is already out."""
    if pool.low_stock_alerted_at is not None or pool.low_stock_threshold <= 0:
        return
    transaction.on_commit(partial(_stock_alert, pool, today), robust=True)


def _stock_alert(pool: CodePool, today: date) -> bool:
    """Send the low-stock alert of this pool if it is due and not sent: True when sent.
    One bounded query when it is not due; the pool's benefit and supplier are read only
    for the alert itself."""
    left = _stock_left_below(pool, today)
    if left is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        sent = CodePool.objects.filter(pk=pool.pk, low_stock_alerted_at__isnull=True).update(
            low_stock_alerted_at=now
        )
        if not sent:  # a concurrent claim's check sent it
            return False
        event_emit(
            WebhookEventType.CODE_POOL_LOW,
            {
                "pool_id": pool.pk,
                "benefit": pool.benefit.code,
                "supplier": pool.supplier.code,
                "left": left,
                "threshold": pool.low_stock_threshold,
                "at": now.isoformat(),
            },
        )
    return True


def pool_stock_rearm(pool: CodePool, today: date) -> bool:
    """After a restock: when the pool is back at its threshold or above, clear the sent
    alert so the next fall below it is told again. True when re-armed."""
    if _stock_left_below(pool, today) is not None:
        return False
    rearmed = CodePool.objects.filter(pk=pool.pk, low_stock_alerted_at__isnull=False).update(
        low_stock_alerted_at=None
    )
    pool.low_stock_alerted_at = None
    return bool(rearmed)


def pools_with_stock(today: date) -> QuerySet[Any]:
    """Every pool with its benefit and supplier and its codes counted by what they are
    today (`available`: claimable now; `upcoming`: not yet valid; `expired`: never
    claimed and past validity; `claimed`; `void`): one query."""
    valid_now = (Q(codes__valid_until__isnull=True) | Q(codes__valid_until__gte=today)) & (
        Q(codes__valid_from__isnull=True) | Q(codes__valid_from__lte=today)
    )
    unclaimed = Q(codes__state=CodeState.AVAILABLE)
    return CodePool.objects.select_related("benefit", "supplier").annotate(
        available=Count("codes", filter=unclaimed & valid_now),
        upcoming=Count("codes", filter=unclaimed & Q(codes__valid_from__gt=today)),
        expired=Count("codes", filter=unclaimed & Q(codes__valid_until__lt=today)),
        claimed=Count("codes", filter=Q(codes__state=CodeState.CLAIMED)),
        void=Count("codes", filter=Q(codes__state=CodeState.VOID)),
    )


def pools_low_stock(today: date) -> list[CodePool]:
    """The pools with fewer claimable codes than their threshold, emptiest first: one
    query (for the admin home and the pool list's notice)."""
    return list(
        pools_with_stock(today)
        .filter(low_stock_threshold__gt=0, available__lt=F("low_stock_threshold"))
        .order_by("available", "benefit__code", "supplier__code")
    )
