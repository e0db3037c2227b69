"""Reconciliation: a supplier's own bill against its statement, line by line.

Product staff import the supplier's bill (CSV or Excel .xlsx, a header row, the columns named
by the supplier's mapping, remembered for its next bill). The whole file is read and checked
before anything is written: a bad row refuses it with 400 `bill_file_invalid` naming the row
and the column, and nothing is saved (not the bill, not the mapping).

Matching is by reference: ours are the draft's lines summed per reference (a use and its
reversal net out), theirs the bill's lines summed per reference. A reference whose sums
differ is an item: MISSING (not on the bill), EXTRA (not in our records) or MISMATCH (on
both). Importing again replaces the open items; decided ones stay, and their references are
not reopened.

Each item is decided once, with a note: accept (the supplier's figure stands: an adjustment
line of theirs − ours in the statement's month), dispute (ours stands: nothing changes in
money) or adjust (an agreed amount: an adjustment of agreed − ours). Deciding is a
conditional UPDATE on `status = 'open'`, so two people deciding at once cannot both win.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError, NotFound
from config.spreadsheets import UnreadableSheet, sheet_rows
from config.users import acting_user

from .error_codes import MoneyErrorCode
from .models import (
    BillLine,
    BillMapping,
    CostEntry,
    CostKind,
    ItemKind,
    ItemStatus,
    ReconciliationItem,
    Statement,
    StatementStatus,
    SupplierBill,
)
from .prices import CENT, money
from .statements import statement_lines

MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
REFERENCE_MAX = 80
# The rows at fault a refusal lists; its message names the first.
PROBLEMS_SHOWN = 10
ZERO = Decimal("0.00")
# A bill's closing line (合计 …) is not a line of the bill.
TOTAL_LABELS = {"合计", "总计", "小计", "total", "subtotal", "sum"}
CURRENCY = re.compile(r"^(?:¥|￥|rmb|cny)\s*|\s*(?:元|rmb|cny)$", re.IGNORECASE)
DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


class Decision:
    ACCEPT = "accept"
    DISPUTE = "dispute"
    ADJUST = "adjust"


DECIDED = {
    Decision.ACCEPT: ItemStatus.ACCEPTED,
    Decision.DISPUTE: ItemStatus.DISPUTED,
    Decision.ADJUST: ItemStatus.ADJUSTED,
}


@dataclass(frozen=True)
class Mapping:
    """The columns of a bill, by their headers as written in the supplier's file."""

    reference: str
    amount: str
    date: str = ""
    benefit: str = ""

    @classmethod
    def of(cls, fields: dict[str, Any]) -> Mapping:
        def text(name: str) -> str:
            return str(fields.get(name) or "").strip()[:80]

        mapping = cls(text("reference"), text("amount"), text("date"), text("benefit"))
        for name in ("reference", "amount"):
            if not getattr(mapping, name):
                raise DomainError(
                    MoneyErrorCode.INVALID, _("Name the column of the bill."), field=name
                )
        return mapping

    @classmethod
    def saved(cls, row: BillMapping) -> Mapping:
        return cls(row.reference_column, row.amount_column, row.date_column, row.benefit_column)


@dataclass(frozen=True)
class ParsedLine:
    row: int  # the line in the file, the header being line 1
    reference: str
    amount: Decimal
    on: date | None
    benefit_text: str


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


class _RowError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def _refuse(
    message: str, *, problems: list[Problem] | None = None, headers: list[str] | None = None
) -> DomainError:
    shown = (problems or [])[:PROBLEMS_SHOWN]
    extra: dict[str, Any] = {
        "rows": [{"row": p.row, "column": p.column, "message": p.message} for p in shown],
        "rows_at_fault": len(problems or []),
    }
    if shown:
        extra["row"], extra["column"] = shown[0].row, shown[0].column
    if headers is not None:
        extra["headers"] = headers
    return DomainError(MoneyErrorCode.BILL_FILE_INVALID, message, field="file", extra=extra)


