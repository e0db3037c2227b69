"""Demand in Chinese in a real browser at 1440x1000: the run page's discoverability table, a
pull proposal's wordings and the desk's asked-for lines (one per held benefit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bookshelf.review.demand_groups import demand_synonyms_seed
from bookshelf.review.services import demand_signal_create, review_run
from customers.models import Tier
from tests.bookshelf.review.test_review import _settings, _tomorrow
from tests.browser.conftest import screenshot, switch_language
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _named(name, name_zh, **kwargs):
    benefit = make_benefit(name=name, **kwargs)
    benefit.name_zh_hans = name_zh
    benefit.save(update_fields=["name_zh_hans"])
    return benefit


def test_demand_pages_in_chinese(browser, live_server):
    _settings()
    demand_synonyms_seed()
    _named("Standard health check-up", "标准体检", cells={Tier.GOLD: 1, Tier.PLATINUM: 1})
    _named("Gym pass", "健身卡", cells={Tier.GOLD: 1}, category_code="SPT")
    customer = make_customer(tier=Tier.GOLD, age=35)
    now = timezone.now()
    for days, text in ((4, "体检"), (3, "健身房"), (2, "我想做一下体检")):
        demand_signal_create(text=text, customer=customer, created_at=now - timedelta(days=days))
    demand_signal_create(text="體檢", customer=make_customer(tier=Tier.PLATINUM))
    for text in ["宠物医生视频问诊"] * 3 + ["Pet vet video consultation"] * 2 + ["寵物看病"]:
        demand_signal_create(text=text, customer=make_customer())
    run = review_run(window_end=_tomorrow(), window_days=90).run
    pull = run.proposals.get(kind="pull")

    get_user_model().objects.create_superuser("demand-lead", "d@example.com", "pw-demand-1")
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("demand-lead")
    browser.find_element(By.NAME, "password").send_keys("pw-demand-1" + Keys.ENTER)
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "user-tools")))
    browser.get(f"{live_server.url}/admin/bookshelf/reviewrun/{run.pk}/change/")
    switch_language(browser, "zh-hans")
    browser.get(f"{live_server.url}/admin/bookshelf/reviewrun/{run.pk}/change/")
    table = browser.find_element(By.CSS_SELECTOR, "table.discoverability")
    assert "提出需求的客户数" in table.text  # the Customers column, a number under its header
    assert "、" in table.text
    screenshot(browser, "demandfix-run-discoverability-zh")

    browser.get(f"{live_server.url}/admin/bookshelf/proposal/{pull.pk}/change/")
    wordings = browser.find_element(By.CSS_SELECTOR, "ul.pull-wordings").text
    assert wordings.index("宠物医生视频问诊") < wordings.index("Pet vet video consultation")
    screenshot(browser, "demandfix-pull-wordings-zh")

    browser.get(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    lines = browser.find_elements(By.CSS_SELECTOR, "li.asked-held-line")
    assert len(lines) == 2  # one per held benefit: 体检 twice is one line
    screenshot(browser, "demandfix-desk-asked-held-zh")
