"""A newcomer types only the host: the browser lands on the admin's login; a mistyped page
shows where the admin and the API docs are, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_host_leads_to_the_admin_and_a_wrong_page_to_the_docs(browser: Any, live_server):
    browser.get(live_server.url + "/")
    assert "/admin/login/" in browser.current_url
    assert browser.find_element(By.ID, "id_username")
    screenshot(browser, "front-door-root-en", full_page=False)

    browser.get(live_server.url + "/no-such-page")
    links = {a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")}
    assert live_server.url + "/admin/" in links
    assert live_server.url + "/api/docs/" in links
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1440
    screenshot(browser, "front-door-404-en", full_page=False)

    browser.add_cookie({"name": "django_language", "value": "zh-hans"})
    browser.get(live_server.url + "/no-such-page")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    screenshot(browser, "front-door-404-zh", full_page=False)
