"""The agent's desk: finding a customer, their bookshelf at a glance, recording a use."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookshelf.ledger.services import purchase_create, redemption_cancel, redemption_create
from bookshelf.models import Channel, Redemption
from bookshelf.reach.selectors import customer_desk
from customers.models import PiiAccessLog, Relation, Tier
from customers.pii import mask_id_number, mask_phone
from customers.services import tier_override_create
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def _desk(client, customer):
    return client.get(reverse("admin:customers_customer_change", args=[customer.pk]))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("term", ["no", "name", "last4", "last2"])
def test_find_a_customer_by_number_name_or_last_phone_digits(office: Office, term):
    customer = office.mine
    other = make_customer(tier=Tier.ORDINARY, agent=office.agent, name="陈大文")
    # Customers are numbered in sequence: the other one must not share the digits searched
    # (in its number or phone), or it is rightly found too.
    while customer.phone[-2:] in other.customer_no + other.phone[-4:]:
        other.delete()
        other = make_customer(tier=Tier.ORDINARY, agent=office.agent, name="陈大文")
    query = {
        "no": customer.customer_no,
        "name": "王小",
        "last4": customer.phone[-4:],
        "last2": customer.phone[-2:],
    }[term]
    client = office.client_for(office.agent.user)
    response = client.get(reverse("admin:customers_customer_changelist"), {"q": query})
    found = list(response.context["cl"].result_list)
    assert customer in found
    assert other not in found


def test_agents_see_personal_data_of_their_customers_one_page_at_a_time(office: Office):
    client = office.client_for(office.agent.user)
    body = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    # The list names the customer but keeps the phone masked, even for agents.
    assert office.mine.name in body
    assert office.mine.phone not in body
    assert mask_phone(office.mine.phone) in body
    assert not PiiAccessLog.objects.exists()
    desk = _desk(client, office.mine).content.decode()
    # The desk names the customer; phone and ID stay masked until the agent reveals them.
    assert office.mine.name in desk
    assert office.mine.phone not in desk and mask_phone(office.mine.phone) in desk
    assert office.mine.id_number not in desk
    # ... and the name shown is in the audit log, without the numbers that were not.
    log = PiiAccessLog.objects.get()
    assert (log.user, log.customer, log.view_name, log.fields) == (
        office.agent.user,
        office.mine,
        "admin:customers_customer_change",
        ["name"],
    )


def test_product_staff_see_personal_data_masked_everywhere(office: Office):
    client = office.client_for(office.product)
    customer = office.mine
    pages = [
        client.get(reverse("admin:customers_customer_changelist")),
        client.get(reverse("admin:customers_customer_changelist"), {"q": customer.phone[-4:]}),
        _desk(client, customer),
        client.get(reverse("admin:customers_customer_edit", args=[customer.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert customer.phone not in body
        assert customer.id_number not in body
        assert customer.name not in body
        assert customer.birth_date.isoformat() not in body
    assert mask_phone(customer.phone) in pages[0].content.decode()
    assert mask_id_number(customer.id_number) in pages[2].content.decode()
    # The record page offers no personal field to edit, not even hidden.
    form = pages[3].context["adminform"].form
    assert not {"phone", "id_number", "name", "birth_date"} & set(form.fields)


def test_the_desk_shows_the_bookshelf_at_a_glance(office: Office):
    customer = office.mine
    held = make_benefit(cells={Tier.GOLD: 3}, name="Expert outpatient booking")
    shared = make_benefit(
        cells={Tier.PLATINUM: 4}, shareable=True, family_quota=2, name="VIP hospital escort"
    )
    paid = make_benefit(price=Decimal("199"), kind="paid", name="Dental cleaning")
    spouse = make_customer(tier=Tier.PLATINUM, agent=office.agent, name="王太太")
    make_family(customer, spouse, Relation.SPOUSE)
    redemption_create(customer=customer, benefit_code=held.code)
    purchase_create(
        customer=customer, benefit_code=paid.code, quantity=2, payment_reference="PAY-1"
    )
    tier_override_create(
        customer=spouse,
        tier=Tier.PLATINUM,
        reason="Key account",
        expires_at=timezone.now() + timedelta(days=30),
    )
    response = _desk(office.client_for(office.agent.user), customer)
    assert response.status_code == 200
    body = response.content.decode()
    desk = response.context["desk"]
    # Tier and why: the rule and the policy behind it.
    assert customer.tier_reason in body
    assert desk.policies[0].policy_no in body
    # Held by category, with used and remaining.
    entry = next(e for e in desk.shelf.entries if e.code == held.code)
    assert (entry.used, entry.remaining) == (1, 2)
    assert f'data-code="{held.code}"' in body
    assert 'data-remaining="2"' in body
    # What family shares, purchases, recent uses and the family itself.
    assert [e.code for e in desk.family_shares] == [shared.code]
    assert paid.code in body and "PAY-1" not in body  # purchases shown, not payment refs
    assert [r.benefit_code for r in desk.redemptions] == [held.code]
    assert spouse.customer_no in body


def test_the_desk_runs_a_fixed_number_of_queries(office: Office, django_assert_num_queries):
    customer = office.mine
    for i in range(6):
        benefit = make_benefit(cells={Tier.GOLD: 3}, name=f"Benefit {i}")
        redemption_create(customer=customer, benefit_code=benefit.code)
    for _ in range(3):
        make_family(customer, make_customer(tier=Tier.GOLD, agent=office.agent))
    customer_desk(customer=customer)  # warm the shelf cache
    # household, its policies, balances and purchases (one statement), policies, tier rules,
    # override, tier changes, uses, purchase history, pushes, top categories, open requests
    # (no open request: no cases query), the value profile; the shelf cells come from the
    # cache.
    with django_assert_num_queries(11):
        desk = customer_desk(customer=customer)
        _ = (desk.tier_groups, desk.family_shares, desk.usable_entries, desk.age)


def test_recording_a_use_goes_through_the_service_and_the_remaining_count_drops(
    office: Office, gold_benefit
):
    client = office.client_for(office.agent.user)
    customer = office.mine
    token = _desk(client, customer).context["token"]
    response = client.post(
        reverse("admin:customers_customer_redeem", args=[customer.pk]),
        {"token": token, "benefit": gold_benefit.code, "confirm": "1"},
    )
    assert response.status_code == 302
    redemption = Redemption.objects.get(holder=customer)
    assert redemption.channel == Channel.AGENT
    assert redemption.recorded_by == office.agent.user
    assert any("1 left this period" in m for m in _messages(response))
    desk = _desk(client, customer)
    assert 'data-remaining="1"' in desk.content.decode()


def test_a_refused_use_shows_the_services_message_and_records_nothing(office: Office):
    client = office.client_for(office.agent.user)
    customer = office.mine
    benefit = make_benefit(cells={Tier.GOLD: 1})
    redemption_create(customer=customer, benefit_code=benefit.code)
    response = client.post(
        reverse("admin:customers_customer_redeem", args=[customer.pk]),
        {"token": "tok-2", "benefit": benefit.code, "confirm": "1"},
    )
    assert response.status_code == 302
    assert _messages(response) == ["No uses of this benefit are left for this period."]
    assert Redemption.objects.filter(holder=customer).count() == 1
    not_held = make_benefit(cells={Tier.DIAMOND: 1})
    response = client.post(
        reverse("admin:customers_customer_redeem", args=[customer.pk]),
        {"token": "tok-3", "benefit": not_held.code, "confirm": "1"},
    )
    assert _messages(response)[-1] == "The customer's tier does not include this benefit."


def test_a_family_member_uses_the_customers_shared_allowance(office: Office):
    client = office.client_for(office.agent.user)
    customer = office.mine
    child = make_customer(tier=Tier.ORDINARY, agent=office.agent, age=10)
    make_family(customer, child, Relation.CHILD)
    benefit = make_benefit(cells={Tier.GOLD: 3}, shareable=True, family_quota=1)
    client.post(
        reverse("admin:customers_customer_redeem", args=[customer.pk]),
        {
            "token": "tok-f",
            "benefit": benefit.code,
            "beneficiary": child.customer_no,
            "confirm": "1",
        },
    )
    redemption = Redemption.objects.get()
    assert (redemption.holder, redemption.beneficiary) == (customer, child)


def test_the_same_form_sent_twice_records_one_use(office: Office, gold_benefit):
    client = office.client_for(office.agent.user)
    url = reverse("admin:customers_customer_redeem", args=[office.mine.pk])
    data = {"token": "same-token", "benefit": gold_benefit.code, "confirm": "1"}
    client.post(url, data)
    response = client.post(url, data)
    assert Redemption.objects.count() == 1
    assert any("already sent" in m for m in _messages(response))


def test_agents_without_usable_benefits_get_no_forms(office: Office):
    response = _desk(office.client_for(office.agent.user), office.mine)
    assert response.context["can_redeem"] is False
    assert "record-use" not in response.content.decode()


def test_the_desk_page_does_not_query_per_benefit_or_per_row(office: Office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = office.client_for(office.agent.user)
    customer = office.mine

    def page_queries() -> int:
        _desk(client, customer)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            assert _desk(client, customer).status_code == 200
        return len(ctx)

    def add_some() -> None:
        for _ in range(3):
            benefit = make_benefit(cells={Tier.GOLD: 3}, category_code="SPT")
            redemption_create(customer=customer, benefit_code=benefit.code)
            make_family(customer, make_customer(tier=Tier.GOLD, agent=office.agent))

    add_some()
    before = page_queries()
    add_some()
    assert page_queries() == before


def test_a_form_whose_use_was_refused_can_be_sent_again(office: Office):
    """The one-time token is spent in the transaction of the work: a refused use gives the
    token back with everything else (as the API's Idempotency-Key), so the agent's retry
    after the cause is fixed records the use instead of "already sent"."""
    client = office.client_for(office.agent.user)
    customer = office.mine
    benefit = make_benefit(cells={Tier.GOLD: 1})
    first = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    url = reverse("admin:customers_customer_redeem", args=[customer.pk])
    data = {"token": "retry-token", "benefit": benefit.code, "confirm": "1"}
    refused = client.post(url, data)
    assert _messages(refused) == ["No uses of this benefit are left for this period."]
    redemption_cancel(redemption=first)  # a use given back: one is left again
    again = client.post(url, data)
    assert any("Recorded a use" in m for m in _messages(again)), _messages(again)
    assert Redemption.objects.filter(holder=customer, status="completed").count() == 1
    # Now spent with its work: the same form a third time records nothing.
    third = client.post(url, data)
    assert any("already sent" in m for m in _messages(third))
    assert Redemption.objects.filter(holder=customer, status="completed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_records_one_use(office: Office):
    """Two submissions of one form racing on PostgreSQL: the second waits on the token's
    unique row until the first commits its use, then finds the token spent."""
    import threading

    from django.db import connection

    benefit = make_benefit(cells={Tier.GOLD: 5})
    url = reverse("admin:customers_customer_redeem", args=[office.mine.pk])
    data = {"token": "race-token", "benefit": benefit.code, "confirm": "1"}
    barrier = threading.Barrier(4)
    said: list[str] = []

    def post() -> None:
        try:
            client = office.client_for(office.agent.user)
            barrier.wait()
            said.extend(_messages(client.post(url, data)))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Redemption.objects.filter(benefit=benefit).count() == 1
    assert sum("Recorded a use" in m for m in said) == 1
    assert sum("already sent" in m for m in said) == 3
