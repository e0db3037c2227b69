"""Product staff's review pages in a real browser at 1440x1000, in English and Chinese: an
empty review list that says what to do, "Run a review now", a short run page, and approving
a retirement through its confirmation page, then a pull into a draft benefit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from benefits.models import Benefit, BenefitStatus
from bookshelf import jobs
from bookshelf.models import Proposal, ProposalKind, ProposalStatus, ReviewRun
from bookshelf.review.services import demand_signal_create
from bookshelf.roles import PRODUCT_STAFF, staff_groups_sync
from customers.models import Tier
from tests.bookshelf.review.test_review import _age, _settings, _use
from tests.browser.conftest import screenshot, switch_language
from tests.factories import AgentFactory, category, make_benefit, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-browser-1"


def _log_in(browser: Any, base: str) -> None:
    staff_groups_sync()
    user = get_user_model().objects.create_user(
        username="shelf-reviewer", password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=PRODUCT_STAFF))
    browser.get(f"{base}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("shelf-reviewer")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "user-tools")))


def _shelf() -> None:
    """Yesterday's uses (today's window counts the days before today), and the weekly
    schedule the migration seeds (a transactional test starts from a flushed database)."""
    _settings()
    crontab, _new = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="1", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name="Review the shelf (weekly)",
        defaults={"task": jobs.SHELF_REVIEW, "crontab": crontab, "enabled": True},
    )
    agent = AgentFactory()
    customers = [make_customer(tier=Tier.GOLD, agent=agent) for _ in range(10)]
    popular = make_benefit(cells={Tier.GOLD: 10}, name="Annual health check-up")
    rare = make_benefit(cells={Tier.GOLD: 10}, name="Calligraphy and tea class")
    for b in (popular, rare):
        _age(b)
    for c in customers[:7]:
        _use(c, popular, days_ago=1)
    _use(customers[0], rare, days_ago=1)
    lif = category("LIF")
    for c in customers[:4]:
        demand_signal_create(
            text="Pet vet video consultation",
            category=lif,
            customer=c,
            created_at=timezone.now() - timedelta(days=1),
        )


def _fits(browser: Any) -> None:
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1440, f"the page is {width} px wide at 1440"


def test_product_staff_run_a_review_and_answer_its_proposals(browser, live_server, celery_eager):
    _shelf()
    _log_in(browser, live_server.url)
    browser.get(f"{live_server.url}/admin/bookshelf/reviewrun/")
    hint = browser.find_element(By.ID, "review-empty-hint")
    assert "Run a review now" in hint.text
    assert "Asia/Shanghai" in browser.find_element(By.ID, "next-review").text
    _fits(browser)
    screenshot(browser, "review-1-empty-list")

    browser.find_element(By.ID, "run-review-now").click()
    WebDriverWait(browser, 60).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist .success"))
    )
    run = ReviewRun.objects.get()
    assert run.status == "done"  # eager here: the worker's part ran at commit
    screenshot(browser, "review-2-queued", full_page=False)

    browser.get(f"{live_server.url}/admin/bookshelf/reviewrun/{run.pk}/change/")
    assert browser.find_element(By.CSS_SELECTOR, "table.review-summary")
    assert browser.find_element(By.ID, "findings-retire").get_attribute("open") is not None
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height < 3000, f"the run page is {height} px tall"
    _fits(browser)
    screenshot(browser, "review-3-run-page")

    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, "table.review-summary"), "提议下架")
    )
    _fits(browser)
    screenshot(browser, "review-4-run-page-zh")
    switch_language(browser, "en")

    retire = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    browser.get(f"{live_server.url}/admin/bookshelf/proposal/{retire.pk}/change/")
    screenshot(browser, "review-5-retirement-proposal", full_page=False)
    browser.find_element(By.ID, "approve-button").click()
    told = WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.ID, f"impact-told-{retire.pk}"))
    )
    assert told.find_element(By.CSS_SELECTOR, "td.num").text == "1"
    recent = browser.find_element(By.ID, f"impact-recent-{retire.pk}")
    assert recent.find_element(By.CSS_SELECTOR, "td.num").text == "1"
    assert Benefit.objects.get(pk=retire.benefit_id).status != BenefitStatus.RETIRED
    _fits(browser)
    screenshot(browser, "review-6-confirm-retirement")
    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "confirm-approve")))
    screenshot(browser, "review-7-confirm-retirement-zh")
    browser.find_element(By.ID, "confirm-approve").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "decision-done")))
    assert Benefit.objects.get(pk=retire.benefit_id).status == BenefitStatus.RETIRED
    switch_language(browser, "en")

    pull = Proposal.objects.get(run=run, kind=ProposalKind.PULL)
    browser.get(f"{live_server.url}/admin/bookshelf/proposal/{pull.pk}/change/")
    browser.find_element(By.ID, "approve-button").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "draft-name")))
    screenshot(browser, "review-8-confirm-pull")
    browser.find_element(By.ID, "confirm-approve").click()
    link = WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.ID, "complete-draft"))
    )
    pull.refresh_from_db()
    assert pull.status == ProposalStatus.APPROVED and pull.benefit is not None
    assert pull.benefit.status == BenefitStatus.DRAFT
    _fits(browser)
    screenshot(browser, "review-9-pull-accepted")
    link.click()
    WebDriverWait(browser, 10).until(ec.url_contains(f"/benefit/{pull.benefit.pk}/change/"))
    assert "Pet vet video consultation" in browser.find_element(By.ID, "id_name_en").get_attribute(
        "value"
    )
