"""Code pools of issued benefits: each use claims exactly one code, atomically.

A claim is `SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1` on the pool's available codes and an
UPDATE of that one row, in the use's own transaction: concurrent claims never wait on each
other's row and never take the same code, and a use that fails afterwards (no quota left)
rolls its claim back with it. Codes are stored encrypted (the personal-data keys, Fernet)
with a keyed fingerprint so a re-imported file adds no duplicates. The plain code is
returned once, to the use that claimed it; lists never show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Q

from customers.pii import decrypt_value, encrypt_value, pii_hash

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
        candidates = PoolCode.objects.filter(_available(pool, today)).order_by("valid_until", "id")
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
