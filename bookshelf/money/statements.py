"""Monthly supplier statements: every payable line of a supplier's month at its recorded
cost, plus the corrections that arrived after an earlier month was approved.

While a statement is a draft its lines are computed: the supplier's cost lines not yet on
an approved statement, of its month, or of an earlier month that has no draft of its own
(a late delivery, a cancellation, an adjustment after approval: carried into the next
statement). Approving stamps those lines with the statement, in one UPDATE, and freezes its
totals; a line recorded concurrently stays unstamped and goes into the next one.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import CostEntry, Statement, StatementStatus


def statement_draft(*, supplier_id: int, month: date) -> Statement:
    """The supplier's statement of that month, opened as a draft if there is none."""
    month = month.replace(day=1)
    try:
        with transaction.atomic():
            statement, _created = Statement.objects.get_or_create(
                supplier_id=supplier_id, month=month
            )
    except IntegrityError:  # opened concurrently
        statement = Statement.objects.get(supplier_id=supplier_id, month=month)
    return statement


def statement_lines(statement: Statement) -> QuerySet[CostEntry]:
    """The statement's lines: stamped ones once approved; computed while it is a draft."""
    if statement.status == StatementStatus.APPROVED:
        return CostEntry.objects.filter(statement=statement)
    earlier_draft = Statement.objects.filter(
        supplier_id=statement.supplier_id,
        month=OuterRef("month"),
        status=StatementStatus.DRAFT,
    )
    return (
        CostEntry.objects.filter(
            supplier_id=statement.supplier_id, statement__isnull=True, month__lte=statement.month
        )
        .alias(own_draft=Exists(earlier_draft))
        .filter(Q(month=statement.month) | Q(own_draft=False))
    )
