"""Supplier statements: a statement pays every use at its recorded cost, a price change
mid-month is paid on both sides of its date, an approved statement never changes (later
lines carry into the next), approval is refused while anything is open, the exports read
back as the lines, and of two staff approving at once one does."""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_celery_beat.models import PeriodicTask

from bookshelf import jobs
from bookshelf.fulfilment.services import (
    Actor,
    Change,
    fulfilment_transition,
    use_cancel,
    use_request,
)
from bookshelf.models import (
    ActorKind,
    ContractPrice,
    CostEntry,
    CostKind,
    FulfilmentState,
    ItemKind,
    ItemStatus,
    ReconciliationItem,
    Redemption,
    RedemptionStatus,
    Statement,
    StatementStatus,
    SupplierBill,
)
from bookshelf.money.costs import month_of
from bookshelf.money.selectors import (
    statement_csv,
    statement_lines,
    statement_totals,
    statement_xlsx,
    statements_with_figures,
)
from bookshelf.money.services import statement_approve, statement_draft, statements_draft_month
from config.exceptions import Conflict, DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


def _price(supplier, benefit, cost, valid_from):
    return ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal(cost), valid_from=valid_from
    )


def _line(supplier, benefit, amount, month, *, kind=CostKind.USE, at=None, ref="", tier=None):
    at = at or timezone.make_aware(datetime(month.year, month.month, 10, 9, 30))
    return CostEntry.objects.create(
        supplier=supplier,
        benefit=benefit,
        kind=kind,
        reference=ref,
        amount=Decimal(amount),
        priced_unit_cost=abs(Decimal(amount)) if kind != CostKind.ADJUSTMENT else None,
        tier_snapshot=tier,
        fulfilled_at=at,
        month=month,
    )


def _reconciled(statement):
    """The supplier's bill imported, nothing open (the reconcile helper does it for real)."""
    return SupplierBill.objects.create(statement=statement, file_name="bill.csv")


def _refused(statement_id):
    with pytest.raises(DomainError) as refused:
        statement_approve(statement_id=statement_id)
    return refused.value


def _next_month(month):
    return (month + timedelta(days=32)).replace(day=1)


def _approve_once_the_month_is_over(statement):
    """Approve a statement of the current month as on the 1st of the next one."""
    after = (statement.month + timedelta(days=32)).replace(day=1)
    with mock.patch("django.utils.timezone.localdate", return_value=after):
        return statement_approve(statement_id=statement.pk)


def test_a_month_is_approved_once_it_is_over():
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    month = timezone.localdate().replace(day=1)
    _line(supplier, benefit, "10.00", month)
    statement = statement_draft(supplier_id=supplier.pk, month=month)
    _reconciled(statement)
    with pytest.raises(Conflict) as early:
        statement_approve(statement_id=statement.pk)
    assert early.value.code == "statement_month_not_over"
    assert _approve_once_the_month_is_over(statement).status == StatementStatus.APPROVED


def test_a_line_recorded_after_the_bill_was_matched_is_not_paid_unmatched():
    """Approval pays what was reconciled: a line recorded after the bill's import (a late
    delivery) stays unstamped and is carried into the next statement."""
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    month = date(2026, 6, 1)
    _line(supplier, benefit, "10.00", month, ref="A")
    statement = statement_draft(supplier_id=supplier.pk, month=month)
    _reconciled(statement)
    late = _line(supplier, benefit, "20.00", month, ref="B")
    CostEntry.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(minutes=1))
    approved = statement_approve(statement_id=statement.pk)
    assert approved.total == Decimal("10.00")
    july = statement_draft(supplier_id=supplier.pk, month=date(2026, 7, 1))
    assert list(statement_lines(july).values_list("reference", flat=True)) == ["B"]


