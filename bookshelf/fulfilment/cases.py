"""The operations queue: cases a missed service level or a failure opened, the open ones per
supplier, and closing one with a note.

A case is closed once: the close is a conditional UPDATE on `closed_at IS NULL`, so two
people closing the same case at once (or a later supplier event closing it for them) leave
one closer and one note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.text import chooser
from config.exceptions import Conflict, DomainError
from config.users import acting_user
from customers.selectors import customers_visible_to, user_sees_all_customers

from .error_codes import FulfilmentErrorCode
from .models import OperationsCase

NOTE_MAX_LENGTH = 300


def open_cases(cases: QuerySet[OperationsCase] | None = None) -> QuerySet[OperationsCase]:
    """The cases nobody closed yet (of `cases`, already scoped to a reader, or of all)."""
    rows = OperationsCase.objects.all() if cases is None else cases
    return rows.filter(closed_at__isnull=True)


def open_cases_count_for(user: Any) -> int:
    """How many open cases are about customers the user may see (one query), for the
    admin home's link to the queue."""
    cases = open_cases()
    if not user_sees_all_customers(user):
        visible = customers_visible_to(user).values("pk")
        cases = cases.filter(
            Q(fulfilment__holder__in=visible) | Q(fulfilment__beneficiary__in=visible)
        )
    return cases.count()


@dataclass(frozen=True)
class SupplierCases:
    supplier_id: int
    code: str
    name: str
    count: int


def open_cases_by_supplier(cases: QuerySet[OperationsCase]) -> list[SupplierCases]:
    """How many open cases each supplier has, most first, in one query (the names in the
    reader's language)."""
    pick = chooser()
    rows = (
        open_cases(cases)
        .order_by()
        .values("supplier_id", "supplier__code", "supplier__name_en", "supplier__name_zh_hans")
        .annotate(count=Count("id"))
        .order_by("-count", "supplier__code")
    )
    return [
        SupplierCases(
            supplier_id=row["supplier_id"],
            code=row["supplier__code"],
            name=pick(row["supplier__name_en"], row["supplier__name_zh_hans"]),
            count=row["count"],
        )
        for row in rows
    ]


def case_close(*, case: OperationsCase, by: Any, note: str) -> OperationsCase:
    """Close an open case, saying what was done. A case already closed (by someone else, or
    by a later event of its fulfilment) is a conflict and keeps its first closer and note."""
    note = (note or "").strip()
    if not note:
        raise DomainError(
            FulfilmentErrorCode.INVALID, _("Say what was done about the case."), field="note"
        )
    now = timezone.now()
    closed = OperationsCase.objects.filter(pk=case.pk, closed_at__isnull=True).update(
        closed_at=now, closed_by=acting_user(by), note=note[:NOTE_MAX_LENGTH]
    )
    if not closed:
        raise Conflict(
            FulfilmentErrorCode.INVALID,
            _("This case was already closed."),
            field="case",
        )
    case.refresh_from_db()
    return case
