"""Where a request stands, in a real browser (issue 17): the agent books a hospital escort for
a customer at the desk, sees it on the "Open requests" card (requested, then booked by the
supplier), moves it to a new time and place, and cancels it, each time asked first by the
desk's dialog; in English and Chinese, at 1440x1000."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bookshelf.fulfilment.services import Actor, Change, fulfilment_transition
from bookshelf.models import ActorKind, Fulfilment, FulfilmentState, QuotaBalance
from bookshelf.roles import AGENT, staff_groups_sync
from customers.models import Tier
from tests.browser.conftest import screenshot, switch_language
from tests.browser.test_workspaces import _log_in, _user
from tests.factories import AgentFactory, make_benefit, make_customer, make_supplier

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _wait_for(browser: Any, css: str) -> Any:
    return WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _confirm(browser: Any, dialog: str) -> None:
    """Confirm in the dialog and wait for the next page (not the last one's outcome)."""
    WebDriverWait(browser, 10).until(ec.visibility_of_element_located((By.ID, dialog)))
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, f"{dialog}-yes").click()
    WebDriverWait(browser, 15).until(ec.staleness_of(page))


def _supplier_books(fulfilment: Fulfilment, supplier: Any, days: int, place: str) -> None:
    at = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(appointment_at=at + timedelta(days=days), place=place),
    )


def test_an_agent_books_rebooks_and_cancels_a_hospital_escort(browser, live_server):
    staff_groups_sync()
    agent = AgentFactory(user=_user("escort-agent", AGENT))
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="王小明")
    escort = make_benefit(
        cells={Tier.GOLD: 2},
        fulfilment_kind="booked",
        name="VIP hospital escort",
        name_zh_hans="VIP 就医陪诊",
        category_code="MED",
    )
    supplier = make_supplier(
        "kangan",
        benefits=[escort],
        confirm_hours=4,
        deliver_hours=24 * 14,
        name="Kang'an Care",
        name_zh_hans="康安医护",
    )
    desk = f"{live_server.url}/admin/customers/customer/{customer.pk}/change/"

    _log_in(browser, live_server.url, "escort-agent")
    browser.get(desk)
    row = _wait_for(browser, f'tr[data-code="{escort.code}"]')
    row.find_element(By.CSS_SELECTOR, "button.use-btn").click()
    _confirm(browser, "confirm-use")
    outcome = _wait_for(browser, "#outcome")
    assert "Requested from Kang'an Care: the supplier confirms a time within 4 hours." in (
        outcome.text
    )
    card = _wait_for(browser, "#open-requests")
    assert "waiting for the supplier to confirm a time" in card.text
    screenshot(browser, "desk-1-requested", full_page=False)

    fulfilment = Fulfilment.objects.get(holder=customer)
    _supplier_books(fulfilment, supplier, days=3, place="Ruijin Hospital, gate 2")
    browser.get(desk + "#open-requests")
    card = _wait_for(browser, "#open-requests")
    assert "Booked for" in card.text and "Ruijin Hospital, gate 2" in card.text
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-code="{escort.code}"]')
    assert "1 booked for" in row.text and "1 left" in row.text
    browser.execute_script("arguments[0].scrollIntoView()", card)
    screenshot(browser, "desk-2-booked", full_page=False)

    # Rebook: a new time and place, asked first.
    card.find_element(By.CSS_SELECTOR, "details.request-action:first-child > summary").click()
    form = card.find_element(By.CSS_SELECTOR, "form.rebook-form")
    new_time = (timezone.localtime() + timedelta(days=5)).replace(hour=14, minute=30)
    browser.execute_script(
        "arguments[0].value = arguments[1]",
        form.find_element(By.NAME, "appointment_at"),
        new_time.strftime("%Y-%m-%dT%H:%M"),
    )
    place = form.find_element(By.NAME, "place")
    place.clear()
    place.send_keys("Huashan Hospital, east wing")
    form.find_element(By.CSS_SELECTOR, "button.rebook-btn").click()
    WebDriverWait(browser, 10).until(ec.visibility_of_element_located((By.ID, "confirm-request")))
    assert "Huashan Hospital, east wing" in browser.find_element(By.ID, "confirm-request").text
    screenshot(browser, "desk-3-rebook-dialog", full_page=False)
    _confirm(browser, "confirm-request")
    outcome = _wait_for(browser, "#open-requests #outcome")
    assert "Rebooked VIP hospital escort" in outcome.text
    moved = Fulfilment.objects.get(pk=fulfilment.pk)
    assert moved.place == "Huashan Hospital, east wing"
    assert timezone.localtime(moved.appointment_at).strftime("%d %H:%M") == new_time.strftime(
        "%d %H:%M"
    )
    screenshot(browser, "desk-4-rebooked", full_page=False)

    # Cancel, with a reason, asked first; the use is given back.
    card = _wait_for(browser, "#open-requests")
    card.find_element(By.CSS_SELECTOR, "details.request-action:last-child > summary").click()
    form = card.find_element(By.CSS_SELECTOR, "form.request-cancel-form")
    form.find_element(By.NAME, "reason").send_keys("The customer is travelling")
    form.find_element(By.CSS_SELECTOR, "button.request-cancel-btn").click()
    _confirm(browser, "confirm-request")
    outcome = _wait_for(browser, "#open-requests #outcome")
    assert "Cancelled the request for VIP hospital escort" in outcome.text
    assert Fulfilment.objects.get(pk=fulfilment.pk).state == FulfilmentState.CANCELLED
    balance = QuotaBalance.objects.get(holder=customer)
    assert (balance.used, balance.held) == (0, 0)
    screenshot(browser, "desk-5-cancelled", full_page=False)

    # In Chinese: a new booked request on the card, and the row's held use.
    from bookshelf.fulfilment.services import use_request

    again = use_request(customer=customer, benefit_code=escort.code).fulfilment
    _supplier_books(again, supplier, days=2, place="瑞金医院 2 号门")
    switch_language(browser, "zh-hans")
    browser.get(desk + "#open-requests")
    card = _wait_for(browser, "#open-requests")
    assert "未结申请" in card.text and "康安医护" in card.text
    browser.execute_script("arguments[0].scrollIntoView()", card)
    screenshot(browser, "desk-6-card-zh", full_page=False)
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-code="{escort.code}"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    screenshot(browser, "desk-7-row-zh", full_page=False)
