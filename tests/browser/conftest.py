"""Headless Chromium for the end-to-end tests: Debian's `chromium` and `chromium-driver`, never
a downloaded browser. Missing in CI is a failure, not a skip."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"


# Chromium's DevTools sometimes answers a command on an element found a moment before the page
# was replaced with this error, not with a stale-element one (seen in CI, in different tests
# each run). Such an element is found again by the same locator and the command sent again.
NODE_GONE = "does not belong to the document"


def _retrying_driver_classes() -> tuple[Any, Any]:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.remote.webelement import WebElement

    class Element(WebElement):  # type: ignore[misc]
        locator: tuple[str, str] | None = None

        def _execute(self, command: str, params: Any = None) -> Any:
            for attempt in range(3):
                try:
                    return super()._execute(command, params)
                except WebDriverException as exc:
                    if NODE_GONE not in str(exc) or self.locator is None or attempt == 2:
                        raise
                    time.sleep(0.3)
                    self._id = self._parent.find_element(*self.locator).id
            return None

    class Chrome(webdriver.Chrome):  # type: ignore[misc]
        _web_element_cls = Element

        def find_element(self, by: Any = "id", value: Any = None) -> Any:
            element = super().find_element(by, value)
            if isinstance(element, Element):
                element.locator = (by, value)
            return element

    return Chrome, Element


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser() -> Iterator[Any]:
    binary = _chromium()
    if binary is None or not Path(CHROMEDRIVER).exists():
        message = (
            "Debian's chromium and chromium-driver are needed: "
            "apt-get install -y chromium chromium-driver"
        )
        # `make test` installs them; a browser test that cannot run is a failure, not a skip.
        pytest.fail(message, pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1440,1000",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    chrome, _element = _retrying_driver_classes()
    driver = chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def screenshot(driver: Any, name: str, *, full_page: bool = True) -> Path:
    """Save the page (as tall as its content) under artifacts/ for people to look at."""
    path = ARTIFACTS / f"{name}.png"
    size = driver.get_window_size()
    if full_page:
        driver.execute_script("window.scrollTo(0, 0)")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size["width"], min(max(height, 800), 4000))
    driver.save_screenshot(str(path))
    driver.set_window_size(size["width"], size["height"])
    return path


_POST_LANGUAGE = """
const [code, done] = arguments;
const form = document.getElementById("lang-" + code).form;
const data = new FormData(form);
data.set("language", code);
fetch(form.action, {method: "POST", body: data, credentials: "same-origin"})
  .then(() => done(true), () => done(false));
"""


def switch_language(driver: Any, code: str) -> None:
    """Press the admin's language button and wait until the page came back in `code`.

    The switch is a form post and a redirect; a `get` issued before it finished could be
    overtaken by the redirect and land on the previous page (seen in CI)."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    button = driver.find_element(By.ID, f"lang-{code}")
    button.click()
    wait = WebDriverWait(driver, 15)
    try:
        WebDriverWait(driver, 5).until(ec.staleness_of(page))
    except TimeoutException:
        # The click reached no button (a message or a scroll moved it; seen once in CI):
        # submit the button's own form, as the click would have. A button gone stale meanwhile
        # means the click's page did come, only late (a loaded machine; seen once in CI).
        with contextlib.suppress(StaleElementReferenceException):
            driver.execute_script("arguments[0].form.requestSubmit(arguments[0])", button)
        try:
            WebDriverWait(driver, 5).until(ec.staleness_of(page))
        except TimeoutException:
            # Neither brought a page (seen twice in CI under load, never alone): post the
            # form's own fields from the page and load it again, as the redirect would.
            driver.execute_async_script(_POST_LANGUAGE, code)
            driver.refresh()  # a GET: the page came by a redirect after its own post
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#lang-{code}.current")))
