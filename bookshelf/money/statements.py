"""Monthly supplier statements: every payable line of a supplier's month at its recorded
cost, plus the corrections that arrived after an earlier month was approved.

While a statement is a draft its lines are computed: the supplier's cost lines not yet on
an approved statement, of its month, or of an earlier month that has no draft of its own
(a late delivery, a cancellation, an adjustment after approval: carried into the next
statement). Approving stamps those lines with the statement, in one UPDATE, and freezes its
totals; a line recorded concurrently stays unstamped and goes into the next one.

`uses` is the net number of uses paid: a fulfilled use counts one, the reversal of a
cancelled one minus one, an adjustment nothing (it moves money, not uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.text import chooser
from config.exceptions import Conflict, NotFound
from config.users import acting_user

from .error_codes import MoneyErrorCode
from .models import (
    ZERO,
    CostEntry,
    CostKind,
    ItemStatus,
    ReconciliationItem,
    Statement,
    StatementStatus,
    SupplierBill,
)

# A use counts one, its reversal minus one, an adjustment nothing.
NET_USES = Sum(
    Case(
        When(kind=CostKind.USE, then=Value(1)),
        When(kind=CostKind.REVERSAL, then=Value(-1)),
        default=Value(0),
        output_field=IntegerField(),
    )
)


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


def _draft_lines(*, supplier: Any, month: Any) -> QuerySet[CostEntry]:
    """The unstamped lines a draft of (supplier, month) pays; both may be OuterRefs, and
    supplier None means every supplier's. A line of an earlier month is carried here only
    if no draft from its month up to this one would pay it (so it is in one draft only)."""
    before = OuterRef(month) if isinstance(month, OuterRef) else month
    earlier_draft = Statement.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        month__gte=OuterRef("month"),
        month__lt=before,
        status=StatementStatus.DRAFT,
    )
    lines = CostEntry.objects.filter(statement__isnull=True, month__lte=month)
    if supplier is not None:
        lines = lines.filter(supplier_id=supplier)
    return lines.alias(own_draft=Exists(earlier_draft)).filter(Q(month=month) | Q(own_draft=False))


def statement_lines(statement: Statement) -> QuerySet[CostEntry]:
    """The statement's lines: stamped ones once approved; computed while it is a draft."""
    if statement.status == StatementStatus.APPROVED:
        return CostEntry.objects.filter(statement=statement)
    return _draft_lines(supplier=statement.supplier_id, month=statement.month)


@dataclass(frozen=True)
class BenefitTotal:
    benefit_id: int | None
    code: str
    name: str
    uses: int
    amount: Decimal


@dataclass(frozen=True)
class StatementTotals:
    """What a statement pays: net uses, the total, the totals by benefit and the lines
    carried from earlier months (late deliveries, reversals and adjustments)."""

    uses: int
    total: Decimal
    by_benefit: list[BenefitTotal]
    carried: list[CostEntry]
    carried_total: Decimal


def statement_totals(statement: Statement) -> StatementTotals:
    """Two queries whatever the number of lines or benefits: the lines summed by benefit,
    and the carried lines of earlier months."""
    name = chooser()
    rows = (
        statement_lines(statement)
        .order_by()
        .values("benefit_id", "benefit__code", "benefit__name_en", "benefit__name_zh_hans")
        .annotate(uses=NET_USES, amount=Sum("amount"))
        .order_by("benefit__code")
    )
    by_benefit = [
        BenefitTotal(
            benefit_id=row["benefit_id"],
            code=row["benefit__code"] or "",
            name=(
                name(row["benefit__name_en"], row["benefit__name_zh_hans"])
                if row["benefit_id"]
                else _("No benefit (an adjustment)")
            ),
            uses=int(row["uses"] or 0),
            amount=row["amount"] or ZERO,
        )
        for row in rows
    ]
    carried = list(
        statement_lines(statement)
        .filter(month__lt=statement.month)
        .select_related("benefit")
        .order_by("month", "fulfilled_at", "id")
    )
    return StatementTotals(
        uses=sum(b.uses for b in by_benefit),
        total=sum((b.amount for b in by_benefit), ZERO),
        by_benefit=by_benefit,
        carried=carried,
        carried_total=sum((line.amount for line in carried), ZERO),
    )


