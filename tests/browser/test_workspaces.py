"""End to end in a real browser: an agent finds a customer, opens the bookshelf and records a
use; product staff open the shelf matrix and a benefit's usage chart."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bookshelf.ledger.services import redemption_create
from bookshelf.roles import AGENT, PRODUCT_STAFF, staff_groups_sync
from customers.models import Tier
from tests.browser.conftest import screenshot, switch_language
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "pw-for-browser-1"


def _user(username: str, group: str) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def _log_in(browser: Any, base: str, username: str) -> None:
    browser.get(f"{base}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "user-tools")))


def _remaining(browser: Any, code: str) -> str:
    cell = browser.find_element(By.CSS_SELECTOR, f'tr[data-code="{code}"] td.remaining')
    return cell.get_attribute("data-remaining")


def test_an_agent_finds_a_customer_and_records_a_use(browser, live_server):
    staff_groups_sync()
    agent = AgentFactory(user=_user("desk-agent", AGENT))
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="王小明")
    make_customer(tier=Tier.GOLD, name="李四")  # someone else's customer
    escort = make_benefit(cells={Tier.GOLD: 3}, name="VIP hospital escort", category_code="MED")
    make_benefit(cells={Tier.GOLD: None}, name="Gym pass", category_code="SPT")
    redemption_create(customer=customer, benefit_code=escort.code)

    _log_in(browser, live_server.url, "desk-agent")
    browser.find_element(By.ID, "nav-find-customer").click()
    search = browser.find_element(By.ID, "searchbar")
    search.send_keys(customer.phone[-4:] + Keys.ENTER)
    WebDriverWait(browser, 10).until(ec.url_contains("q="))
    screenshot(browser, "agent-1-search", full_page=False)
    browser.find_element(By.LINK_TEXT, customer.customer_no).click()

    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "shelf")))
    assert browser.find_element(By.ID, "customer-name").text == "王小明"
    assert _remaining(browser, escort.code) == "2"
    screenshot(browser, "agent-2-bookshelf")

    browser.find_element(By.CSS_SELECTOR, f'button[data-use="{escort.code}"]').click()
    # The desk asks first (issue 15), then draws the outcome under the row.
    WebDriverWait(browser, 10).until(ec.visibility_of_element_located((By.ID, "confirm-use-yes")))
    browser.find_element(By.ID, "confirm-use-yes").click()
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#outcome .success"))
    )
    assert _remaining(browser, escort.code) == "1"
    assert "1 left this period" in browser.find_element(By.ID, "outcome").text
    screenshot(browser, "agent-3-use-recorded")

    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(ec.text_to_be_present_in_element((By.ID, "shelf"), "权益书架"))
    assert _remaining(browser, escort.code) == "1"
    screenshot(browser, "agent-4-bookshelf-zh")


def test_product_staff_open_the_shelf_matrix_and_a_benefits_usage(browser, live_server):
    staff_groups_sync()
    _user("shelf-keeper", PRODUCT_STAFF)
    escort = make_benefit(
        cells={Tier.GOLD: 3, Tier.PLATINUM: 6}, name="VIP hospital escort", category_code="MED"
    )
    make_benefit(cells={Tier.ORDINARY: 1, Tier.GOLD: 2}, name="Gym pass", category_code="SPT")
    for _ in range(2):
        customer = make_customer(tier=Tier.GOLD)
        redemption_create(customer=customer, benefit_code=escort.code)
    make_customer(tier=Tier.GOLD)

    _log_in(browser, live_server.url, "shelf-keeper")
    browser.find_element(By.ID, "nav-shelf").click()
    browser.find_element(By.ID, "view-detail").click()  # every benefit (compact by default)
    matrix = WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.ID, "shelf-matrix"))
    )
    gold_escort = matrix.find_element(
        By.CSS_SELECTOR, f'tr[data-tier="gold"] a.book[data-code="{escort.code}"]'
    )
    assert gold_escort.get_attribute("data-rate") == "67%"
    assert "heat-high" in gold_escort.get_attribute("class")
    screenshot(browser, "product-1-shelf-matrix")

    gold_escort.click()
    chart = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "usage-chart")))
    assert chart.find_elements(By.CSS_SELECTOR, 'rect[data-tier="gold"]')
    screenshot(browser, "product-2-benefit-usage")
