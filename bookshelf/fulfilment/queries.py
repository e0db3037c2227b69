"""Reads of where uses stand: a customer's open requests (the desk, the benefit centre)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q

from config.db_batch import Key, Read

from .models import Fulfilment
from .transitions import OPEN_STATES


def open_fulfilments_for(customer_ids: Iterable[int]) -> list[Fulfilment]:
    """The open (held) fulfilments where any of these customers is the holder or the
    beneficiary, soonest appointment first, with their benefit and supplier, and the
    purchase paying for the use (`purchase_id`, None for a tier use). One query."""
    ids = list(customer_ids)
    return list(
        Fulfilment.objects.filter(Q(holder_id__in=ids) | Q(beneficiary_id__in=ids))
        .filter(state__in=OPEN_STATES)
        .select_related("benefit", "supplier")
        # Not yet booked (no appointment) after the booked, on every database.
        .order_by(F("appointment_at").asc(nulls_last=True), "created_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class HeldRequest:
    """An open request as the benefit centre shows it (one row of `held_requests_statement`):
    whose allowance it holds, its state and appointment, and its supplier's name."""

    holder_id: int
    beneficiary_id: int
    benefit_id: int
    purchase_id: int | None
    state: str
    appointment_at: datetime | None
    place: str
    supplier_name_en: str
    supplier_name_zh_hans: str


_OPEN = ", ".join(f"'{state.value}'" for state in sorted(OPEN_STATES))
_HELD_REQUESTS_SQL = (
    "SELECT f.holder_id, f.beneficiary_id, f.benefit_id, "  # noqa: S608 - constants only
    "f.purchase_id, f.state, f.appointment_at, f.place, "
    "s.name_en, s.name_zh_hans FROM bookshelf_fulfilment f "
    "JOIN bookshelf_supplier s ON s.id = f.supplier_id "
    # Each side by its own partial index: `holder_id = x OR beneficiary_id = x` made the
    # planner read every open request and filter (all 316 of them at 1M customers).
    "WHERE f.id IN ("
    f"SELECT id FROM bookshelf_fulfilment WHERE holder_id = {{who}} AND state IN ({_OPEN}) "
    "UNION ALL "
    f"SELECT id FROM bookshelf_fulfilment WHERE beneficiary_id = {{who}} AND state IN ({_OPEN})) "
    # Not yet booked (no appointment) after the booked, on every database.
    "ORDER BY f.appointment_at IS NULL, f.appointment_at, f.created_at, f.id"
)


def held_requests_statement(who: Key) -> Read:
    """The customer's open requests (as holder or beneficiary), soonest appointment first:
    the same rows as `open_fulfilments_for`, as plain values, for a batch of reads (`who`:
    the customer's id or a subquery finding it)."""
    return Read(_HELD_REQUESTS_SQL.format(who=who.sql), who.at(2), 9, moments=(5,))


def held_requests_from_rows(rows: Iterable[Sequence[Any]]) -> list[HeldRequest]:
    return [
        HeldRequest(holder, beneficiary, benefit, purchase, state, at, place, en or "", zh or "")
        for holder, beneficiary, benefit, purchase, state, at, place, en, zh in rows
    ]
