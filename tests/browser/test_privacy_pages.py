"""The privacy pages in a real browser, as their users meet them: an agent searches by a full
phone number (the address bar never shows it), records a customer's consent on the desk (in
English and Chinese), and a superuser is told why an erasure is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bookshelf.roles import AGENT, staff_groups_sync
from customers.models import ConsentPurpose, Tier
from customers.selectors import consent_valid
from tests.browser.conftest import screenshot, switch_language
from tests.browser.test_workspaces import PASSWORD, _log_in, _user
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _wait_for(browser: Any, css: str) -> Any:
    return WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_an_agent_searches_a_full_number_and_records_a_consent(browser, live_server):
    staff_groups_sync()
    agent = AgentFactory(user=_user("privacy-agent", AGENT))
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="赵敏", consent=False)
    make_benefit(cells={Tier.GOLD: 3}, name="VIP hospital escort", category_code="MED")

    _log_in(browser, live_server.url, "privacy-agent")
    browser.find_element(By.ID, "nav-find-customer").click()
    browser.find_element(By.ID, "searchbar").send_keys(customer.phone + Keys.ENTER)
    _wait_for(browser, "#result_list")
    assert customer.phone not in browser.current_url
    assert customer.customer_no in browser.find_element(By.ID, "result_list").text
    screenshot(browser, "privacy-1-search-full-number", full_page=False)

    browser.find_element(By.LINK_TEXT, customer.customer_no).click()
    card = _wait_for(browser, "#consents")
    assert "Never asked" in card.text and "blocked, no consent" in card.text
    row = card.find_element(By.CSS_SELECTOR, "tr.consent-never")
    Select(row.find_element(By.NAME, "channel")).select_by_value("agent_desk")
    row.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    _wait_for(browser, ".messagelist .success")
    assert "Consent given" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#consents tr.consent-valid")) == 1
    purposes = [ConsentPurpose.MARKETING_APP_MESSAGE, ConsentPurpose.MARKETING_SMS]
    assert sum(consent_valid(customer=customer, purpose=p) for p in purposes) == 1
    browser.execute_script("document.getElementById('consents').scrollIntoView()")
    screenshot(browser, "privacy-2-desk-consents", full_page=False)

    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(ec.text_to_be_present_in_element((By.ID, "consents"), "同意"))
    assert "从未征求" in browser.find_element(By.ID, "consents").text
    browser.execute_script("document.getElementById('consents').scrollIntoView()")
    screenshot(browser, "privacy-3-desk-consents-zh", full_page=False)


def test_a_superuser_is_told_why_an_erasure_is_refused(browser, live_server):
    get_user_model().objects.create_superuser("privacy-dpo", password=PASSWORD)
    customer = make_customer(tier=Tier.GOLD, name="钱多多")  # a policy in force

    _log_in(browser, live_server.url, "privacy-dpo")
    browser.get(f"{live_server.url}/admin/customers/customer/")
    _wait_for(browser, "#result_list")
    browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{customer.pk}"]').click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("erase_data")
    browser.find_element(By.NAME, "index").click()
    reason = _wait_for(browser, "#id_reason")
    assert "cannot be undone" in browser.find_element(By.CSS_SELECTOR, ".errornote").text
    screenshot(browser, "privacy-4-erase-reason", full_page=False)

    reason.send_keys("request 2026-12-01 #88")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit][value=Confirm]").click()
    _wait_for(browser, ".messagelist .error")
    assert "policy in force" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    customer.refresh_from_db()
    assert customer.erased_at is None and customer.name == "钱多多"
    screenshot(browser, "privacy-5-erase-refused", full_page=False)
