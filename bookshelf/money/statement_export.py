"""A statement as a file for the supplier and for finance: CSV (UTF-8 with a BOM, so Excel
reads the Chinese names) and XLSX. One row per line, then the totals by benefit (XLSX: on a
second sheet). Text a spreadsheet would run as a formula is escaped (a supplier's reference
`=HYPERLINK(...)` shows as text). Amounts are written from their Decimal, never through a
float: "35.50" in CSV, a number formatted '0.00' in XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.text import chooser
from config.spreadsheets import formula_escape
from customers.models import Tier

from .models import CostKind, Statement
from .statements import StatementTotals, statement_lines, statement_totals

CHUNK = 2000


@dataclass(frozen=True)
class ExportLine:
    reference: str
    use_number: int | None
    benefit_code: str
    benefit_name: str
    tier: str
    fulfilled_at: datetime  # local time, naive (what the reader's clock said)
    kind: str
    unit_cost: Decimal | None
    amount: Decimal


def line_headers() -> list[str]:
    return [
        _("Reference"),
        _("Use number"),
        _("Benefit code"),
        _("Benefit"),
        _("Tier"),
        _("Fulfilled at"),
        _("Kind"),
        _("Unit cost (yuan)"),
        _("Amount (yuan)"),
    ]


def total_headers() -> list[str]:
    return [_("Benefit code"), _("Benefit"), _("Uses"), _("Amount (yuan)")]


def export_lines(statement: Statement) -> Iterator[ExportLine]:
    """The statement's lines in the reader's language, read in chunks from a server-side
    cursor (memory stays flat in the number of lines)."""
    name = chooser()
    kinds = dict(CostKind.choices)
    tiers = dict(Tier.choices)
    rows = (
        statement_lines(statement)
        .select_related("benefit")
        .order_by("fulfilled_at", "id")
        .iterator(chunk_size=CHUNK)
    )
    for line in rows:
        benefit = line.benefit
        yield ExportLine(
            # A supplier's reference is its text, not ours: never a formula for Excel.
            reference=formula_escape(line.reference),
            use_number=line.redemption_id,
            benefit_code=benefit.code if benefit else "",
            benefit_name=formula_escape(name(benefit.name_en, benefit.name_zh_hans))
            if benefit
            else "",
            tier=str(tiers.get(line.tier_snapshot, "")) if line.tier_snapshot is not None else "",
            fulfilled_at=timezone.localtime(line.fulfilled_at).replace(tzinfo=None),
            kind=str(kinds.get(line.kind, line.kind)),
            unit_cost=line.priced_unit_cost,
            amount=line.amount,
        )


def _yuan(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def statement_csv(statement: Statement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(line_headers())
    for line in export_lines(statement):
        writer.writerow(
            [
                line.reference,
                line.use_number if line.use_number is not None else "",
                line.benefit_code,
                line.benefit_name,
                line.tier,
                f"{line.fulfilled_at:%Y-%m-%d %H:%M}",
                line.kind,
                _yuan(line.unit_cost),
                _yuan(line.amount),
            ]
        )
    totals = statement_totals(statement)
    writer.writerow([])
    writer.writerow([_("Totals by benefit")])
    writer.writerow(total_headers())
    for row in totals.by_benefit:
        writer.writerow([row.code, row.name, row.uses, _yuan(row.amount)])
    writer.writerow(["", _("Total"), totals.uses, _yuan(totals.total)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def statement_xlsx(statement: Statement) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Lines"))
    sheet.append(line_headers())

    def number(value: Decimal | None) -> WriteOnlyCell | None:
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value=value)  # a Decimal: written as its digits
        cell.number_format = "0.00"
        return cell

    for line in export_lines(statement):
        when = WriteOnlyCell(sheet, value=line.fulfilled_at)
        when.number_format = "yyyy-mm-dd hh:mm"
        sheet.append(
            [
                line.reference,
                line.use_number,
                line.benefit_code,
                line.benefit_name,
                line.tier,
                when,
                line.kind,
                number(line.unit_cost),
                number(line.amount),
            ]
        )
    _totals_sheet(book, statement_totals(statement), number_format="0.00")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _totals_sheet(book: object, totals: StatementTotals, *, number_format: str) -> None:
    from openpyxl.cell import WriteOnlyCell

    sheet = book.create_sheet(_("Totals by benefit"))  # type: ignore[attr-defined]

    def number(value: Decimal) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell

    sheet.append(total_headers())
    for row in totals.by_benefit:
        sheet.append([row.code, row.name, row.uses, number(row.amount)])
    sheet.append(["", _("Total"), totals.uses, number(totals.total)])


def export_file_name(statement: Statement, extension: str) -> str:
    code = getattr(statement.supplier, "code", statement.supplier_id)
    return f"statement-{code}-{statement.month:%Y-%m}.{extension}"
