"""The cost page's figures: spend by month, category, tier and supplier equal hand sums over
known uses (several months, tiers, suppliers, a reversal and an adjustment); budgets with a
run-rate forecast; paid add-ons' margin; a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import use_cancel, use_request
from bookshelf.ledger.services import purchase_create
from bookshelf.models import (
    Budget,
    BudgetPeriod,
    ContractPrice,
    CostEntry,
    CostKind,
    Redemption,
)
from bookshelf.money.selectors import (
    CostScope,
    cost_band,
    cost_report,
    run_rate_forecast,
)
from customers.models import Tier
from tests.factories import category, make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

APRIL, MARCH, LONG_AGO = date(2025, 4, 1), date(2025, 3, 1), date(2024, 2, 1)


def _price(supplier, benefit, cost):
    ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal(cost), valid_from=date(2020, 1, 1)
    )


def _move(redemption_id: int, day: date) -> None:
    """Put a use (and its payable lines) on another day, as if it had happened then."""
    at = timezone.make_aware(datetime.combine(day, time(10, 0)))
    Redemption.objects.filter(pk=redemption_id).update(created_at=at)
    CostEntry.objects.filter(redemption_id=redemption_id).update(
        fulfilled_at=at, redemption_created_at=at, month=day.replace(day=1)
    )


@pytest.fixture
def shelf():
    """MED by supplier A at 30.00, SPT by supplier B at 12.50; in April a gold customer uses
    MED twice and SPT once, a platinum one MED once and once more, cancelled (a reversal); an
    adjustment of 5.00 on MED; in March one more MED use; one long ago (out of the window)."""
    category("SPT")
    med = make_benefit(cells={Tier.GOLD: 10, Tier.PLATINUM: 10}, category_code="MED", name="Med")
    spt = make_benefit(cells={Tier.GOLD: 10}, category_code="SPT", name="Sport")
    a = make_supplier("sup-a", benefits=[med], name="Supplier A")
    b = make_supplier("sup-b", benefits=[spt], name="Supplier B")
    _price(a, med, "30.00")
    _price(b, spt, "12.50")
    gold, platinum = make_customer(tier=Tier.GOLD), make_customer(tier=Tier.PLATINUM)

    def use(customer, benefit, day):
        redemption = use_request(customer=customer, benefit_code=benefit.code).redemption
        _move(redemption.pk, day)
        return redemption

    use(gold, med, APRIL)
    use(gold, med, APRIL.replace(day=20))
    use(gold, spt, APRIL.replace(day=3))
    use(platinum, med, APRIL.replace(day=5))
    cancelled = use(platinum, med, APRIL.replace(day=6))
    use_cancel(redemption=Redemption.objects.get(pk=cancelled.pk))
    CostEntry.objects.filter(redemption_id=cancelled.pk, kind=CostKind.REVERSAL).update(month=APRIL)
    use(gold, med, MARCH.replace(day=15))
    use(gold, med, LONG_AGO)
    CostEntry.objects.create(
        supplier=a,
        benefit=med,
        kind=CostKind.ADJUSTMENT,
        amount=Decimal("5.00"),
        fulfilled_at=timezone.make_aware(datetime(2025, 4, 28, 12)),
        month=APRIL,
        note="Agreed in reconciliation",
    )
    return {"med": med, "spt": spt, "a": a, "b": b}


def _sums(spends):
    return {s.key: (s.uses, s.amount) for s in spends}


def test_april_by_category_tier_and_supplier_equals_the_hand_sums(shelf):
    report = cost_report(scope=CostScope(period="month", on=date(2025, 4, 15)))
    assert (report.start, report.end) == (date(2025, 4, 1), date(2025, 4, 30))
    # MED: 30 + 30 (gold) + 30 (platinum) + 30 - 30 (cancelled) + 5 (adjustment)
    assert _sums(report.categories) == {
        "MED": (3, Decimal("95.00")),
        "SPT": (1, Decimal("12.50")),
    }
    assert (report.uses, report.total) == (4, Decimal("107.50"))
    assert _sums(report.tiers) == {
        Tier.GOLD: (3, Decimal("72.50")),
        Tier.PLATINUM: (1, Decimal("30.00")),
        None: (0, Decimal("5.00")),  # the adjustment has no holder
    }
    assert [s.key for s in report.tiers] == [Tier.PLATINUM, Tier.GOLD, None]
    assert _sums(report.suppliers) == {
        shelf["a"].pk: (3, Decimal("95.00")),
        shelf["b"].pk: (1, Decimal("12.50")),
    }
    assert report.suppliers[0].label_en == "Supplier A"
    # Every breakdown adds up to the same total.
    for spends in (report.tiers, report.suppliers, report.benefits):
        assert sum(s.amount for s in spends) == report.total


def test_twelve_months_up_to_the_period_every_month_present(shelf):
    report = cost_report(scope=CostScope(period="month", on=date(2025, 4, 15)))
    months = report.months
    assert len(months) == 12
    assert (months[0].key, months[-1].key) == (date(2024, 5, 1), APRIL)
    by_month = _sums(months)
    assert by_month[APRIL] == (4, Decimal("107.50"))
    assert by_month[MARCH] == (1, Decimal("30.00"))
    assert sum(a for _u, a in by_month.values()) == Decimal("137.50")  # Feb 2024 is out


def test_a_year_a_category_and_a_supplier_narrow_the_figures(shelf):
    year = cost_report(scope=CostScope(period="year", on=date(2025, 6, 1)))
    assert (year.uses, year.total) == (5, Decimal("137.50"))
    sport = cost_report(scope=CostScope(period="year", on=date(2025, 6, 1), category="SPT"))
    assert _sums(sport.categories) == {"SPT": (1, Decimal("12.50"))}
    assert [m.amount for m in sport.months if m.amount] == [Decimal("12.50")]
    by_a = cost_report(
        scope=CostScope(period="quarter", on=date(2025, 4, 2), supplier_id=shelf["a"].pk)
    )
    assert _sums(by_a.suppliers) == {shelf["a"].pk: (3, Decimal("95.00"))}
    assert by_a.total == Decimal("95.00") and by_a.monthly_budget is None


def test_the_report_runs_eight_queries_whatever_the_data(shelf, django_assert_num_queries):
    Budget.objects.create(benefit=shelf["med"], cap_amount=Decimal("900.00"))
    Budget.objects.create(benefit=shelf["spt"], cap_uses=9)
    # lines by month, by benefit, top categories, by tier, by supplier, budgets and their
    # current periods (no second query without a budget), purchases
    with django_assert_num_queries(8):
        cost_report(scope=CostScope(period="month", on=date(2025, 4, 15)))


def test_the_forecast_is_the_run_rate_to_the_periods_end():
    april = (date(2025, 4, 1), date(2025, 4, 30))
    # 300 in the first 10 days of a 30-day month: 900 by its end.
    assert run_rate_forecast(
        spent=Decimal("300"), start=april[0], end=april[1], today=date(2025, 4, 10)
    ) == Decimal("900.00")
    assert run_rate_forecast(
        spent=Decimal("100"), start=april[0], end=april[1], today=date(2025, 4, 7)
    ) == Decimal("428.57")  # 100 / 7 x 30
    # A period over is what it spent; one not begun forecasts nothing.
    assert run_rate_forecast(
        spent=Decimal("300"), start=april[0], end=april[1], today=date(2025, 5, 3)
    ) == Decimal("300")
    assert run_rate_forecast(
        spent=Decimal("0"), start=april[0], end=april[1], today=date(2025, 3, 3)
    ) == Decimal("0.00")


def test_budgets_this_period_with_their_forecast_and_the_monthly_line():
    med_top, spt_top = category("MED").parent, category("SPT").parent
    med = make_benefit(cells={Tier.GOLD: 1}, category_code="MED")
    spt = make_benefit(cells={Tier.GOLD: 1}, category_code="SPT")
    by_category = Budget.objects.create(category=med_top, cap_amount=Decimal("1000.00"))
    BudgetPeriod.objects.create(
        budget=by_category,
        start=date(2025, 4, 1),
        end=date(2025, 4, 30),
        cap_amount=Decimal("1000.00"),
        used_uses=10,
        used_amount=Decimal("300.00"),
    )
    Budget.objects.create(benefit=med, cap_amount=Decimal("90.00"))  # inside MED's budget
    Budget.objects.create(benefit=spt, period="quarter", cap_amount=Decimal("600.00"))
    assert spt_top is not None
    report = cost_report(scope=CostScope(on=date(2025, 4, 10)), today=date(2025, 4, 10))
    first, *rest = report.budgets
    assert (first.scope_code, first.used_amount, first.forecast_amount) == (
        "MED",
        Decimal("300.00"),
        Decimal("900.00"),
    )
    assert (first.forecast_uses, first.days_elapsed, first.days) == (30, 10, 30)
    assert first.share == pytest.approx(0.3) and first.forecast_share == pytest.approx(0.9)
    assert not first.over
    quarter = next(b for b in rest if b.scope_code == spt.code)
    assert (quarter.start, quarter.end, quarter.used_amount) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
        Decimal("0.00"),
    )
    # MED's 1,000 a month and SPT's benefit 600 a quarter (200 a month); MED's benefit
    # budget sits inside its category's and is not counted twice.
    assert report.monthly_budget == Decimal("1200.00")
    only_sport = cost_report(
        scope=CostScope(on=date(2025, 4, 10), category="SPT"), today=date(2025, 4, 10)
    )
    assert [b.scope_code for b in only_sport.budgets] == [spt.code]


def test_a_budget_whose_forecast_passes_its_cap_is_over():
    med_top = category("MED").parent
    budget = Budget.objects.create(category=med_top, cap_amount=Decimal("1000.00"))
    BudgetPeriod.objects.create(
        budget=budget,
        start=date(2025, 4, 1),
        end=date(2025, 4, 30),
        cap_amount=Decimal("1000.00"),
        used_amount=Decimal("500.00"),
    )
    (use,) = cost_report(scope=CostScope(on=date(2025, 4, 10)), today=date(2025, 4, 10)).budgets
    assert use.forecast_amount == Decimal("1500.00") and use.over


def test_a_paid_add_ons_margin_is_its_revenue_less_the_cost_of_its_uses(today):
    paid = make_benefit(price=Decimal("50.00"), kind="paid", name="Massage")
    supplier = make_supplier("spa", benefits=[paid])
    _price(supplier, paid, "20.00")
    customer = make_customer(tier=Tier.GOLD)
    purchase_create(customer=customer, benefit_code=paid.code, quantity=3, payment_reference="P1")
    for _ in range(2):
        use_request(customer=customer, benefit_code=paid.code)
    (margin,) = cost_report(scope=CostScope(on=today), today=today).margins
    assert (margin.code, margin.sold, margin.revenue, margin.cost) == (
        paid.code,
        3,
        Decimal("150.00"),
        Decimal("40.00"),
    )
    assert margin.margin == Decimal("110.00") and margin.margin_percent == Decimal("73.3")


@pytest.mark.parametrize(
    ("per_user", "band"),
    [
        (None, "none"),
        (Decimal("0"), "low"),
        (Decimal("49.99"), "low"),
        (Decimal("50"), "mid"),
        (Decimal("199.99"), "mid"),
        (Decimal("200"), "high"),
        (Decimal("1000"), "top"),
    ],
)
def test_the_cost_bands(per_user, band):
    assert cost_band(per_user) == band
