"""The desk under time pressure (issue 15): the outcome of a use or a push is drawn where the
agent acted, with what is left; a use is asked before it is recorded; the forms offer the
benefit the agent clicked (else the first suggestion or recommendation), in shelf order."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from bookshelf.ledger.services import redemption_create
from bookshelf.models import AgentSuggestion, Push, Redemption
from customers.models import Relation, Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def _desk(client, customer, **params):
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    return client.get(url, params)


def _redeem(client, customer, **data):
    url = reverse("admin:customers_customer_redeem", args=[customer.pk])
    return client.post(url, {"token": data.pop("token", "tok"), **data})


def _row_and_next(body: str, code: str) -> str:
    """The benefit's row and the element right after it."""
    start = body.index(f'<tr data-code="{code}"')
    end = body.index("</tr>", body.index("</tr>", start) + 5)
    return body[start:end]


def _selected(body: str, form_id: str) -> str:
    section = body[body.index(f'id="{form_id}"') :]
    select = section[section.index('name="benefit"') : section.index("</select>")]
    found = re.search(r'<option value="([^"]+)" selected>', select)
    return found.group(1) if found else ""


def _options(body: str, form_id: str) -> list[str]:
    section = body[body.index(f'id="{form_id}"') :]
    select = section[section.index('name="benefit"') : section.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select)


def test_a_recorded_use_is_drawn_under_its_row_with_what_is_left(office: Office):
    customer = office.mine
    # Enough benefits that the categories start collapsed.
    for i in range(16):
        make_benefit(cells={Tier.GOLD: 3}, category_code="SPT", name=f"Sport {i}")
    escort = make_benefit(cells={Tier.GOLD: 3}, category_code="MED", name="VIP hospital escort")
    client = office.client_for(office.agent.user)
    response = _redeem(client, customer, benefit=escort.code, confirm="1")
    assert response.status_code == 302
    # Back on the desk, scrolled to the outcome, with the forms on the benefit just used.
    assert response["Location"].endswith(f"?benefit={escort.code}#outcome")
    page = client.get(response["Location"])
    body = page.content.decode()
    row = _row_and_next(body, escort.code)
    assert 'class="outcome-row"' in row and 'id="outcome"' in row
    assert "Recorded a use of VIP hospital escort" in row and "2 left this period" in row
    # Not at the top of the page, where the browser is not looking.
    assert 'class="messagelist"' not in body
    # The category holding the row is open; the others stay collapsed with their counts.
    assert re.search(r'<details class="cat-group" data-group="MED" open>', body)
    assert re.search(r'<details class="cat-group" data-group="SPT">', body)
    assert page.context["outcome"].redemption_id == Redemption.objects.get().pk


def test_a_refused_use_is_drawn_under_its_row_too(office: Office):
    customer = office.mine
    benefit = make_benefit(cells={Tier.GOLD: 1}, name="Check-up")
    redemption_create(customer=customer, benefit_code=benefit.code)
    client = office.client_for(office.agent.user)
    response = _redeem(client, customer, benefit=benefit.code, confirm="1")
    body = client.get(response["Location"]).content.decode()
    row = _row_and_next(body, benefit.code)
    assert "outcome-error" in row
    assert "No uses of this benefit are left for this period." in row
    assert Redemption.objects.count() == 1


def test_a_push_is_drawn_in_the_push_card_with_what_is_left(office: Office, gold_benefit):
    client = office.client_for(office.agent.user)
    customer = office.mine
    url = reverse("admin:customers_customer_push", args=[customer.pk])
    response = client.post(
        url, {"token": "tok-p", "benefit": gold_benefit.code, "channel": "app_message"}
    )
    assert Push.objects.count() == 1
    assert response["Location"].endswith("#outcome")
    body = client.get(response["Location"]).content.decode()
    card = body[body.index('id="push"') : body.index('id="family"')]
    assert 'id="outcome"' in card
    assert f"Pushed Green channel ({gold_benefit.code})" in card
    assert f"{gold_benefit.code}: 2 left this period" in card
    assert 'class="messagelist"' not in body


