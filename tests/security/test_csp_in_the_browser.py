"""The admin and the API docs work under the Content-Security-Policy: a real browser opens the
pages staff use (and a superuser's add, history and import pages) and reports no violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bookshelf.ledger.services import redemption_create
from bookshelf.roles import AGENT, staff_groups_sync
from customers.models import Tier
from tests.browser.conftest import browser  # noqa: F401
from tests.browser.test_workspaces import PASSWORD, _log_in, _user
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every violation the page reports, from before its first script runs.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _violations(driver: Any, url: str) -> list[str]:
    driver.get(url)
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    return list(driver.execute_script("return window.__csp || []"))


def test_the_admin_and_the_docs_report_no_policy_violation(browser, live_server):  # noqa: F811
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    staff_groups_sync()
    agent = AgentFactory(user=_user("csp-agent", AGENT))
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="王小明")
    benefit = make_benefit(cells={Tier.GOLD: 3}, name="VIP hospital escort", category_code="MED")
    redemption_create(customer=customer, benefit_code=benefit.code)
    get_user_model().objects.create_superuser("csp-root", "root@example.com", PASSWORD)
    base = live_server.url
    found: dict[str, list[str]] = {}

    found["login"] = _violations(browser, f"{base}/admin/login/")
    _log_in(browser, base, "csp-agent")
    for name in ("admin:index", "admin:customers_customer_changelist"):
        found[name] = _violations(browser, base + reverse(name))
    desk = base + reverse("admin:customers_customer_change", args=[customer.pk])
    found["desk"] = _violations(browser, desk)
    browser.find_element(By.CSS_SELECTOR, f'button[data-use="{benefit.code}"]').click()
    WebDriverWait(browser, 10).until(ec.visibility_of_element_located((By.ID, "confirm-use-yes")))
    browser.find_element(By.ID, "confirm-use-yes").click()  # the desk asks first (issue 15)
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#outcome .success"))
    )
    found["desk after a use"] = list(browser.execute_script("return window.__csp || []"))

    browser.delete_all_cookies()
    _log_in(browser, base, "csp-root")
    for name, args in [
        ("admin:benefits_benefit_changelist", []),
        ("admin:benefits_benefit_change", [benefit.pk]),
        ("admin:benefits_benefit_add", []),
        ("admin:benefits_benefit_history", [benefit.pk]),
        ("admin:customers_customer_changelist", []),
        ("admin:auth_user_add", []),
    ]:
        found[name] = _violations(browser, base + reverse(name, args=args))
    found["docs"] = _violations(browser, f"{base}/api/docs/")
    WebDriverWait(browser, 15).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info"))
    )
    found["docs"] += list(browser.execute_script("return window.__csp || []"))

    assert {k: v for k, v in found.items() if v} == {}
