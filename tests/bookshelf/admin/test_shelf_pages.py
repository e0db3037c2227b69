"""The product staff's shelf: the matrix with usage rates, and a benefit's usage chart."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from benefits.models import BenefitStatus
from benefits.services import benefit_retire
from bookshelf.admin.charts import axis_ticks, nice_ceiling, stacked_usage_chart
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
    assert hlt.benefits == [] and hlt.heat == "none"
    by_code = {b.code: b for b in med_cell.benefits}
    assert set(by_code) == {med.code, draft.code}  # the retired one is off the shelf
    assert (by_code[med.code].users, by_code[med.code].rate) == (2, 0.5)
    assert by_code[med.code].heat == "high"
    assert by_code[draft.code].status == BenefitStatus.DRAFT
    assert spt_cell.benefits[0].quota is None and spt_cell.benefits[0].rate == 0.25
    # The cell: the share of the tier who used any of its benefits, and its benefits by band.
    assert (med_cell.users, med_cell.rate, med_cell.heat) == (2, 0.5, "high")
    assert med_cell.bands == [("low", 1), ("high", 1)] and med_cell.low_count == 1
    assert (spt_cell.users, spt_cell.percent) == (1, "25%")
    platinum = next(r for r in matrix.rows if r.tier == Tier.PLATINUM)
    assert platinum.cells[1].benefits[0].rate == 0.0
    assert platinum.cells[1].benefits[0].heat == "low" and platinum.cells[1].heat == "low"
    prospect = next(r for r in matrix.rows if r.tier == Tier.PROSPECT)
    assert prospect.customers == 0 and prospect.benefit_count == 0


def test_a_cells_usage_counts_each_customer_once_and_only_the_tiers_own_uses(today):
    first = make_benefit(cells={Tier.GOLD: 5}, category_code="MED")
    second = make_benefit(cells={Tier.GOLD: 5}, category_code="MED")
    retired = make_benefit(cells={Tier.GOLD: 5}, category_code="MED")
    golds = [make_customer(tier=Tier.GOLD) for _ in range(4)]
    _use(golds[0], first)
    _use(golds[0], second)  # one customer, two benefits of the category: counted once
    _use(golds[1], second)
    _use(golds[2], retired)  # a benefit since retired is off the shelf, and so are its uses
    benefit_retire(benefit=retired, reason="Unused")

    gold = next(r for r in shelf_matrix(today=today).rows if r.tier == Tier.GOLD)
    med = gold.cells[[c.category for c in gold.cells].index("MED")]
    assert [b.code for b in med.benefits] == [first.code, second.code]
    assert (med.users, med.customers, med.rate) == (2, 4, 0.5)
    assert [b.users for b in med.benefits] == [1, 2]


def test_the_matrix_runs_five_queries_whatever_the_size_of_the_shelf(
    django_assert_num_queries, today
):
    for code in ("MED", "SPT", "TRV"):
        for _ in range(4):
            make_benefit(cells={Tier.GOLD: 2, Tier.DIAMOND: 3}, category_code=code)
    # top categories, shelf cells, usage per benefit and per category (one GROUP BY each),
    # customers per tier (one GROUP BY)
    with django_assert_num_queries(5):
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
    assert gold.height == pytest.approx(plot_h * 6 / 8, abs=0.1)  # the axis tops at 8
    assert diamond.y + diamond.height == pytest.approx(gold.y, abs=0.1)  # stacked
    assert [n for _x, _y, n in chart.totals] == [8, 4]
    assert chart.legend == [("gold", "VIP gold", 10), ("diamond", "VIP diamond", 2)]


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3]),
        (8, [0, 2, 4, 6, 8]),
        (10, [0, 2, 4, 6, 8, 10]),
        (13, [0, 5, 10, 15]),
        (42, [0, 10, 20, 30, 40, 50]),
        (180, [0, 50, 100, 150, 200]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_the_usage_chart_ticks_are_evenly_spaced_integers_from_a_nice_step(peak, ticks):
    """Was 0, 2, 5, 8, 10 for a peak of 10: a round top cut in four, each tick rounded."""
    assert axis_ticks(peak) == ticks
    from bookshelf.review.selectors import UsageByMonth

    month = date(2026, 1, 1)
    counts = {(month, Tier.GOLD): peak} if peak else {}
    chart = stacked_usage_chart(UsageByMonth(months=[month], tiers=[Tier.GOLD], counts=counts))
    values = [value for _y, value in chart.y_ticks]
    assert values == ticks
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) == 1 and all(isinstance(v, int) for v in values)
    gaps = {round(a[0] - b[0], 3) for a, b in itertools.pairwise(chart.y_ticks)}
    assert len(gaps) == 1  # evenly spaced on the page too
    assert chart.y_ticks[-1][0] == pytest.approx(chart.top)  # the top tick is the plot's top


def test_the_benefit_page_draws_its_usage_as_inline_svg(office: Office, gold_benefit):
    _use(office.mine, gold_benefit)
    client = office.client_for(office.product)
    response = client.get(reverse("admin:benefits_benefit_change", args=[gold_benefit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and 'data-tier="gold"' in body and 'data-count="1"' in body
    assert "<script" not in body.split('id="usage-chart"')[1].split("</fieldset>")[0]
    assert "cdn" not in body.lower()


# -- the matrix page: compact by default, every benefit on request --------------------------


def _matrix(client, **params):
    return client.get(reverse("admin:bookshelf_shelf_matrix"), params)


def test_the_matrix_page_is_compact_by_default_with_the_benefits_on_demand(
    office: Office, gold_benefit
):
    client = office.client_for(office.product)
    response = _matrix(client)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-view="compact"' in body
    gold_row = body.split('data-tier="gold"')[1].split("</tr>")[0]
    cell = gold_row.split('class="cell heat-')[1].split("</td>")[0]
    assert 'data-count="1"' in cell and "1 benefit" in cell
    # Its benefits are folded in the cell, each linking to its page, and the cell links to
    # the shelf cells of that tier and category.
    books = cell.split("<details")[1].split("</details>")[0]
    assert reverse("admin:benefits_benefit_change", args=[gold_benefit.pk]) in books
    top = gold_benefit.code.split(".")[0]
    assert f"?tier__exact={Tier.GOLD.value}&amp;top={top}" in books
    assert 'href="?view=detail"' in body


def test_the_detailed_matrix_shows_every_benefit_open(office: Office, gold_benefit):
    client = office.client_for(office.product)
    body = _matrix(client, view="detail").content.decode()
    assert 'data-view="detail"' in body and "<details" not in body
    gold_row = body.split('data-tier="gold"')[1].split("</tr>")[0]
    assert 'a class="book heat-' in gold_row and f'data-code="{gold_benefit.code}"' in gold_row
    assert "2 uses a year" in gold_row  # the allowance in words, not "× 2"


def test_an_unknown_matrix_view_says_so_and_shows_the_compact_one(office: Office, gold_benefit):
    client = office.client_for(office.product)
    response = _matrix(client, view="huge")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown view “huge”: showing the compact matrix." in body
    assert 'data-view="compact"' in body


@pytest.mark.parametrize("view", ["compact", "detail"])
def test_the_matrix_page_runs_a_fixed_number_of_queries(office: Office, view):
    client = office.client_for(office.product)
    _matrix(client, view=view)  # the session and permissions warmed up

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _matrix(client, view=view).status_code == 200
        return len(queries)

    small = count()
    for code in ("MED", "SPT", "TRV"):
        for _ in range(5):
            make_benefit(cells={Tier.GOLD: 2, Tier.HIGH_NET_WORTH: 3}, category_code=code)
    make_customer(tier=Tier.HIGH_NET_WORTH)
    larger = count()
    assert (small, larger) == (MATRIX_PAGE_QUERIES, MATRIX_PAGE_QUERIES)


# session, user, the user's permissions (own and groups), the admin's app list (the tier
# settings' "one row" add rule), then the five of `shelf_matrix`, and the count of benefits
# lacking a translation (one COUNT, whatever the size of the shelf)
MATRIX_PAGE_QUERIES = 11