def _size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    here = file.tell()
    file.seek(0, io.SEEK_END)
    end = file.tell()
    file.seek(here)
    return end


def _rows(file: IO[bytes], file_name: str) -> Iterator[list[Any]]:
    if _size(file) > MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)d MB: split it.") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    try:
        return sheet_rows(file, file_name)
    except UnreadableSheet as exc:
        raise _refuse(str(exc)) from None


def _header(values: list[Any]) -> list[str]:
    return [str(v).strip() if v is not None else "" for v in values]


def bill_headers(*, file: IO[bytes], file_name: str) -> list[str]:
    """The column headers of the file's first row (to choose the mapping from)."""
    reader = _rows(file, file_name)
    first = next(reader, None)
    return [h for h in _header(first or []) if h]


def _columns(header: list[str], mapping: Mapping) -> dict[str, int]:
    folded = {h.casefold(): i for i, h in reversed(list(enumerate(header))) if h}
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for name in ("reference", "amount", "date", "benefit"):
        wanted = getattr(mapping, name)
        if not wanted:
            continue
        if wanted.casefold() not in folded:
            unknown.append(wanted)
        else:
            columns[name] = folded[wanted.casefold()]
    if unknown:
        raise _refuse(
            _("The file has no column %(columns)s: choose the columns from its first row.")
            % {"columns": ", ".join(f"“{c}”" for c in unknown)},
            headers=[h for h in header if h],
        )
    return columns


