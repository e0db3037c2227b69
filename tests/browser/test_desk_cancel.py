"""Undoing a mis-click in a real browser: the agent sees the "Undo a recent use" card on the desk,
gives a reason and cancels; a supervisor cancels an older use from the records, asked for a
reason first. English and Chinese, at 1440x1000; the card must fit its column."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bookshelf.ledger.services import redemption_create
from bookshelf.models import Channel, Redemption, RedemptionStatus
from bookshelf.roles import AGENT, AGENT_SUPERVISOR, staff_groups_sync
from customers.models import Tier
from tests.browser.conftest import screenshot, switch_language
from tests.browser.test_workspaces import _log_in, _user
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _wait_for(browser: Any, css: str) -> Any:
    return WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _fits(browser: Any, element: Any) -> None:
    """Nothing in the card spills over its edge, and it is on screen once scrolled to."""
    overflow = browser.execute_script(
        "const e = arguments[0]; return [e.scrollWidth, e.clientWidth];", element
    )
    assert overflow[0] <= overflow[1], overflow
    for button in element.find_elements(By.CSS_SELECTOR, "button.cancel-btn"):
        inside = browser.execute_script(
            "const b = arguments[0].getBoundingClientRect(),"
            " c = arguments[1].getBoundingClientRect();"
            " return b.left >= c.left && b.right <= c.right;",
            button,
            element,
        )
        assert inside, "a cancel button sticks out of the card"


def _in_viewport(browser: Any, element: Any) -> bool:
    return bool(
        browser.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight;",
            element,
        )
    )


def test_an_agent_undoes_a_mis_click_with_a_reason(browser, live_server):
    staff_groups_sync()
    agent = AgentFactory(user=_user("undo-agent", AGENT))
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="王小明")
    escort = make_benefit(cells={Tier.GOLD: 3}, name="VIP hospital escort", category_code="MED")
    gym = make_benefit(cells={Tier.GOLD: None}, name="Gym pass", category_code="SPT")
    for benefit in (escort, gym):
        redemption_create(
            customer=customer,
            benefit_code=benefit.code,
            channel=Channel.AGENT,
            recorded_by=agent.user,
        )

    _log_in(browser, live_server.url, "undo-agent")
    browser.get(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    card = _wait_for(browser, "#recent-uses-cancel")
    assert "Undo a recent use" in card.text
    assert "VIP hospital escort" in card.text and "Gym pass" in card.text
    assert "Cancel (30 min left)" in card.text
    _fits(browser, card)
    screenshot(browser, "undo-1-card", full_page=False)

    row = card.find_element(By.CSS_SELECTOR, "li:last-child")
    row.find_element(By.NAME, "reason").send_keys("Clicked the wrong row")
    row.find_element(By.CSS_SELECTOR, "button.cancel-btn").click()
    outcome = _wait_for(browser, ".messagelist .success")
    assert "Cancelled the use of VIP hospital escort" in outcome.text
    assert _in_viewport(browser, outcome), "the agent does not see the outcome"
    escort_use = Redemption.objects.get(benefit=escort)
    assert escort_use.status == RedemptionStatus.CANCELLED
    assert escort_use.cancel_reason == "Clicked the wrong row"
    card = _wait_for(browser, "#recent-uses-cancel")
    assert "VIP hospital escort" not in card.text and "Gym pass" in card.text
    screenshot(browser, "undo-2-cancelled", full_page=False)

    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(ec.text_to_be_present_in_element((By.ID, "shelf"), "权益书架"))
    card = _wait_for(browser, "#recent-uses-cancel")
    _fits(browser, card)
    screenshot(browser, "undo-3-card-zh", full_page=False)
    # In a side column (the desk may place it there) the row wraps and still fits.
    browser.execute_script("arguments[0].style.width = '300px'", card)
    _fits(browser, card)
    browser.execute_script("arguments[0].scrollIntoView()", card)
    screenshot(browser, "undo-4-card-narrow-zh", full_page=False)


def test_a_supervisor_gives_the_reason_before_cancelling_from_the_records(browser, live_server):
    staff_groups_sync()
    supervisor = AgentFactory(user=_user("undo-sup", AGENT_SUPERVISOR))
    agent = AgentFactory(user=_user("undo-agent2", AGENT), supervisor=supervisor)
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="李四")
    escort = make_benefit(cells={Tier.GOLD: 3}, name="VIP hospital escort", category_code="MED")
    use = redemption_create(
        customer=customer, benefit_code=escort.code, recorded_by=agent.user
    ).redemption

    _log_in(browser, live_server.url, "undo-sup")
    for lang, shot in (("en", "undo-5-records-reason"), ("zh-hans", "undo-6-records-reason-zh")):
        if lang != "en":
            switch_language(browser, "zh-hans")
            WebDriverWait(browser, 10).until(
                ec.text_to_be_present_in_element((By.TAG_NAME, "html"), "首页")
            )
        browser.get(f"{live_server.url}/admin/bookshelf/redemption/")
        _wait_for(browser, "#result_list")
        browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{use.pk}"]').click()
        Select(browser.find_element(By.NAME, "action")).select_by_value("cancel")
        browser.find_element(By.NAME, "index").click()
        reason = _wait_for(browser, "#id_reason")
        assert escort.code in browser.find_element(By.ID, "uses-to-cancel").text
        screenshot(browser, shot, full_page=False)
    reason.send_keys("Recorded twice by the agent")
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    _wait_for(browser, ".messagelist .success")
    use.refresh_from_db()
    assert use.status == RedemptionStatus.CANCELLED
    assert use.cancel_reason == "Recorded twice by the agent"
    screenshot(browser, "undo-7-records-cancelled-zh", full_page=False)
