"""The shelf matrix coloured by cost per user (`?colour=cost`): a cell's cost per user is the
yuan of its uses in the usage window over its distinct users; one more query, only then."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookshelf.fulfilment.services import use_request
from bookshelf.models import ContractPrice, CostEntry, Redemption
from bookshelf.review.selectors import shelf_matrix
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


def _priced(cost: str, name: str):
    benefit = make_benefit(cells={Tier.GOLD: 10}, category_code="MED", name=name)
    supplier = make_supplier(f"s-{name.lower()}", benefits=[benefit])
    ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal(cost), valid_from=date(2020, 1, 1)
    )
    return benefit


def _use(customer, benefit, when: date | None = None):
    redemption = use_request(customer=customer, benefit_code=benefit.code).redemption
    if when is not None:
        at = timezone.make_aware(datetime.combine(when, time(10)))
        Redemption.objects.filter(pk=redemption.pk).update(created_at=at)
        CostEntry.objects.filter(redemption_id=redemption.pk).update(fulfilled_at=at)
    return redemption


@pytest.fixture
def costly(db, today):
    """Gold: X at 300 used twice by one customer and once by another (900 / 2 users = 450),
    Y at 20 used once (20 / 1); one more X use 120 days ago, out of the window."""
    x, y = _priced("300.00", "Xray"), _priced("20.00", "Yoga")
    first, second = make_customer(tier=Tier.GOLD), make_customer(tier=Tier.GOLD)
    _use(first, x)
    _use(first, x)
    _use(second, x)
    _use(first, y)
    _use(second, x, when=today - timedelta(days=120))
    return x, y


def _gold_med(matrix):
    gold = next(r for r in matrix.rows if r.tier == Tier.GOLD)
    return gold.cells[[c.category for c in gold.cells].index("MED")]


def test_cost_per_user_of_each_benefit_and_cell_picks_its_band(costly, today):
    x, y = costly
    cell = _gold_med(shelf_matrix(today=today, colour="cost"))
    by_code = {b.code: b for b in cell.benefits}
    assert (by_code[x.code].cost, by_code[x.code].users) == (Decimal("900.00"), 2)
    assert by_code[x.code].cost_per_user == Decimal("450.00")
    assert by_code[x.code].cost_band == "high"
    assert (by_code[y.code].cost_per_user, by_code[y.code].cost_band) == (Decimal("20.00"), "low")
    # The cell: 920 yuan over the 2 customers who used any of its benefits.
    assert (cell.cost, cell.users, cell.cost_per_user) == (Decimal("920.00"), 2, Decimal("460.00"))
    assert cell.cost_band == "high"
    # By usage, no cost is read.
    assert _gold_med(shelf_matrix(today=today)).cost is None


def test_a_benefit_nobody_used_has_no_cost_band(costly, today):
    unused = _priced("5000.00", "Zen")
    cell = _gold_med(shelf_matrix(today=today, colour="cost"))
    zen = next(b for b in cell.benefits if b.code == unused.code)
    assert (zen.cost, zen.cost_per_user, zen.cost_band) == (Decimal("0.00"), None, "none")


def test_colouring_by_cost_adds_exactly_one_query(costly, today, django_assert_num_queries):
    # the five of the matrix by usage, and the yuan of the same uses (one GROUP BY)
    with django_assert_num_queries(6):
        shelf_matrix(today=today, colour="cost")


def _page(client, **params):
    return client.get(reverse("admin:bookshelf_shelf_matrix"), params)


@pytest.mark.parametrize("view", ["compact", "detail"])
def test_the_matrix_page_coloured_by_cost(office: Office, costly, view):
    body = _page(office.client_for(office.product), view=view, colour="cost").content.decode()
    assert 'id="cost-legend"' in body and "≥ ¥1,000" in body and "¥200–1,000" in body
    assert 'id="colour-cost" class="current"' in body
    gold_row = body.split('data-tier="gold"')[1].split("</tr>")[0]
    if view == "compact":
        assert 'class="cell cost-high"' in gold_row and 'data-cost-per-user="460.00"' in gold_row
        assert "¥460.00" in gold_row
        assert 'href="?view=detail&amp;colour=cost"' in body
    else:
        assert 'a class="book cost-high status-on_shelf" href' in gold_row
        assert "¥450.00" in gold_row


def test_an_unknown_colouring_says_so_and_colours_by_usage(office: Office, costly):
    body = _page(office.client_for(office.product), colour="price").content.decode()
    assert "Unknown colouring “price”: coloured by usage." in body
    assert 'class="cell heat-' in body and 'id="cost-legend"' not in body


@pytest.mark.parametrize("view", ["compact", "detail"])
def test_the_matrix_page_by_cost_runs_one_query_more(office: Office, view):
    client = office.client_for(office.product)
    _page(client, view=view, colour="cost")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _page(client, view=view, colour="cost").status_code == 200
        return len(queries)

    small = count()
    for code in ("MED", "SPT"):
        for _ in range(3):
            make_benefit(cells={Tier.GOLD: 2}, category_code=code)
    # the page's 11 by usage (tests/bookshelf/admin/test_shelf_pages.py) and the cost GROUP BY
    assert (small, count()) == (12, 12)


def test_a_supervisor_reads_the_matrix_but_not_its_costs(office: Office, costly):
    """Supervisors read the matrix (usage) but not what benefits cost: that is product
    staff's (the permission to read cost lines)."""
    client = office.client_for(office.supervisor.user)
    page = _page(client)
    assert page.status_code == 200
    assert 'id="colour-cost"' not in page.content.decode()
    assert _page(client, colour="cost").status_code == 403
    assert 'id="colour-cost"' in _page(office.client_for(office.product)).content.decode()
