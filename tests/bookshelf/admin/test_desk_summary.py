"""The ten-second test (issue 15): a summary at the top of the desk (held, unused, used up,
expiring this month, shared by family), counted by the selector from the shelf it already
loaded, so the desk's query count stays fixed whatever the number of benefits."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookshelf.ledger.services import redemption_create
from bookshelf.reach.selectors import customer_desk
from bookshelf.shelf.models import QuotaPeriod
from customers.models import Relation, Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db

# The whole desk page for an agent, shelf cache warm: session, user, permissions (2), the
# agent, the customer, the desk selector's 12 (see test_desk.py), the recommendations (their
# own shelf read, life events, usage, consents), the open suggestions, the relatives in
# scope, the access-log inserts (the name, the relatives' names), the consent texts, the
# customer's agent. The same count as before the summary, the filter and the outcome.
# 32 + the recent uses the agent may still cancel (one query) + what the customer asked for
# that their tier already holds (one query, bookshelf.review demand_asked_held).
# 34 + the customer's open requests (one query, bookshelf.fulfilment open_fulfilments_for);
# their open operations cases are one more only when there is an open request
# (tests/bookshelf/admin/test_desk_fulfilment.py pins that page at 37).
# 35 + the used-up budgets of the benefits on the shelf (one query, bookshelf.money
# budgets_exhausted: marked "Budget used up", left out of the use form).
# 36 + the customer's value profile (one query, bookshelf.reach.value; the recommendations
# take it from the desk instead of reading it again).
# 37 - 6: the benefit centre's family, policies, balances and purchases are one statement
# (config.db_batch), in the desk's read of the shelf and in the recommendations' alike;
# 31 - 3: the recommendations' events, year's uses and consents join that statement.
DESK_PAGE_QUERIES = 28


def _shelf(office: Office) -> dict[str, object]:
    customer = office.mine
    used_up = make_benefit(cells={Tier.GOLD: 1}, name="Used up")
    half = make_benefit(cells={Tier.GOLD: 3}, name="Half used")
    monthly = make_benefit(
        cells={Tier.GOLD: 2}, period=QuotaPeriod.CALENDAR_MONTH, name="Monthly", category_code="SPT"
    )
    monthly_gone = make_benefit(
        cells={Tier.GOLD: 1}, period=QuotaPeriod.CALENDAR_MONTH, name="Monthly, used"
    )
    unlimited = make_benefit(cells={Tier.GOLD: None}, name="Unlimited")
    spouse = make_customer(tier=Tier.PLATINUM, agent=office.agent, name="王太太")
    make_family(customer, spouse, Relation.SPOUSE)
    shared = make_benefit(
        cells={Tier.PLATINUM: 4}, shareable=True, family_quota=2, name="Shared escort"
    )
    for benefit in (used_up, half, monthly_gone):
        redemption_create(customer=customer, benefit_code=benefit.code)
    return {"monthly": monthly, "unlimited": unlimited, "shared": shared, "half": half}


def test_the_summary_counts_what_the_customer_holds(office: Office):
    made = _shelf(office)
    desk = customer_desk(customer=office.mine)
    s = desk.summary
    # The month's uses lapse at its end (not the used-up one's); in December the year's too.
    expiring = {made["monthly"].code} | (
        {made["half"].code} if desk.shelf.today.month == 12 else set()
    )
    assert s.expiring_codes == expiring
    assert (s.held, s.unused, s.used_up, s.expiring, s.shared) == (5, 2, 2, len(expiring), 1)
    body = (
        office.client_for(office.agent.user)
        .get(reverse("admin:customers_customer_change", args=[office.mine.pk]))
        .content.decode()
    )
    start = body.index('class="desk-summary"')
    summary = body[start : body.index("</nav>", start)]
    counts = ((5, "held"), (2, "unused"), (2, "used up"), (len(expiring), "expiring this month"))
    for number, label in counts:
        assert f"<strong>{number}</strong><span>{label}</span>" in summary
    assert "<strong>1</strong><span>shared by family</span>" in summary
    # The rows the summary filters carry their state; the month's benefit says it ends.
    row = body[body.index(f'<tr data-code="{made["monthly"].code}"') :]
    assert 'data-state="unused expiring"' in row[:800] and "ends this month" in row[:1600]


def test_the_summary_adds_no_query_to_the_selector(office: Office, django_assert_num_queries):
    _shelf(office)
    customer_desk(customer=office.mine)  # warm the shelf cache
    # The same pin as before the summary, + the open requests (none: no cases query), + the
    # value profile; the household, balances and purchases are one statement (3 fewer).
    with django_assert_num_queries(11):
        desk = customer_desk(customer=office.mine)
        _ = (desk.summary, desk.shelf_order, desk.usable_groups(), desk.default_code())


def test_the_desk_page_runs_a_pinned_number_of_queries(office: Office):
    client = office.client_for(office.agent.user)
    url = reverse("admin:customers_customer_change", args=[office.mine.pk])

    def queries() -> int:
        client.get(url)  # warm the caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    _shelf(office)
    assert queries() == DESK_PAGE_QUERIES
    for i in range(20):  # a high-net-worth shelf is many rows: no query per row
        make_benefit(cells={Tier.GOLD: 2}, category_code="SPT", name=f"More {i}")
    assert queries() == DESK_PAGE_QUERIES