def _refuse_unless_approvable(statement: Statement) -> None:
    if statement.status == StatementStatus.APPROVED:
        raise Conflict(
            MoneyErrorCode.STATEMENT_FROZEN,
            _("This statement is approved: corrections go into the next one."),
        )
    if statement.month >= timezone.localdate().replace(day=1):
        raise Conflict(
            MoneyErrorCode.STATEMENT_MONTH_NOT_OVER,
            _("A month's statement is approved once the month is over."),
        )
    if Statement.objects.filter(
        supplier_id=statement.supplier_id,
        month__lt=statement.month,
        status=StatementStatus.DRAFT,
    ).exists():
        raise Conflict(
            MoneyErrorCode.EARLIER_STATEMENT_OPEN,
            _("An earlier statement of this supplier is still a draft: approve it first."),
        )
    if not SupplierBill.objects.filter(statement=statement).exists():
        raise Conflict(
            MoneyErrorCode.STATEMENT_HAS_OPEN_ITEMS,
            _("Import the supplier's bill and reconcile it before approving."),
        )
    if ReconciliationItem.objects.filter(statement=statement, status=ItemStatus.OPEN).exists():
        raise Conflict(
            MoneyErrorCode.STATEMENT_HAS_OPEN_ITEMS,
            _("Some differences with the supplier's bill are still open: decide them first."),
        )


def statement_approve(*, statement_id: int, by: Any = None) -> Statement:
    """Approve a draft: its lines are stamped with it (one UPDATE), its uses and total are
    computed from the stamped rows and it never changes again. Refused with 409
    `statement_frozen`, `statement_month_not_over`, `earlier_statement_open` or
    `statement_has_open_items`, 404
    `statement_not_found`; nothing changes then."""
    with transaction.atomic():
        statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
        if statement is None:
            raise NotFound(MoneyErrorCode.STATEMENT_NOT_FOUND, _("No such statement."))
        _refuse_unless_approvable(statement)
        # Only what was matched against the supplier's latest bill is paid: a line recorded
        # after that import (a late delivery) was never reconciled, so it stays unstamped
        # and is carried into the next statement. Adjustments come from the decisions.
        matched_until = SupplierBill.objects.filter(statement=statement).aggregate(
            at=Max("imported_at")
        )["at"]
        statement_lines(statement).filter(
            Q(created_at__lte=matched_until) | Q(kind=CostKind.ADJUSTMENT)
        ).update(statement=statement)
        stamped = CostEntry.objects.filter(statement=statement).aggregate(
            uses=Coalesce(NET_USES, 0), total=Coalesce(Sum("amount"), ZERO)
        )
        statement.uses = stamped["uses"]
        statement.total = stamped["total"]
        statement.status = StatementStatus.APPROVED
        statement.approved_at = timezone.now()
        statement.approved_by = acting_user(by)
        statement.save(update_fields=["uses", "total", "status", "approved_at", "approved_by"])
    return statement


def last_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def statements_draft_month(*, month: date) -> list[Statement]:
    """Open the month's draft for every supplier with lines it would pay: unstamped lines of
    the month, or of an earlier month without a draft of its own (idempotent: a statement
    that exists is left as it is)."""
    month = month.replace(day=1)
    suppliers = (
        _draft_lines(supplier=None, month=month)
        .order_by("supplier_id")
        .values_list("supplier_id", flat=True)
        .distinct()
    )
    return [statement_draft(supplier_id=s, month=month) for s in suppliers]


def statements_with_figures() -> QuerySet[Statement]:
    """Every statement with its uses and total (stored once approved, computed from its
    lines while a draft), its open items and bills, in one query for a page of them."""
    lines = _draft_lines(supplier=OuterRef("supplier_id"), month=OuterRef("month")).order_by()
    draft_uses = lines.values("supplier_id").annotate(n=NET_USES).values("n")
    draft_total = lines.values("supplier_id").annotate(s=Sum("amount")).values("s")
    approved = Q(status=StatementStatus.APPROVED)
    open_items = (
        ReconciliationItem.objects.filter(statement=OuterRef("pk"), status=ItemStatus.OPEN)
        .order_by()
        .values("statement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    bills = (
        SupplierBill.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Statement.objects.select_related("supplier").annotate(
        figure_uses=Case(
            When(approved, then="uses"),
            default=Coalesce(Subquery(draft_uses), 0),
            output_field=IntegerField(),
        ),
        figure_total=Case(
            When(approved, then="total"),
            default=Coalesce(Subquery(draft_total), ZERO),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        ),
        open_items=Coalesce(Subquery(open_items), 0),
        bills_count=Coalesce(Subquery(bills), 0),
    )