def test_a_statements_total_is_the_sum_of_its_uses_at_their_recorded_costs(
    django_assert_num_queries,
):
    benefits = [
        make_benefit(cells={Tier.GOLD: 10}, name=f"Consult {n}", name_zh_hans=f"问诊{n}")
        for n in range(3)
    ]
    supplier = make_supplier("docs", benefits=benefits)
    for benefit, cost in zip(benefits, ["35.50", "12.25", "99.99"], strict=True):
        _price(supplier, benefit, cost, date(2020, 1, 1))
    customers = [make_customer(tier=Tier.GOLD) for _ in range(4)]
    uses = []
    for benefit, times in zip(benefits, [4, 3, 2], strict=True):
        for n in range(times):
            uses.append(use_request(customer=customers[n], benefit_code=benefit.code).redemption)
    use_cancel(redemption=uses[0])  # a reversal line in the same month nets it out
    month = month_of(timezone.now())
    statement = statement_draft(supplier_id=supplier.pk, month=month)

    with django_assert_num_queries(2):
        totals = statement_totals(statement)

    paid = Redemption.objects.filter(supplier_id=supplier.pk, status=RedemptionStatus.COMPLETED)
    assert paid.count() == 8
    expected = sum(u.unit_cost for u in paid)
    assert expected == Decimal("35.50") * 3 + Decimal("12.25") * 3 + Decimal("99.99") * 2
    assert (totals.uses, totals.total) == (8, expected)
    assert [(b.code, b.uses, b.amount) for b in totals.by_benefit] == sorted(
        [
            (benefits[0].code, 3, Decimal("106.50")),
            (benefits[1].code, 3, Decimal("36.75")),
            (benefits[2].code, 2, Decimal("199.98")),
        ]
    )
    assert totals.carried == []
    listed = statements_with_figures().get(pk=statement.pk)
    assert (listed.figure_uses, listed.figure_total) == (8, expected)

    _reconciled(statement)
    approved = _approve_once_the_month_is_over(statement)
    assert (approved.status, approved.uses, approved.total) == ("approved", 8, expected)
    assert CostEntry.objects.filter(statement=approved).count() == 10  # 9 uses, 1 reversal


def _fulfil_at(fulfilment_id, supplier, at, reference):
    by_supplier = Actor(ActorKind.SUPPLIER, supplier=supplier)
    fulfilment_transition(
        fulfilment_id=fulfilment_id,
        target=FulfilmentState.BOOKED,
        actor=by_supplier,
        change=Change(appointment_at=at, place="Ward 3"),
    )
    with mock.patch("django.utils.timezone.now", return_value=at):
        fulfilment_transition(
            fulfilment_id=fulfilment_id,
            target=FulfilmentState.FULFILLED,
            actor=by_supplier,
            change=Change(reference=reference),
        )