def _reference(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's number cell: 10023.0 is the order 10023
    text = str(value if value is not None else "").strip()
    if not text:
        raise _RowError("reference", _("The reference is empty."))
    if len(text) > REFERENCE_MAX:
        raise _RowError(
            "reference", _("The reference is longer than %(n)d characters.") % {"n": REFERENCE_MAX}
        )
    return text


def bill_amount(value: Any) -> Decimal:
    """A bill's amount in yuan: a number cell, or text such as "1,234.50", "¥120", "120元",
    "(12.00)" for a credit. Raises ValueError when it is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, float):
        # A spreadsheet's computed cell may be 35.4999999: to the cent, if that is what it is.
        exact = Decimal(repr(value))
        cents = exact.quantize(CENT)
        if abs(exact - cents) > Decimal("0.000001"):
            raise ValueError(value)
        return cents
    if isinstance(value, int | Decimal):
        return money(value, field="amount")
    text = str(value).strip().replace("，", ",").replace(" ", "").replace("\u00a0", "")
    negative = text.startswith("(") and text.endswith(")")
    text = CURRENCY.sub("", text.strip("()"))
    if negative:
        text = f"-{text}"
    if not re.fullmatch(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", text):
        raise ValueError(value)
    try:
        return money(text, field="amount")
    except DomainError:
        raise ValueError(value) from None


def _bill_date(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    found = DATE_TEXT.fullmatch(text) or COMPACT_DATE.fullmatch(text.split(" ")[0])
    if found is None and " " in text:
        found = DATE_TEXT.fullmatch(text.split(" ")[0])  # "2026-04-03 10:20"
    if found is None:
        raise ValueError(text)
    year, month, day = (int(g) for g in found.groups())
    return date(year, month, day)


def _cell(values: list[Any], columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    return values[index] if index is not None and index < len(values) else None


def _line(number: int, values: list[Any], columns: dict[str, int]) -> ParsedLine:
    reference = _reference(_cell(values, columns, "reference"))
    raw_amount = _cell(values, columns, "amount")
    try:
        amount = bill_amount(raw_amount)
    except ValueError:
        raise _RowError(
            "amount",
            _("The amount is not in yuan (e.g. 1,234.50): %(value)s")
            % {"value": str(raw_amount if raw_amount is not None else "")[:20]},
        ) from None
    try:
        on = _bill_date(_cell(values, columns, "date"))
    except ValueError:
        raise _RowError(
            "date",
            _("The date is not a date (e.g. 2026-04-30): %(value)s")
            % {"value": str(_cell(values, columns, "date"))[:20]},
        ) from None
    benefit = str(_cell(values, columns, "benefit") or "").strip()[:120]
    return ParsedLine(number, reference, amount, on, benefit)


def _is_total(values: list[Any], columns: dict[str, int]) -> bool:
    cell = _cell(values, columns, "reference")
    text = str(cell if cell is not None else "").strip().casefold().rstrip(":：")
    return text in TOTAL_LABELS


def bill_read(*, file: IO[bytes], file_name: str, mapping: Mapping) -> list[ParsedLine]:
    """Every line of the bill, checked; `bill_file_invalid` (400) naming the row and column at
    fault when any is bad. Blank rows and a closing total row (合计, Total) are skipped."""
    reader = _rows(file, file_name)
    first = next(reader, None)
    if first is None:
        raise _refuse(_("The file is empty."))
    header = _header(first)
    columns = _columns(header, mapping)
    lines: list[ParsedLine] = []
    problems: list[Problem] = []
    for number, values in enumerate(reader, start=2):
        if not any(str(v).strip() for v in values if v is not None) or _is_total(values, columns):
            continue
        if len(lines) + len(problems) >= MAX_ROWS:
            raise _refuse(_("The file has more than %(n)d rows: split it.") % {"n": MAX_ROWS})
        try:
            lines.append(_line(number, values, columns))
        except _RowError as bad:
            column = header[columns[bad.column]] if bad.column in columns else bad.column
            problems.append(Problem(number, column, bad.message))
    if problems:
        first_bad = problems[0]
        raise _refuse(
            _("The bill was not imported: row %(row)d, column “%(column)s”: %(message)s")
            % {"row": first_bad.row, "column": first_bad.column, "message": first_bad.message},
            problems=problems,
        )
    if not lines:
        raise _refuse(_("The bill has no lines."))
    return lines


@dataclass(frozen=True)
class ImportReport:
    bill: SupplierBill
    missing: int
    extra: int
    mismatch: int


def _statement_locked(statement_id: int, *, share: bool = False) -> Statement:
    """The statement, locked against approval (FOR UPDATE; FOR SHARE for decisions, which
    may run side by side but not while it is being approved or reconciled). SQLite, which
    has no row locks, serialises writers: there the plain read is enough."""
    if share and connection.vendor != "postgresql":
        statement = Statement.objects.filter(pk=statement_id).first()
    elif share:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Statement._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [statement_id],
            )
        statement = Statement.objects.filter(pk=statement_id).first()
    else:
        statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(
            MoneyErrorCode.STATEMENT_NOT_FOUND, _("There is no such statement."), field="statement"
        )
    if statement.status == StatementStatus.APPROVED:
        raise Conflict(
            MoneyErrorCode.STATEMENT_FROZEN,
            _("The statement is approved: corrections go into the next one."),
        )
    return statement


def bill_import(
    *,
    statement_id: int,
    file: IO[bytes],
    file_name: str,
    mapping_fields: dict[str, Any] | None,
    by: Any = None,
) -> ImportReport:
    """Import the supplier's bill for a draft statement and match it (see the module). The
    mapping given is remembered for the supplier; without one, the remembered one is used."""
    statement = Statement.objects.filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(
            MoneyErrorCode.STATEMENT_NOT_FOUND, _("There is no such statement."), field="statement"
        )
    if mapping_fields is not None:
        mapping = Mapping.of(mapping_fields)
    else:
        saved = BillMapping.objects.filter(supplier_id=statement.supplier_id).first()
        if saved is None:
            raise DomainError(
                MoneyErrorCode.INVALID,
                _("Name the columns of the bill: this supplier has no mapping yet."),
                field="reference",
            )
        mapping = Mapping.saved(saved)
    lines = bill_read(file=file, file_name=file_name, mapping=mapping)
    with transaction.atomic():
        statement = _statement_locked(statement_id)
        BillMapping.objects.update_or_create(
            supplier_id=statement.supplier_id,
            defaults={
                "reference_column": mapping.reference,
                "amount_column": mapping.amount,
                "date_column": mapping.date,
                "benefit_column": mapping.benefit,
            },
        )
        bill = SupplierBill.objects.create(
            statement=statement,
            file_name=file_name[:200],
            lines=len(lines),
            total=sum((line.amount for line in lines), ZERO),
            imported_by=acting_user(by),
        )
        BillLine.objects.bulk_create(
            [
                BillLine(
                    bill=bill,
                    row=line.row,
                    reference=line.reference,
                    amount=line.amount,
                    on=line.on,
                    benefit_text=line.benefit_text,
                )
                for line in lines
            ],
            batch_size=2000,
        )
        counts = statement_reconcile(statement, bill=bill)
    return ImportReport(
        bill, counts[ItemKind.MISSING], counts[ItemKind.EXTRA], counts[ItemKind.MISMATCH]
    )


def _sums(rows: Any) -> dict[str, tuple[Decimal, int]]:
    return {r["reference"]: (r["total"] or ZERO, r["first"]) for r in rows}


def statement_reconcile(
    statement: Statement, *, bill: SupplierBill | None = None
) -> dict[str, int]:
    """Match the statement's draft lines against its (latest) bill, replacing the open items;
    returns the open items by kind. Five queries, whatever the sizes."""
    bill = (
        bill
        or SupplierBill.objects.filter(statement=statement).order_by("-imported_at", "-id").first()
    )
    counts = {kind: 0 for kind in ItemKind.values}
    if bill is None:
        return counts
    ours = _sums(
        statement_lines(statement)
        .order_by()
        .values("reference")
        .annotate(total=Sum("amount"), first=Min("id"))
    )
    theirs = _sums(
        BillLine.objects.filter(bill=bill)
        .order_by()
        .values("reference")
        .annotate(total=Sum("amount"), first=Min("id"))
    )
    decided = set(
        ReconciliationItem.objects.filter(statement=statement)
        .exclude(status=ItemStatus.OPEN)
        .values_list("reference", flat=True)
    )
    items: list[ReconciliationItem] = []
    for reference in sorted((ours.keys() | theirs.keys()) - decided):
        our, their = ours.get(reference), theirs.get(reference)
        if (our[0] if our else ZERO) == (their[0] if their else ZERO):
            continue
        kind = ItemKind.MISMATCH if our and their else ItemKind.MISSING if our else ItemKind.EXTRA
        counts[kind] += 1
        items.append(
            ReconciliationItem(
                statement=statement,
                bill=bill,
                kind=kind,
                reference=reference,
                ours=our[0] if our else None,
                theirs=their[0] if their else None,
                cost_entry_id=our[1] if our else None,
                bill_line_id=their[1] if their else None,
            )
        )
    ReconciliationItem.objects.filter(statement=statement, status=ItemStatus.OPEN).delete()
    ReconciliationItem.objects.bulk_create(items, batch_size=2000)
    return counts


def _decision_checked(decision: str, note: str, agreed: Any) -> tuple[str, Decimal | None]:
    if decision not in DECIDED:
        raise DomainError(
            MoneyErrorCode.INVALID, _("Choose accept, dispute or adjust."), field="decision"
        )
    if not note.strip():
        raise DomainError(
            MoneyErrorCode.INVALID,
            _("Say why in a note: it stays with the decision."),
            field="note",
        )
    if decision != Decision.ADJUST:
        return DECIDED[decision], None
    if agreed is None or str(agreed).strip() == "":
        raise DomainError(
            MoneyErrorCode.INVALID, _("Give the amount agreed with the supplier."), field="agreed"
        )
    return DECIDED[decision], money(agreed, field="agreed")


def decision_amount(item: ReconciliationItem, status: str, agreed: Decimal | None) -> Decimal:
    """What the decision changes in money: theirs − ours (accept), agreed − ours (adjust)."""
    ours = item.ours or ZERO
    if status == ItemStatus.ACCEPTED:
        return (item.theirs or ZERO) - ours
    if status == ItemStatus.ADJUSTED:
        return (agreed or ZERO) - ours
    return ZERO


def item_decide(
    *, item_id: int, decision: str, note: str, agreed: Any = None, by: Any = None
) -> ReconciliationItem:
    """Decide an open item once (see the module): 400 without a note, 409
    `reconciliation_item_decided` when it was decided already, 409 `statement_frozen` on an
    approved statement. An accepted or adjusted difference is an adjustment line of the
    statement's month."""
    status, agreed_amount = _decision_checked(decision, note, agreed)
    note = note.strip()[:300]
    user = acting_user(by)
    with transaction.atomic():
        item = ReconciliationItem.objects.filter(pk=item_id).first()
        if item is None:
            raise NotFound(MoneyErrorCode.ITEM_NOT_FOUND, _("There is no such item."), field="item")
        statement = _statement_locked(item.statement_id, share=True)
        now = timezone.now()
        won = ReconciliationItem.objects.filter(pk=item_id, status=ItemStatus.OPEN).update(
            status=status, agreed=agreed_amount, note=note, decided_by=user, decided_at=now
        )
        if not won:
            raise Conflict(
                MoneyErrorCode.ITEM_DECIDED,
                _("This difference was decided already."),
                extra={"status": ReconciliationItem.objects.get(pk=item_id).status},
            )
        amount = decision_amount(item, status, agreed_amount)
        if amount != ZERO:
            benefit_id = (
                CostEntry.objects.filter(pk=item.cost_entry_id)
                .values_list("benefit_id", flat=True)
                .first()
                if item.cost_entry_id
                else None
            )
            CostEntry.objects.create(
                supplier_id=statement.supplier_id,
                benefit_id=benefit_id,
                kind=CostKind.ADJUSTMENT,
                reference=item.reference,
                amount=amount,
                fulfilled_at=now,
                month=statement.month,
                note=note,
                created_by=user,
            )
        item.refresh_from_db()
    return item


@dataclass
class ReconciliationView:
    """What the reconcile page shows of a statement."""

    statement: Statement
    bills: list[SupplierBill]
    mapping: BillMapping | None
    counts: dict[str, int]
    open_items: int
    groups: list[tuple[str, str, list[ReconciliationItem]]] = field(default_factory=list)
    our_total: Decimal = ZERO


def reconciliation_of(statement: Statement) -> ReconciliationView:
    """The statement's bills, the supplier's mapping, the items by kind (with their counts
    and the open ones) and our total, in four queries."""
    bills = list(
        SupplierBill.objects.filter(statement=statement)
        .select_related("imported_by")
        .order_by("-imported_at", "-id")
    )
    mapping = BillMapping.objects.filter(supplier_id=statement.supplier_id).first()
    items = list(
        ReconciliationItem.objects.filter(statement=statement)
        .select_related("decided_by")
        .order_by("reference", "id")
    )
    items.sort(key=lambda i: i.status != ItemStatus.OPEN)  # open first, by reference
    counts = {kind: 0 for kind in ItemKind.values}
    for item in items:
        counts[item.kind] += 1
    groups = [
        (kind, str(label), [i for i in items if i.kind == kind]) for kind, label in ItemKind.choices
    ]
    totals = statement_lines(statement).aggregate(total=Sum("amount"))
    return ReconciliationView(
        statement=statement,
        bills=bills,
        mapping=mapping,
        counts=counts,
        open_items=sum(1 for i in items if i.status == ItemStatus.OPEN),
        groups=groups,
        our_total=totals["total"] or ZERO,
    )


def statement_open_items(statement_ids: list[int]) -> dict[int, int]:
    """Open items per statement, in one query (for a list of statements)."""
    rows = (
        ReconciliationItem.objects.filter(statement_id__in=statement_ids)
        .values("statement_id")
        .annotate(n=Count("id", filter=Q(status=ItemStatus.OPEN)))
    )
    return {r["statement_id"]: r["n"] for r in rows}