def test_a_use_is_not_recorded_until_the_agent_confirms(office: Office):
    customer = office.mine
    child = make_customer(tier=Tier.ORDINARY, agent=office.agent, age=10, name="王小宝")
    make_family(customer, child, Relation.CHILD)
    benefit = make_benefit(cells={Tier.GOLD: 3}, shareable=True, family_quota=1, name="Escort")
    client = office.client_for(office.agent.user)
    token = _desk(client, customer).context["token"]
    asked = _redeem(client, customer, token=token, benefit=benefit.code)
    assert asked.status_code == 200
    assert not Redemption.objects.exists()
    body = asked.content.decode()
    assert "Record a use?" in body
    assert benefit.code in body and "Escort" in body
    assert f"{customer.customer_no} 王** (the customer)" in body
    assert "3 left this period" in body
    assert 'name="confirm" value="1"' in body and f'value="{token}"' in body
    # For a relative, what is left is the family's share.
    for_child = _redeem(
        client, customer, token=token, benefit=benefit.code, beneficiary=child.customer_no
    )
    text = for_child.content.decode()
    assert f"{child.customer_no} 王**" in text and "1 left this period" in text
    assert not Redemption.objects.exists()
    # Confirmed (the page re-posts the same token): one use, and the token is then spent.
    done = _redeem(client, customer, token=token, benefit=benefit.code, confirm="1")
    assert done.status_code == 302
    assert Redemption.objects.count() == 1
    _redeem(client, customer, token=token, benefit=benefit.code, confirm="1")
    assert Redemption.objects.count() == 1


def test_the_confirmation_of_a_benefit_with_nothing_left_offers_no_confirm(office: Office):
    customer = office.mine
    benefit = make_benefit(cells={Tier.GOLD: 1})
    redemption_create(customer=customer, benefit_code=benefit.code)
    client = office.client_for(office.agent.user)
    body = _redeem(client, customer, benefit=benefit.code).content.decode()
    assert "nothing was recorded" in body
    assert 'name="confirm"' not in body
    assert Redemption.objects.count() == 1


def test_the_desk_carries_the_confirmation_dialog_and_its_script(office: Office, gold_benefit):
    body = _desk(office.client_for(office.agent.user), office.mine).content.decode()
    assert '<dialog id="confirm-use"' in body
    assert 'id="desk-left" type="application/json"' in body
    assert "bookshelf/desk.js" in body and "<script>" not in body
    assert body.count("data-confirm-use") == 2  # the row's button and the side form


def test_the_forms_list_benefits_in_shelf_order_in_option_groups(office: Office):
    customer = office.mine
    # Codes sort one way, the shelf (category position, then the tier's order) another.
    sport = make_benefit(cells={Tier.GOLD: 2}, category_code="SPT", name="Gym")
    medical = make_benefit(cells={Tier.GOLD: 2}, category_code="MED", name="Escort")
    body_response = _desk(office.client_for(office.agent.user), customer)
    desk = body_response.context["desk"]
    shelf_order = [e.code for e in desk.shelf_order]
    assert set(shelf_order) == {sport.code, medical.code}
    body = body_response.content.decode()
    assert _options(body, "record-use") == shelf_order
    assert _options(body, "push") == shelf_order
    assert body.count("<optgroup") == 2 * len(desk.tier_groups)


def test_the_forms_default_to_the_clicked_benefit_else_a_suggestion(office: Office):
    customer = office.mine
    first = make_benefit(cells={Tier.GOLD: 2}, name="First")
    second = make_benefit(cells={Tier.GOLD: 2}, name="Second")
    suggested = make_benefit(cells={Tier.GOLD: 2}, name="Suggested")
    client = office.client_for(office.agent.user)
    clicked = _desk(client, customer, benefit=second.code).content.decode()
    assert _selected(clicked, "record-use") == second.code
    assert _selected(clicked, "push") == second.code
    # A code the customer cannot use is ignored: the default stands.
    AgentSuggestion.objects.create(
        agent=office.agent, customer=customer, benefit=suggested, reason="r", dedupe_key="k1"
    )
    page = _desk(client, customer, benefit="NOPE.01.999")
    body = page.content.decode()
    assert _selected(body, "record-use") == suggested.code
    assert _selected(body, "push") == suggested.code
    # Without a suggestion: the first recommendation, else the first row of the shelf.
    AgentSuggestion.objects.all().delete()
    page = _desk(client, customer)
    recommended = [r.code for r in page.context["recommendations"].recommendations]
    expected = recommended[0] if recommended else page.context["desk"].shelf_order[0].code
    assert _selected(page.content.decode(), "record-use") == expected
    assert expected in {first.code, second.code, suggested.code}


def test_default_code_prefers_click_then_suggestion_then_recommendation(office: Office):
    from bookshelf.reach.selectors import customer_desk

    customer = office.mine
    a, b, c = (make_benefit(cells={Tier.GOLD: 1}, name=n) for n in "abc")
    redemption_create(customer=customer, benefit_code=c.code)  # used up: never offered
    desk = customer_desk(customer=customer)
    first = desk.shelf_order[0].code
    assert desk.default_code() == first
    assert desk.default_code(recommended=[b.code]) == b.code
    assert desk.default_code(suggested=[a.code], recommended=[b.code]) == a.code
    assert desk.default_code(clicked=b.code, suggested=[a.code]) == b.code
    assert desk.default_code(clicked=c.code, suggested=[c.code]) == first