def test_a_price_change_mid_month_is_priced_on_both_sides_of_the_date():
    benefit = make_benefit(cells={Tier.GOLD: 5}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort", benefits=[benefit])
    month = _next_month(timezone.localdate())
    change_day = month.replace(day=15)
    _price(supplier, benefit, "100.00", timezone.localdate() - timedelta(days=30))
    _price(supplier, benefit, "130.00", change_day)
    customer = make_customer(tier=Tier.GOLD)
    local = timezone.get_current_timezone()
    times = {
        "BEFORE-1": datetime(month.year, month.month, 3, 11, 0, tzinfo=local),
        "BEFORE-2": datetime(month.year, month.month, 14, 23, 30, tzinfo=local),  # the eve
        "AFTER-1": datetime(month.year, month.month, 15, 0, 30, tzinfo=local),  # the day
        "AFTER-2": datetime(month.year, month.month, 28, 16, 0, tzinfo=local),
    }
    for reference, at in times.items():
        held = use_request(customer=customer, benefit_code=benefit.code)
        _fulfil_at(held.fulfilment.pk, supplier, at, reference)

    statement = statement_draft(supplier_id=supplier.pk, month=month)
    lines = {line.reference: line for line in statement_lines(statement)}
    assert {ref: lines[ref].amount for ref in times} == {
        "BEFORE-1": Decimal("100.00"),
        "BEFORE-2": Decimal("100.00"),
        "AFTER-1": Decimal("130.00"),
        "AFTER-2": Decimal("130.00"),
    }
    assert {ref: line.fulfilled_at for ref, line in lines.items()} == times
    paid = Redemption.objects.filter(benefit=benefit).values_list("unit_cost", flat=True)
    assert sorted(paid) == [Decimal("100.00")] * 2 + [Decimal("130.00")] * 2
    assert statement_totals(statement).total == Decimal("460.00")


def test_an_approved_statement_never_changes_and_later_lines_carry_into_the_next():
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    _price(supplier, benefit, "40.00", date(2020, 1, 1))
    customer = make_customer(tier=Tier.GOLD)
    first = use_request(customer=customer, benefit_code=benefit.code).redemption
    use_request(customer=customer, benefit_code=benefit.code)
    month = month_of(timezone.now())
    statement = statement_draft(supplier_id=supplier.pk, month=month)
    _reconciled(statement)
    _approve_once_the_month_is_over(statement)
    stamped = set(CostEntry.objects.filter(statement=statement).values_list("pk", flat=True))
    assert len(stamped) == 2

    use_cancel(redemption=first)  # cancelled after approval: a reversal line
    late = _line(supplier, benefit, "40.00", month, ref="LATE-1")  # a late report of that month

    statement.refresh_from_db()
    assert (statement.uses, statement.total) == (2, Decimal("80.00"))
    assert set(statement_lines(statement).values_list("pk", flat=True)) == stamped
    assert statement_totals(statement).total == Decimal("80.00")
    assert _refused(statement.pk).code == "statement_frozen"

    following = statement_draft(supplier_id=supplier.pk, month=_next_month(month))
    totals = statement_totals(following)
    reversal = CostEntry.objects.get(kind=CostKind.REVERSAL)
    assert {line.pk for line in totals.carried} == {reversal.pk, late.pk}
    assert (totals.uses, totals.total, totals.carried_total) == (0, ZERO_, ZERO_)
    _reconciled(following)
    _approve_once_the_month_is_over(following)
    assert set(CostEntry.objects.filter(statement=following).values_list("pk", flat=True)) == {
        reversal.pk,
        late.pk,
    }


ZERO_ = Decimal("0.00")


def test_approval_is_refused_while_anything_is_open_and_nothing_changes():
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    month = date(2026, 6, 1)
    earlier = statement_draft(supplier_id=supplier.pk, month=date(2026, 5, 1))
    _line(supplier, benefit, "10.00", date(2026, 5, 1), ref="MAY")
    _line(supplier, benefit, "20.00", month, ref="JUNE")
    statement = statement_draft(supplier_id=supplier.pk, month=month)
    _reconciled(statement)

    assert _refused(statement.pk).code == "earlier_statement_open"
    _reconciled(earlier)
    statement_approve(statement_id=earlier.pk)

    other = statement_draft(supplier_id=supplier.pk, month=date(2026, 7, 1))
    _line(supplier, benefit, "30.00", date(2026, 7, 1), ref="JULY")
    SupplierBill.objects.filter(statement=statement).delete()
    refused = _refused(statement.pk)
    assert (refused.code, refused.status) == ("statement_has_open_items", 409)

    bill = _reconciled(statement)
    item = ReconciliationItem.objects.create(
        statement=statement, bill=bill, kind=ItemKind.MISSING, reference="JUNE", ours="20.00"
    )
    assert _refused(statement.pk).code == "statement_has_open_items"
    assert _refused(other.pk).code == "earlier_statement_open"
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DRAFT and statement.approved_at is None
    assert not CostEntry.objects.filter(reference="JUNE", statement__isnull=False).exists()
    assert _refused(10**9).code == "statement_not_found"

    ReconciliationItem.objects.filter(pk=item.pk).update(status=ItemStatus.DISPUTED)
    approved = statement_approve(statement_id=statement.pk)
    assert (approved.uses, approved.total) == (1, Decimal("20.00"))


def test_drafting_a_month_opens_a_draft_for_every_supplier_with_lines_to_pay():
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult")
    month = date(2026, 6, 1)
    this_month = make_supplier("this-month", benefits=[benefit])
    earlier = make_supplier("earlier", benefits=[benefit])
    later = make_supplier("later", benefits=[benefit])
    paid = make_supplier("paid", benefits=[benefit])
    make_supplier("idle", benefits=[benefit])
    _line(this_month, benefit, "10.00", month)
    _line(earlier, benefit, "10.00", date(2026, 4, 1))
    _line(later, benefit, "10.00", date(2026, 7, 1))
    _line(paid, benefit, "10.00", month)
    paid_statement = statement_draft(supplier_id=paid.pk, month=month)
    _reconciled(paid_statement)
    statement_approve(statement_id=paid_statement.pk)

    drafted = statements_draft_month(month=date(2026, 6, 18))
    assert {s.supplier.code for s in drafted} == {"this-month", "earlier"}  # "paid": all stamped
    assert Statement.objects.filter(status=StatementStatus.DRAFT).count() == 2
    assert statement_totals(Statement.objects.get(supplier=earlier)).total == Decimal("10.00")

    from bookshelf.money.tasks import statements_draft_month_task

    assert statements_draft_month_task("2026-06-01") == 2  # idempotent
    assert Statement.objects.count() == 3  # two drafts and the approved one
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 8, 1)):
        # July: "later"'s July line only. "earlier"'s April line (no April draft) is paid by
        # the June draft, so it is in no later one; "this-month"'s June line is June's.
        assert statements_draft_month_task() == 1
    assert Statement.objects.get(supplier=later).month == date(2026, 7, 1)
    assert not Statement.objects.filter(supplier=this_month, month=date(2026, 7, 1)).exists()

    beat = PeriodicTask.objects.get(task=jobs.STATEMENTS_DRAFT_MONTH)
    schedule = beat.crontab
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ("0", "2", "1")


