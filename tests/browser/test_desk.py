"""The agent's desk in a real browser, on a high-net-worth customer with the demo's catalogue
(issue 15): the summary and the collapsed shelf fit the screen, the filter finds a benefit,
a use is confirmed in a dialog and its outcome shows where the agent is looking, a row's
"Push" preselects its benefit, and the phone is revealed on request, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bookshelf.devtools.demo import DemoBuilder
from bookshelf.ledger.services import redemption_create
from bookshelf.models import Push, Redemption
from bookshelf.roles import AGENT, staff_groups_sync
from customers.models import PiiAccessLog, ProductLine, Tier
from tests.browser.conftest import screenshot, switch_language
from tests.browser.test_workspaces import _log_in, _user
from tests.factories import AgentFactory, make_customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

IN_VIEW = """
const r = arguments[0].getBoundingClientRect();
return [r.top, r.bottom, window.innerHeight];
"""


def _wait(browser: Any, css: str, *, visible: bool = False) -> Any:
    check = ec.visibility_of_element_located if visible else ec.presence_of_element_located
    return WebDriverWait(browser, 10).until(check((By.CSS_SELECTOR, css)))


def _height(browser: Any) -> int:
    return int(browser.execute_script("return document.documentElement.scrollHeight"))


def _in_viewport(browser: Any, element: Any) -> bool:
    top, bottom, height = browser.execute_script(IN_VIEW, element)
    return top >= 0 and bottom <= height


def _hnw_customer() -> Any:
    staff_groups_sync()
    agent = AgentFactory(user=_user("hnw-agent", AGENT))
    demo = DemoBuilder(customers=0, seed=15)
    demo.build_catalog()
    demo.build_deliveries([])  # the suppliers of its booked and issued benefits
    customer = make_customer(
        tier=Tier.HIGH_NET_WORTH,
        agent=agent,
        name="陈大文",
        product_line=ProductLine.LONG_TERM_LIFE,
    )
    return customer


def test_a_high_net_worth_desk_passes_the_ten_second_test(browser, live_server):
    customer = _hnw_customer()
    from bookshelf.reach.selectors import customer_desk

    desk = customer_desk(customer=customer)
    rows = len(desk.shelf.entries)
    assert rows > 100, rows
    checkup = next(e for e in desk.shelf_order if "check-up" in e.name_en.lower())
    redemption_create(customer=customer, benefit_code=desk.shelf_order[-1].code)

    _log_in(browser, live_server.url, "hnw-agent")
    browser.get(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    _wait(browser, ".desk-summary")
    summary = browser.find_element(By.CSS_SELECTOR, ".desk-summary")
    assert _in_viewport(browser, summary)
    assert f"{rows - desk.summary.shared}\nheld" in summary.text.replace(" ", "\n")
    # Phone and ID masked, for this agent who may see them.
    assert customer.phone not in browser.page_source
    collapsed = _height(browser)
    screenshot(browser, "desk-1-hnw-collapsed")
    browser.find_element(By.ID, "shelf-expand").click()
    opened = _height(browser)
    screenshot(browser, "desk-2-hnw-all-open")
    print(f"\ndesk height, {rows} rows: collapsed {collapsed}px, all open {opened}px")
    assert collapsed * 3 < opened, (collapsed, opened)
    browser.find_element(By.ID, "shelf-collapse").click()

    # The filter box finds a benefit by name and opens its category.
    box = browser.find_element(By.ID, "shelf-filter")
    box.send_keys("check-up")
    row = _wait(browser, f'tr[data-code="{checkup.code}"]', visible=True)
    hidden = browser.find_elements(By.CSS_SELECTOR, "#shelf tr[data-code]:not([hidden])")
    assert 0 < len(hidden) < 10
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    screenshot(browser, "desk-3-filter", full_page=False)

    # "Record a use" asks first: the dialog names the benefit, the customer, what is left.
    row.find_element(By.CSS_SELECTOR, "button.use-btn").click()
    dialog = _wait(browser, "#confirm-use", visible=True)
    assert checkup.code in dialog.text and customer.customer_no in dialog.text
    assert "left this period" in dialog.text or "Unlimited" in dialog.text
    screenshot(browser, "desk-4-confirm", full_page=False)
    browser.find_element(By.ID, "confirm-use-no").click()
    assert Redemption.objects.filter(benefit_code=checkup.code).count() == 0
    row.find_element(By.CSS_SELECTOR, "button.use-btn").click()
    _wait(browser, "#confirm-use-yes", visible=True).click()

    # The outcome is where the agent looks, with what is left; the forms preselect it.
    outcome = _wait(browser, "#outcome", visible=True)
    # The demo's check-up is booked: the outcome says who confirms a time (issue 17).
    assert "Requested from" in outcome.text and "confirms a time" in outcome.text
    assert _in_viewport(browser, outcome)
    assert Redemption.objects.filter(benefit_code=checkup.code).count() == 1
    assert (
        Select(browser.find_element(By.ID, "id_benefit")).first_selected_option.get_attribute(
            "value"
        )
        == checkup.code
    )
    screenshot(browser, "desk-5-outcome", full_page=False)


def test_push_preselect_reveal_and_chinese(browser, live_server):
    customer = _hnw_customer()
    from bookshelf.reach.selectors import customer_desk

    desk = customer_desk(customer=customer)
    target = desk.shelf_order[5]
    _log_in(browser, live_server.url, "hnw-agent")
    browser.get(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    _wait(browser, ".desk-summary")

    # A row's "Push" preselects its benefit in the push form.
    browser.find_element(By.ID, "shelf-expand").click()
    browser.find_element(By.CSS_SELECTOR, f'a[data-push="{target.code}"]').click()
    push_select = Select(browser.find_element(By.CSS_SELECTOR, "#push select[name=benefit]"))
    assert push_select.first_selected_option.get_attribute("value") == target.code
    browser.find_element(By.CSS_SELECTOR, "#push input[type=submit]").click()
    outcome = _wait(browser, "#push #outcome", visible=True)
    assert target.code in outcome.text and _in_viewport(browser, outcome)
    assert Push.objects.filter(benefit_code=target.code).count() == 1
    screenshot(browser, "desk-6-push-outcome", full_page=False)

    # Reveal the phone: shown in place, written to the access log once.
    before = PiiAccessLog.objects.filter(fields=["phone"]).count()
    browser.execute_script("window.scrollTo(0, 0)")
    browser.find_element(By.CSS_SELECTOR, "#customer-phone button.reveal-btn").click()
    WebDriverWait(browser, 10).until(
        ec.text_to_be_present_in_element((By.ID, "customer-phone"), customer.phone)
    )
    assert PiiAccessLog.objects.filter(fields=["phone"]).count() == before + 1
    assert customer.id_number not in browser.page_source
    screenshot(browser, "desk-7-revealed", full_page=False)

    # Without the script the server asks on its own page, then records.
    browser.execute_script("document.querySelector('#shelf form[data-confirm-use]').submit()")
    page = _wait(browser, "#confirm-use-page", visible=True)
    assert "Record the use" in page.get_attribute("innerHTML") and Redemption.objects.count() == 0
    screenshot(browser, "desk-10-confirm-page-without-script", full_page=False)
    page.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    outcome = _wait(browser, "#outcome", visible=True)
    assert _in_viewport(browser, outcome) and Redemption.objects.count() == 1

    # The same desk in Chinese.
    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(ec.text_to_be_present_in_element((By.ID, "shelf"), "权益书架"))
    screenshot(browser, "desk-8-zh", full_page=False)
    browser.find_element(By.ID, "shelf-filter").send_keys("体检")
    row = _wait(browser, "#shelf tr[data-code]:not([hidden])", visible=True)
    row.find_element(By.CSS_SELECTOR, "button.use-btn").click()
    _wait(browser, "#confirm-use", visible=True)
    screenshot(browser, "desk-9-zh-confirm", full_page=False)
