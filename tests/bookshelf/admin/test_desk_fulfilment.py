"""The desk and where requests stand (issue 17): a use recorded at the desk goes through the
fulfilment (requested from its supplier, or a code shown once); the "Open requests" card lists
exactly the customer's open requests with their state, appointment, supplier, deadline and
overdue cases, and cancels or rebooks them within the rules, once per form."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookshelf.admin.desk_outcome import CODE_ONCE_KEY
from bookshelf.fulfilment.pools import code_fingerprint, code_seal
from bookshelf.fulfilment.services import (
    Actor,
    Change,
    cases_open_overdue,
    fulfilment_transition,
    use_request,
)
from bookshelf.models import (
    ActorKind,
    CodePool,
    Fulfilment,
    FulfilmentState,
    OperationsCase,
    PoolCode,
    QuotaBalance,
    Redemption,
    RedemptionStatus,
)
from customers.models import Relation, Tier
from tests.bookshelf.admin.conftest import Office
from tests.bookshelf.admin.test_desk_summary import DESK_PAGE_QUERIES, _shelf
from tests.factories import make_benefit, make_customer, make_family, make_supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def escort() -> Any:
    benefit = make_benefit(
        cells={Tier.GOLD: 3}, fulfilment_kind="booked", name="Hospital escort", category_code="MED"
    )
    supplier = make_supplier(
        "kangan",
        benefits=[benefit],
        confirm_hours=4,
        deliver_hours=24 * 7,
        name="Kang'an Care",
        name_zh_hans="康安医护",
    )
    return benefit, supplier


def _desk_url(customer: Any) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def _request_url(customer: Any, redemption_id: int, action: str) -> str:
    return reverse("admin:customers_customer_request", args=[customer.pk, redemption_id, action])


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _book(fulfilment: Fulfilment, supplier: Any, *, hours_ahead: float = 48) -> Fulfilment:
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(appointment_at=timezone.now() + timedelta(hours=hours_ahead), place="Ward 3"),
    )
    return Fulfilment.objects.get(pk=fulfilment.pk)


def _booked_for(customer: Any, escort: Any, **kwargs: Any) -> Fulfilment:
    benefit, supplier = escort
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    return _book(fulfilment, supplier, **kwargs)


def test_recording_a_booked_benefit_requests_it_from_its_supplier(office: Office, escort):
    benefit, _supplier = escort
    client = office.client_for(office.agent.user)
    token = client.get(_desk_url(office.mine)).context["token"]
    response = client.post(
        reverse("admin:customers_customer_redeem", args=[office.mine.pk]),
        {"token": token, "benefit": benefit.code, "confirm": "1"},
        follow=True,
    )
    redemption = Redemption.objects.get(holder=office.mine)
    assert redemption.status == RedemptionStatus.HELD
    assert Fulfilment.objects.get(redemption_id=redemption.pk).state == "requested"
    body = response.content.decode()
    outcome = body[body.index('id="outcome"') :][:800]
    assert "Requested from Kang&#x27;an Care: the supplier confirms a time within 4 hours." in (
        outcome
    )
    # The shelf row shows the held use apart, and the card lists the request.
    assert "1 waiting for a time · 2 left" in body
    assert 'id="open-requests"' in body and f'data-request="{redemption.pk}"' in body


def _issued_benefit() -> Any:
    benefit = make_benefit(cells={Tier.GOLD: 3}, fulfilment_kind="issued", name="Coffee coupon")
    supplier = make_supplier("cafe", benefits=[benefit], name="Cafe", name_zh_hans="咖啡店")
    pool = CodePool.objects.create(benefit=benefit, supplier=supplier)
    PoolCode.objects.create(
        pool=pool,
        code_encrypted=code_seal("CAFE-1234"),
        code_hash=code_fingerprint("CAFE-1234"),
        valid_until=date(2099, 12, 31),
    )
    return benefit


def test_an_issued_code_is_shown_once_right_after_the_use(office: Office):
    benefit = _issued_benefit()
    client = office.client_for(office.agent.user)
    token = client.get(_desk_url(office.mine)).context["token"]
    response = client.post(
        reverse("admin:customers_customer_redeem", args=[office.mine.pk]),
        {"token": token, "benefit": benefit.code, "confirm": "1"},
    )
    assert "CAFE-1234" not in response.cookies.output()  # kept server side, not in a cookie
    first = client.get(response["Location"]).content.decode()
    assert '<strong class="code">CAFE-1234</strong>' in first
    assert "valid until Dec. 31, 2099" in first, first[first.index('id="outcome"') :][:900]
    assert "Read it to the customer now: it is not shown again." in first
    assert CODE_ONCE_KEY not in client.session  # nothing of it is kept after that page
    again = client.get(response["Location"]).content.decode()
    assert "CAFE-1234" not in again
    assert "CAFE-1234" not in client.get(_desk_url(office.mine)).content.decode()


def test_the_card_lists_exactly_the_customer_s_open_requests(office: Office, escort):
    benefit, supplier = escort
    customer = office.mine
    booked = _booked_for(customer, escort, hours_ahead=30)
    waiting = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    # A relative's share the customer took is theirs too (as the beneficiary).
    shared = make_benefit(
        cells={Tier.PLATINUM: 4},
        shareable=True,
        family_quota=2,
        fulfilment_kind="booked",
        name="Shared escort",
    )
    make_supplier("kangan", benefits=[shared])
    spouse = make_customer(tier=Tier.PLATINUM, agent=office.agent)
    make_family(spouse, customer, Relation.SPOUSE)
    taken = use_request(
        customer=spouse, benefit_code=shared.code, beneficiary_no=customer.customer_no
    ).fulfilment
    # Not on the card: a closed request, and another customer's.
    done = _booked_for(customer, escort)
    fulfilment_transition(
        fulfilment_id=done.pk,
        target=FulfilmentState.FULFILLED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
    )
    _booked_for(office.theirs, escort)
    response = office.client_for(office.agent.user).get(_desk_url(customer))
    rows = response.context["open_requests"]
    assert {r.fulfilment.pk for r in rows} == {booked.pk, waiting.pk, taken.pk}
    assert rows[0].fulfilment.pk == booked.pk  # the soonest appointment first
    body = response.content.decode()
    card = body[body.index('id="open-requests"') : body.index('id="suggested"')]
    assert "Booked for" in card and "Ward 3" in card and "Kang&#x27;an Care" in card
    assert "Requested: waiting for the supplier to confirm a time" in card
    assert card.count('<li class="request') == 3
    assert "overdue" not in card
    # Booked rows offer both actions; the waiting one can be cancelled only.
    assert card.count('class="rebook-form"') == 1
    assert card.count('class="request-cancel-form"') == 3
    # The shelf row: "1 booked for <day> · 1 waiting for a time" and what is left.
    assert re.search(r"1 booked for [A-Z][a-z]+ \d+ · 1 waiting for a time · 0 left", body)


def test_an_overdue_request_says_so_from_its_open_case(office: Office, escort):
    benefit, _supplier = escort
    fulfilment = use_request(customer=office.mine, benefit_code=benefit.code).fulfilment
    cases_open_overdue(now=timezone.now() + timedelta(hours=5))  # 4 hours to confirm
    assert OperationsCase.objects.filter(fulfilment=fulfilment).count() == 1
    body = office.client_for(office.agent.user).get(_desk_url(office.mine)).content.decode()
    card = body[body.index('id="open-requests"') : body.index('id="suggested"')]
    assert 'class="request overdue"' in card
    assert ">overdue</span>" in card and "Not confirmed in time" in card


def _token(client: Any, customer: Any) -> str:
    return client.get(_desk_url(customer)).context["requests_token"]


def test_the_agent_cancels_a_request_once_with_a_reason(office: Office, escort):
    fulfilment = _booked_for(office.mine, escort)
    client = office.client_for(office.agent.user)
    token = _token(client, office.mine)
    url = _request_url(office.mine, fulfilment.redemption_id, "cancel")
    # Without confirm: the page asks, and nothing changes.
    asked = client.post(url, {"token": token, "reason": "the customer is abroad"})
    assert asked.status_code == 200 and b'id="confirm-request-page"' in asked.content
    assert Fulfilment.objects.get(pk=fulfilment.pk).state == "booked"
    data = {"token": token, "reason": "the customer is abroad", "confirm": "1"}
    done = client.post(url, data)
    assert done["Location"].endswith("#outcome")
    assert any("Cancelled the request for Hospital escort" in m for m in _messages(done))
    assert Fulfilment.objects.get(pk=fulfilment.pk).state == "cancelled"
    balance = QuotaBalance.objects.get(holder=office.mine)
    assert (balance.used, balance.held) == (0, 0)
    again = client.post(url, data)  # a double submit
    assert any("already sent: nothing was changed" in m for m in _messages(again))
    balance.refresh_from_db()
    assert (balance.used, balance.held) == (0, 0)
    # The card is gone with its last request, but the outcome is drawn where it was.
    page = client.get(done["Location"]).content.decode()
    assert 'id="open-requests"' in page and "Cancelled the request" in page


def test_the_agent_rebooks_a_booked_request(office: Office, escort):
    fulfilment = _booked_for(office.mine, escort)
    client = office.client_for(office.agent.user)
    token = _token(client, office.mine)
    when = timezone.localtime() + timedelta(days=3)
    data = {
        "token": token,
        "appointment_at": when.strftime("%Y-%m-%dT%H:%M"),
        "place": "Clinic 2",
        "confirm": "1",
    }
    url = _request_url(office.mine, fulfilment.redemption_id, "rebook")
    response = client.post(url, data)
    moved = Fulfilment.objects.get(pk=fulfilment.pk)
    assert moved.state == "booked" and moved.place == "Clinic 2"
    assert moved.appointment_at == when.replace(second=0, microsecond=0)
    assert any("Rebooked Hospital escort" in m for m in _messages(response))
    assert moved.events.filter(from_state="booked", to_state="booked").count() == 1
    client.post(url, {**data, "place": "Elsewhere"})  # the same token again
    assert Fulfilment.objects.get(pk=fulfilment.pk).place == "Clinic 2"
    assert moved.events.filter(from_state="booked", to_state="booked").count() == 1


def test_past_the_cutoff_the_card_offers_nothing_and_a_post_is_refused(office: Office, escort):
    fulfilment = _booked_for(office.mine, escort, hours_ahead=1)
    client = office.client_for(office.agent.user)
    response = client.get(_desk_url(office.mine))
    body = response.content.decode()
    card = body[body.index('id="open-requests"') : body.index('id="suggested"')]
    assert "rebook-form" not in card and "request-cancel-form" not in card
    assert "it can no longer be cancelled or moved here" in card
    token = response.context["requests_token"]
    url = _request_url(office.mine, fulfilment.redemption_id, "cancel")
    refused = client.post(url, {"token": token, "reason": "late", "confirm": "1"})
    assert any("less than 2 hours away" in m for m in _messages(refused))
    assert Fulfilment.objects.get(pk=fulfilment.pk).state == "booked"
    assert QuotaBalance.objects.get(holder=office.mine).held == 1


def test_a_settled_request_is_not_cancelled_or_rebooked(office: Office, escort):
    _benefit, supplier = escort
    fulfilment = _booked_for(office.mine, escort)
    client = office.client_for(office.agent.user)
    token = _token(client, office.mine)
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.FULFILLED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
    )
    url = _request_url(office.mine, fulfilment.redemption_id, "cancel")
    refused = client.post(url, {"token": token, "reason": "too late", "confirm": "1"})
    assert any("it cannot become Cancelled" in m for m in _messages(refused)), _messages(refused)
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    rebook = _request_url(office.mine, fulfilment.redemption_id, "rebook")
    refused = client.post(rebook, {"token": token, "appointment_at": when, "confirm": "1"})
    assert any("it cannot become Booked" in m for m in _messages(refused)), _messages(refused)
    assert Fulfilment.objects.get(pk=fulfilment.pk).state == "fulfilled"
    assert Redemption.objects.get(pk=fulfilment.redemption_id).status == "completed"


def test_another_agent_s_customer_is_out_of_reach(office: Office, escort):
    theirs = _booked_for(office.theirs, escort)
    client = office.client_for(office.agent.user)
    token = _token(client, office.mine)
    for customer in (office.theirs, office.mine):  # their desk, or theirs under mine
        url = _request_url(customer, theirs.redemption_id, "cancel")
        response = client.post(url, {"token": token, "reason": "x", "confirm": "1"})
        assert response.status_code == 404
    assert Fulfilment.objects.get(pk=theirs.pk).state == "booked"


def test_the_card_adds_two_queries_to_the_desk_page(office: Office, escort):
    """The desk page's pin (test_desk_summary: 34 before issue 17, + the open requests) +
    the open operations cases of the customer's requests (one query, only when there is a
    request): 37 with two open requests, one of them overdue (36 since the desk reads the
    used-up budgets, issue 18)."""
    _shelf(office)
    benefit, _supplier = escort
    for _ in range(2):
        use_request(customer=office.mine, benefit_code=benefit.code)
    cases_open_overdue(now=timezone.now() + timedelta(hours=5))
    client = office.client_for(office.agent.user)
    url = _desk_url(office.mine)
    client.get(url)  # warm the caches
    with CaptureQueriesContext(connection) as ctx:
        assert b'class="request overdue"' in client.get(url).content
    assert len(ctx) == DESK_PAGE_QUERIES + 1 == 29
