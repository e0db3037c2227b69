"""Reconciliation: a supplier's bill (CSV or XLSX, Chinese headers) against the statement's
draft lines finds exactly the missing, extra and mismatched references; the mapping is
remembered; a bad file saves nothing; each item is decided once, with a note, and an accepted
or adjusted difference is an adjustment line of the statement's month."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum

from bookshelf.models import (
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
from bookshelf.money.selectors import bill_read, reconciliation_of, statement_lines
from bookshelf.money.services import (
    Mapping,
    bill_import,
    item_decide,
    statement_draft,
    statement_reconcile,
)
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_supplier

pytestmark = pytest.mark.django_db

BILLS = Path(__file__).resolve().parents[2] / "fixtures" / "bills"
APRIL = date(2026, 4, 1)
COLUMNS = {"reference": "订单号", "amount": "金额", "date": "服务日期", "benefit": "权益名称"}
# Our lines of April: (reference, amount); the bill fixtures hold the supplier's.
OURS = [
    ("A-001", "100.00"),
    ("A-002", "35.50"),
    ("A-003", "1234.50"),  # billed "1,234.50"
    ("A-004", "120.00"),  # billed "¥120"
    ("A-005", "80.00"),  # billed "80元"
    ("A-006", "60.00"),  # billed as two lines of 30.00
    ("A-007", "50.00"),  # cancelled below: nets out, not on the bill, not missing
    ("A-101", "45.00"),  # missing
    ("A-102", "99.90"),  # missing
    ("A-201", "100.00"),  # billed 110.00
    ("A-202", "35.50"),  # billed 30.00
]
MISSING = {"A-101", "A-102"}
EXTRA = {"B-301", "B-302", "B-303"}
MISMATCH = {"A-201", "A-202"}


_USES = itertools.count(1)


def _line(supplier, benefit, reference, amount, *, kind=CostKind.USE, month=APRIL):
    return CostEntry.objects.create(
        supplier=supplier,
        benefit=benefit,
        kind=kind,
        redemption_id=next(_USES) if kind != CostKind.ADJUSTMENT else None,
        tier_snapshot=Tier.GOLD,
        reference=reference,
        amount=Decimal(amount),
        priced_unit_cost=abs(Decimal(amount)),
        fulfilled_at=datetime(month.year, month.month, 5, 3, tzinfo=UTC),
        month=month,
    )


def _world():
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Consult")
    supplier = make_supplier("escort", benefits=[benefit])
    for reference, amount in OURS:
        _line(supplier, benefit, reference, amount)
    use = CostEntry.objects.get(reference="A-007")
    reversal = _line(supplier, benefit, "A-007", "-50.00", kind=CostKind.REVERSAL)
    CostEntry.objects.filter(pk=reversal.pk).update(redemption_id=use.redemption_id)
    # Not this statement's: another supplier's A-101 and this supplier's May line B-301.
    other = make_supplier("other", benefits=[benefit], name="Other")
    _line(other, benefit, "A-101", "45.00")
    _line(supplier, benefit, "B-301", "60.00", month=date(2026, 5, 1))
    return supplier, statement_draft(supplier_id=supplier.pk, month=APRIL)


def _import(statement, name, columns=COLUMNS, by=None):
    with (BILLS / name).open("rb") as file:
        return bill_import(
            statement_id=statement.pk,
            file=io.BytesIO(file.read()),
            file_name=name,
            mapping_fields=columns,
            by=by,
        )


def _by_kind(statement, status=None):
    items = ReconciliationItem.objects.filter(statement=statement)
    if status:
        items = items.filter(status=status)
    found: dict[str, set[str]] = {k: set() for k in ItemKind.values}
    for kind, reference in items.values_list("kind", "reference"):
        found[kind].add(reference)
    return found


@pytest.mark.parametrize("name", ["april-bill.csv", "april-bill.xlsx"])
def test_the_fixture_bill_finds_exactly_the_known_differences(name):
    _supplier, statement = _world()
    report = _import(statement, name)
    assert (report.missing, report.extra, report.mismatch) == (2, 3, 2)
    assert _by_kind(statement) == {
        ItemKind.MISSING: MISSING,
        ItemKind.EXTRA: EXTRA,
        ItemKind.MISMATCH: MISMATCH,
    }
    amounts = {
        i.reference: (i.ours, i.theirs)
        for i in ReconciliationItem.objects.filter(statement=statement)
    }
    assert amounts["A-201"] == (Decimal("100.00"), Decimal("110.00"))
    assert amounts["A-202"] == (Decimal("35.50"), Decimal("30.00"))
    assert amounts["A-102"] == (Decimal("99.90"), None)
    assert amounts["B-303"] == (None, Decimal("200.00"))
    bill = SupplierBill.objects.get()
    assert (bill.lines, bill.total) == (12, Decimal("2055.50"))  # the 合计 row is not a line
    assert BillLine.objects.get(reference="A-003").amount == Decimal("1234.50")
    assert BillLine.objects.get(reference="A-005").on == date(2026, 4, 7)


def test_a_gbk_csv_reads_like_the_utf8_one():
    text = (BILLS / "april-bill.csv").read_bytes().decode("utf-8-sig").replace("¥", "￥")
    gbk = bill_read(
        file=io.BytesIO(text.encode("gbk")), file_name="bill.csv", mapping=Mapping.of(COLUMNS)
    )
    utf8 = bill_read(
        file=io.BytesIO(text.encode("utf-8")), file_name="bill.csv", mapping=Mapping.of(COLUMNS)
    )
    assert gbk == utf8 and len(gbk) == 12
    assert gbk[0].benefit_text == "在线问诊"


def test_matching_takes_a_fixed_number_of_queries(django_assert_num_queries):
    _supplier, statement = _world()
    _import(statement, "april-bill.csv")
    bill = SupplierBill.objects.get()
    with django_assert_num_queries(5):
        counts = statement_reconcile(statement, bill=bill)
    assert counts == {ItemKind.MISSING: 2, ItemKind.EXTRA: 3, ItemKind.MISMATCH: 2}
    with django_assert_num_queries(4):
        view = reconciliation_of(statement)
    assert view.open_items == 7 and view.counts[ItemKind.EXTRA] == 3


def test_the_mapping_is_remembered_for_the_suppliers_next_bill():
    supplier, statement = _world()
    _import(statement, "april-bill.xlsx")
    mapping = BillMapping.objects.get(supplier=supplier)
    assert (mapping.reference_column, mapping.amount_column, mapping.date_column) == (
        "订单号",
        "金额",
        "服务日期",
    )
    report = _import(statement, "april-bill.csv", columns=None)  # no mapping given: remembered
    assert (report.missing, report.extra, report.mismatch) == (2, 3, 2)
    assert SupplierBill.objects.count() == 2
    assert ReconciliationItem.objects.count() == 7  # the open items were replaced


def test_no_mapping_given_or_remembered_is_a_400():
    _supplier, statement = _world()
    with pytest.raises(DomainError) as refused:
        _import(statement, "april-bill.csv", columns=None)
    assert (refused.value.code, refused.value.status) == ("invalid", 400)


def test_a_mapping_that_does_not_fit_lists_the_files_headers_and_saves_nothing():
    _supplier, statement = _world()
    with pytest.raises(DomainError) as refused:
        _import(statement, "april-bill.csv", columns={"reference": "order_no", "amount": "金额"})
    assert (refused.value.code, refused.value.status) == ("bill_file_invalid", 400)
    assert refused.value.extra["headers"] == ["订单号", "金额", "服务日期", "权益名称"]
    assert not BillMapping.objects.exists() and not SupplierBill.objects.exists()


@pytest.mark.parametrize(
    ("row", "column", "cell"),
    [(3, "金额", "12.3.4"), (4, "订单号", ""), (5, "服务日期", "2026-13-45"), (2, "金额", "1.005")],
)
def test_a_bad_row_is_a_400_naming_row_and_column_and_nothing_is_saved(row, column, cell):
    _supplier, statement = _world()
    lines = (BILLS / "april-bill.csv").read_text("utf-8-sig").splitlines()
    fields = next(csv.reader([lines[row - 1]]))
    fields[["订单号", "金额", "服务日期", "权益名称"].index(column)] = cell
    lines[row - 1] = ",".join(fields)
    with pytest.raises(DomainError) as refused:
        bill_import(
            statement_id=statement.pk,
            file=io.BytesIO("\n".join(lines).encode()),
            file_name="bad.csv",
            mapping_fields=COLUMNS,
        )
    error = refused.value
    assert (error.code, error.status) == ("bill_file_invalid", 400)
    assert (error.extra["row"], error.extra["column"]) == (row, column)
    assert f"row {row}" in error.message and column in error.message
    assert not SupplierBill.objects.exists() and not BillLine.objects.exists()
    assert not BillMapping.objects.exists() and not ReconciliationItem.objects.exists()


def test_a_file_over_the_limit_is_refused():
    _supplier, statement = _world()
    big = io.BytesIO(b"a,b\n" + b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(DomainError) as refused:
        bill_import(
            statement_id=statement.pk,
            file=big,
            file_name="big.csv",
            mapping_fields={"reference": "a", "amount": "b"},
        )
    assert refused.value.code == "bill_file_invalid"
    assert not SupplierBill.objects.exists()


def test_an_approved_statement_takes_no_bill():
    _supplier, statement = _world()
    Statement.objects.filter(pk=statement.pk).update(status=StatementStatus.APPROVED)
    with pytest.raises(DomainError) as refused:
        _import(statement, "april-bill.csv")
    assert (refused.value.code, refused.value.status) == ("statement_frozen", 409)
    assert not SupplierBill.objects.exists() and not BillMapping.objects.exists()


def _item(statement, reference):
    return ReconciliationItem.objects.get(statement=statement, reference=reference)


def _ours(statement, reference):
    total = statement_lines(statement).filter(reference=reference).aggregate(t=Sum("amount"))
    return total["t"]


def test_decisions_move_money_by_the_difference_and_record_who(django_user_model):
    supplier, statement = _world()
    _import(statement, "april-bill.csv")
    staff = django_user_model.objects.create_user("pat", password="x", is_staff=True)

    accepted = item_decide(
        item_id=_item(statement, "A-101").pk, decision="accept", note="Not delivered", by=staff
    )
    assert (accepted.status, accepted.decided_by, accepted.note) == (
        ItemStatus.ACCEPTED,
        staff,
        "Not delivered",
    )
    assert accepted.decided_at is not None
    item_decide(item_id=_item(statement, "B-301").pk, decision="accept", note="Ours lost it")
    item_decide(item_id=_item(statement, "A-201").pk, decision="accept", note="New price")
    item_decide(
        item_id=_item(statement, "A-202").pk, decision="dispute", note="Contract says 35.50"
    )
    adjusted = item_decide(
        item_id=_item(statement, "A-102").pk, decision="adjust", note="Half done", agreed="50"
    )
    assert adjusted.agreed == Decimal("50.00")

    adjustments = dict(
        CostEntry.objects.filter(kind=CostKind.ADJUSTMENT).values_list("reference", "amount")
    )
    assert adjustments == {
        "A-101": Decimal("-45.00"),  # missing, accepted: −ours
        "B-301": Decimal("60.00"),  # extra, accepted: +theirs
        "A-201": Decimal("10.00"),  # mismatch, accepted: theirs − ours
        "A-102": Decimal("-49.90"),  # adjusted: agreed − ours
    }
    entry = CostEntry.objects.get(kind=CostKind.ADJUSTMENT, reference="A-101")
    assert (entry.month, entry.supplier, entry.created_by, entry.note) == (
        APRIL,
        supplier,
        staff,
        "Not delivered",
    )
    assert entry.benefit_id is not None  # the benefit of our line
    # On the statement: ours now is what was decided.
    assert _ours(statement, "A-101") == Decimal("0.00")
    assert _ours(statement, "A-201") == Decimal("110.00")
    assert _ours(statement, "A-202") == Decimal("35.50")  # disputed: ours stands
    assert _ours(statement, "B-301") == Decimal("60.00")  # this month's adjustment only

    # Importing the same bill again: decided items stay, the open ones are the rest.
    _import(statement, "april-bill.csv")
    assert _by_kind(statement, ItemStatus.OPEN) == {
        ItemKind.MISSING: set(),
        ItemKind.EXTRA: {"B-302", "B-303"},
        ItemKind.MISMATCH: set(),
    }
    assert ReconciliationItem.objects.exclude(status=ItemStatus.OPEN).count() == 5
    assert not ReconciliationItem.objects.filter(reference="A-202", status=ItemStatus.OPEN)


def test_a_decision_needs_a_note_and_an_adjustment_its_amount():
    _supplier, statement = _world()
    _import(statement, "april-bill.csv")
    item = _item(statement, "A-101")
    for kwargs, field in [
        ({"decision": "accept", "note": "  "}, "note"),
        ({"decision": "adjust", "note": "Agreed"}, "agreed"),
        ({"decision": "adjust", "note": "Agreed", "agreed": "1.005"}, "agreed"),
        ({"decision": "forgive", "note": "Agreed"}, "decision"),
    ]:
        with pytest.raises(DomainError) as refused:
            item_decide(item_id=item.pk, **kwargs)
        assert (refused.value.status, refused.value.field) == (400, field)
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.decided_at is None
    assert not CostEntry.objects.filter(kind=CostKind.ADJUSTMENT).exists()


def test_an_item_is_decided_once():
    _supplier, statement = _world()
    _import(statement, "april-bill.csv")
    item = _item(statement, "A-201")
    item_decide(item_id=item.pk, decision="accept", note="Fine")
    with pytest.raises(DomainError) as again:
        item_decide(item_id=item.pk, decision="adjust", note="Second thoughts", agreed="0")
    assert (again.value.code, again.value.status) == ("reconciliation_item_decided", 409)
    assert CostEntry.objects.filter(kind=CostKind.ADJUSTMENT).count() == 1
    assert ReconciliationItem.objects.get(pk=item.pk).note == "Fine"


def test_no_decision_on_an_approved_statement():
    _supplier, statement = _world()
    _import(statement, "april-bill.csv")
    Statement.objects.filter(pk=statement.pk).update(status=StatementStatus.APPROVED)
    with pytest.raises(DomainError) as refused:
        item_decide(item_id=_item(statement, "A-201").pk, decision="accept", note="Late")
    assert (refused.value.code, refused.value.status) == ("statement_frozen", 409)
    assert _item(statement, "A-201").status == ItemStatus.OPEN
    assert not CostEntry.objects.filter(kind=CostKind.ADJUSTMENT).exists()


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.50", "1234.50"),
        ("¥120", "120.00"),
        ("￥ 1,000", "1000.00"),
        ("120元", "120.00"),
        ("(12.00)", "-12.00"),
        ("-5", "-5.00"),
        (35.5, "35.50"),
        (35.499999999, "35.50"),
        (100, "100.00"),
    ],
)
def test_bill_amounts_are_read_sensibly(text, amount):
    from bookshelf.money.reconciliation import bill_amount

    assert bill_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1,23", "12.3.4", "1.005", 35.4567, "1e3", "¥"])
def test_bill_amounts_that_are_not_amounts(text):
    from bookshelf.money.reconciliation import bill_amount

    with pytest.raises(ValueError):
        bill_amount(text)