def _export_fixture():
    gold = make_benefit(cells={Tier.GOLD: 10}, name="Green channel", name_zh_hans="绿色通道")
    plain = make_benefit(cells={Tier.GOLD: 10}, name="Consult", name_zh_hans="问诊")
    supplier = make_supplier("docs", benefits=[gold, plain])
    month = date(2026, 6, 1)
    at = timezone.make_aware(datetime(2026, 6, 30, 23, 45))  # local: still June
    _line(supplier, gold, "35.50", month, ref="G-1", tier=Tier.GOLD, at=at)
    _line(supplier, gold, "0.10", month, ref="G-2", tier=Tier.GOLD)
    _line(supplier, gold, "0.20", month, ref="G-3", tier=Tier.PLATINUM)
    _line(supplier, plain, "1234567.89", month, ref="P-1", tier=Tier.ORDINARY)
    _line(supplier, plain, "-0.20", month, kind=CostKind.REVERSAL, ref="G-3")
    _line(supplier, None, "-5.05", month, kind=CostKind.ADJUSTMENT, ref="EXTRA-9")
    return statement_draft(supplier_id=supplier.pk, month=month)


def _expected_rows(statement):
    rows = []
    tiers = dict(Tier.choices)
    kinds = dict(CostKind.choices)
    for line in statement_lines(statement).select_related("benefit").order_by("fulfilled_at", "id"):
        benefit = line.benefit
        rows.append(
            [
                line.reference,
                line.redemption_id,
                benefit.code if benefit else "",
                benefit.name_zh_hans if benefit else "",
                str(tiers[line.tier_snapshot]) if line.tier_snapshot is not None else "",
                timezone.localtime(line.fulfilled_at).strftime("%Y-%m-%d %H:%M"),
                str(kinds[line.kind]),
                line.priced_unit_cost,
                line.amount,
            ]
        )
    return rows


def test_the_csv_export_reads_back_as_the_lines_and_the_totals():
    statement = _export_fixture()
    with translation.override("zh-hans"):
        data = statement_csv(statement)
        expected = _expected_rows(statement)
        totals = statement_totals(statement)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1 : 1 + len(expected)]
    assert len(header) == 9
    read = [
        [
            r[0],
            int(r[1]) if r[1] else None,
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            Decimal(r[7]) if r[7] else None,
            Decimal(r[8]),
        ]
        for r in body
    ]
    assert read == expected
    first = next(r for r in body if r[0] == "G-1")
    assert (first[5], first[8]) == ("2026-06-30 23:45", "35.50")
    assert any(r[8] == "1234567.89" for r in body)
    tail = rows[1 + len(expected) :]
    assert tail[0] == []
    by_benefit = tail[3:-1]
    assert [[r[0], r[1], int(r[2]), Decimal(r[3])] for r in by_benefit] == [
        [b.code, b.name, b.uses, b.amount] for b in totals.by_benefit
    ]
    assert Decimal(tail[-1][3]) == totals.total == Decimal("1234598.44")


