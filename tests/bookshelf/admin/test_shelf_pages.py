"""The product staff's shelf: the matrix with usage rates, and a benefit's usage chart."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.models import BenefitStatus
from benefits.services import benefit_retire
from bookshelf.admin.charts import nice_ceiling, stacked_usage_chart
from bookshelf.ledger.services import redemption_cancel, redemption_create
from bookshelf.models import Redemption
from bookshelf.review.selectors import benefit_usage_by_month, shelf_matrix
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import category, make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _use(customer, benefit, when: date | None = None) -> Redemption:
    redemption = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    if when is not None:
        Redemption.objects.filter(pk=redemption.pk).update(created_at=_at(when))
    return redemption


def test_the_matrix_has_tiers_as_rows_top_categories_as_columns_and_usage_rates(today):
    category("HLT")
    med = make_benefit(cells={Tier.GOLD: 2, Tier.PLATINUM: 4}, category_code="MED")
    spt = make_benefit(cells={Tier.GOLD: None}, category_code="SPT")
    draft = make_benefit(cells={Tier.GOLD: 1}, status=BenefitStatus.DRAFT)
    retired = make_benefit(cells={Tier.GOLD: 1})
    golds = [make_customer(tier=Tier.GOLD) for _ in range(4)]
    make_customer(tier=Tier.PLATINUM)
    _use(golds[0], med)
    _use(golds[0], med)  # the same customer twice counts once
    _use(golds[1], med)
    _use(golds[2], med, when=today - timedelta(days=120))  # outside the window
    cancelled = _use(golds[3], med)
    redemption_cancel(redemption=cancelled)
    _use(golds[0], spt)
    benefit_retire(benefit=retired, reason="Unused")

    matrix = shelf_matrix(today=today)
    assert [c.code for c in matrix.columns] == ["HLT", "MED", "SPT"]
    assert [r.tier for r in matrix.rows] == sorted((t.value for t in Tier), reverse=True)
    gold = next(r for r in matrix.rows if r.tier == Tier.GOLD)
    assert gold.customers == 4
    hlt, med_cell, spt_cell = gold.cells
    assert hlt == []
    by_code = {b.code: b for b in med_cell}
    assert set(by_code) == {med.code, draft.code}  # the retired one is off the shelf
    assert (by_code[med.code].users, by_code[med.code].rate) == (2, 0.5)
    assert by_code[med.code].heat == "high"
    assert by_code[draft.code].status == BenefitStatus.DRAFT
    assert spt_cell[0].quota is None and spt_cell[0].rate == 0.25
    platinum = next(r for r in matrix.rows if r.tier == Tier.PLATINUM)
    assert platinum.cells[1][0].rate == 0.0 and platinum.cells[1][0].heat == "low"
    prospect = next(r for r in matrix.rows if r.tier == Tier.PROSPECT)
    assert prospect.customers == 0 and prospect.benefit_count == 0


def test_the_matrix_runs_four_queries_whatever_the_size_of_the_shelf(
    django_assert_num_queries, today
):
    for code in ("MED", "SPT", "TRV"):
        for _ in range(4):
            make_benefit(cells={Tier.GOLD: 2, Tier.DIAMOND: 3}, category_code=code)
    # top categories, shelf cells, usage (one GROUP BY), customers per tier (one GROUP BY)
    with django_assert_num_queries(4):
        matrix = shelf_matrix(today=today)
    assert sum(r.benefit_count for r in matrix.rows) == 24


def test_the_matrix_page_links_each_benefit_to_its_page(office: Office, gold_benefit):
    client = office.client_for(office.product)
    response = client.get(reverse("admin:bookshelf_shelf_matrix"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("admin:benefits_benefit_change", args=[gold_benefit.pk]) in body
    assert 'data-tier="gold"' in body
    # Linked from the admin index and the header.
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:bookshelf_shelf_matrix") in index


def test_usage_by_month_and_tier_is_one_group_by(today, django_assert_num_queries):
    benefit = make_benefit(cells={Tier.GOLD: 50, Tier.DIAMOND: 50})
    gold = make_customer(tier=Tier.GOLD)
    diamond = make_customer(tier=Tier.DIAMOND)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for _ in range(3):
        _use(gold, benefit, when=this_month)
    _use(diamond, benefit, when=this_month)
    _use(gold, benefit, when=last_month + timedelta(days=3))
    _use(gold, benefit, when=today - timedelta(days=800))  # too old
    with django_assert_num_queries(1):
        usage = benefit_usage_by_month(benefit_id=benefit.pk, today=today)
    assert len(usage.months) == 12 and usage.months[-1] == this_month
    assert usage.months[-2] == last_month
    assert usage.counts == {
        (this_month, Tier.GOLD): 3,
        (this_month, Tier.DIAMOND): 1,
        (last_month, Tier.GOLD): 1,
    }
    assert usage.total == 5 and usage.month_total(this_month) == 4


def test_the_chart_stacks_tiers_and_scales_to_a_round_top():
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 42, 180)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        50,
        200,
    ]
    from bookshelf.review.selectors import UsageByMonth

    months = [date(2026, m, 1) for m in range(1, 4)]
    usage = UsageByMonth(
        months=months,
        tiers=[t.value for t in Tier],
        counts={(months[0], Tier.GOLD): 6, (months[0], Tier.DIAMOND): 2, (months[2], Tier.GOLD): 4},
    )
    chart = stacked_usage_chart(usage, width=400, height=200)
    plot_h = chart.bottom - chart.top
    assert [(b.tier_slug, b.count) for b in chart.bars] == [
        ("gold", 6),
        ("diamond", 2),
        ("gold", 4),
    ]
    gold, diamond, _later = chart.bars
    assert gold.height == pytest.approx(plot_h * 6 / 10, abs=0.1)  # the axis tops at 10
    assert diamond.y + diamond.height == pytest.approx(gold.y, abs=0.1)  # stacked
    assert [n for _x, _y, n in chart.totals] == [8, 4]
    assert chart.legend == [("gold", "VIP gold", 10), ("diamond", "VIP diamond", 2)]


def test_the_benefit_page_draws_its_usage_as_inline_svg(office: Office, gold_benefit):
    _use(office.mine, gold_benefit)
    client = office.client_for(office.product)
    response = client.get(reverse("admin:benefits_benefit_change", args=[gold_benefit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and 'data-tier="gold"' in body and 'data-count="1"' in body
    assert "<script" not in body.split('id="usage-chart"')[1].split("</fieldset>")[0]
    assert "cdn" not in body.lower()