def test_the_xlsx_export_reads_back_as_the_lines_with_two_decimal_numbers():
    from openpyxl import load_workbook

    statement = _export_fixture()
    with translation.override("zh-hans"):
        data = statement_xlsx(statement)
        expected = _expected_rows(statement)
        totals = statement_totals(statement)
    book = load_workbook(io.BytesIO(data))
    lines, by_benefit = book.worksheets
    cells = list(lines.iter_rows(min_row=2))
    assert len(cells) == len(expected)
    read = []
    for row in cells:
        values = [c.value for c in row]
        assert row[8].number_format == "0.00"
        assert isinstance(values[8], (int, float))
        read.append(
            [
                values[0],
                values[1],
                values[2] or "",
                values[3] or "",
                values[4] or "",
                values[5].strftime("%Y-%m-%d %H:%M"),
                values[6],
                Decimal(str(values[7])).quantize(Decimal("0.01"))
                if values[7] is not None
                else None,
                Decimal(str(values[8])).quantize(Decimal("0.01")),
            ]
        )
    assert read == expected
    rows = [[c.value for c in row] for row in by_benefit.iter_rows(min_row=2)]
    assert [[r[0] or "", r[1], r[2], Decimal(str(r[3]))] for r in rows[:-1]] == [
        [b.code, b.name, b.uses, b.amount] for b in totals.by_benefit
    ]
    assert Decimal(str(rows[-1][3])) == totals.total
    # The amount's digits are stored as written, not through a float's rounding.
    archive = zipfile.ZipFile(io.BytesIO(data))
    xml = "".join(archive.read(n).decode() for n in archive.namelist() if "worksheets/" in n)
    assert "<v>1234567.89</v>" in xml and "<v>1234598.44</v>" in xml


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_staff_approving_at_once_one_approves():
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    month = date(2026, 6, 1)
    for n in range(5):
        _line(supplier, benefit, "10.00", month, ref=f"R-{n}")
    statement = statement_draft(supplier_id=supplier.pk, month=month)
    _reconciled(statement)
    workers = 2
    barrier = threading.Barrier(workers)
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()

    def one(_n: int) -> None:
        try:
            barrier.wait(timeout=30)
            statement_approve(statement_id=statement.pk)
            outcome = "ok"
        except DomainError as exc:
            outcome = str(exc.code)
        except Exception as exc:
            outcome = f"crash: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    for _round in range(3):
        Statement.objects.filter(pk=statement.pk).update(
            status=StatementStatus.DRAFT, uses=0, total=ZERO_, approved_at=None
        )
        CostEntry.objects.update(statement=None)
        outcomes.clear()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, range(workers), timeout=60))
        assert outcomes == Counter({"ok": 1, "statement_frozen": 1})
        statement.refresh_from_db()
        assert (statement.status, statement.uses, statement.total) == (
            "approved",
            5,
            Decimal("50.00"),
        )
        assert CostEntry.objects.filter(statement=statement).count() == 5


def test_a_suppliers_reference_that_looks_like_a_formula_is_exported_as_text():
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Consult", name_zh_hans="问诊")
    supplier = make_supplier("docs", benefits=[benefit])
    month = date(2026, 6, 1)
    _line(supplier, benefit, "10.00", month, ref='=HYPERLINK("http://x.example","pay")')
    statement = statement_draft(supplier_id=supplier.pk, month=month)
    rows = list(csv.reader(io.StringIO(statement_csv(statement).decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://x.example","pay")'
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(statement_xlsx(statement))).worksheets[0]
    assert sheet.cell(row=2, column=1).value.startswith("'=")
