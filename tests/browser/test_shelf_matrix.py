"""The shelf matrix on a laptop, on the seeded demo (136 benefits for the high-net-worth tier):
the compact view fits one 1440x1000 screen, the detailed one fits its width, in English and
Chinese; a cell opens to its benefits, and a benefit's usage chart has even ticks."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.management import call_command
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import screenshot, switch_language

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

DEMO_PASSWORD = "bookshelf-demo"  # the demo's logins (bookshelf/devtools/demo.py)
VIEWPORT = (1440, 1000)

MEASURE = """
const table = document.getElementById('shelf-matrix');
const wrap = table.closest('.matrix-wrap');
const hnw = table.querySelector('tr[data-tier="hnw"]');
return {
  pageWidth: document.documentElement.scrollWidth,
  pageHeight: document.documentElement.scrollHeight,
  viewport: window.innerWidth,
  wrapWidth: wrap.clientWidth,
  tableWidth: Math.max(table.scrollWidth, wrap.scrollWidth),
  lastColumnRight: table.querySelector('thead th:last-child').getBoundingClientRect().right,
  wrapRight: wrap.getBoundingClientRect().right,
  hnwHeight: hnw.offsetHeight,
};
"""


def _log_in(browser: Any, base: str) -> None:
    browser.get(f"{base}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("product")
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "user-tools")))


def _matrix(browser: Any, url: str) -> dict[str, Any]:
    browser.get(url)
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "shelf-matrix")))
    return browser.execute_script(MEASURE)


def _fits_the_width(m: dict[str, Any]) -> None:
    assert m["pageWidth"] <= VIEWPORT[0], m
    assert m["tableWidth"] <= m["wrapWidth"], m  # nothing scrolls or is cut inside the frame
    assert m["lastColumnRight"] <= m["wrapRight"] + 1, m


@pytest.fixture
def demo(db: Any) -> None:
    call_command("seed_demo", customers=200, no_progress=True, force=True)


def test_the_compact_matrix_fits_a_laptop_screen_and_opens_a_cell(browser, live_server, demo):
    assert browser.get_window_size()["width"] == VIEWPORT[0]
    _log_in(browser, live_server.url)
    url = f"{live_server.url}/admin/bookshelf/shelfcell/matrix/"
    compact = _matrix(browser, url)
    _fits_the_width(compact)
    assert compact["pageHeight"] <= 1100, compact  # about one screen (was 5,660 px)
    assert compact["hnwHeight"] <= 120, compact  # the high-net-worth row (was 1,600 px)
    hnw_cells = browser.find_elements(By.CSS_SELECTOR, 'tr[data-tier="hnw"] td.cell')
    assert sum(int(c.get_attribute("data-count")) for c in hnw_cells) >= 100
    screenshot(browser, "matrix-1-compact-en", full_page=False)

    cell = browser.find_element(By.CSS_SELECTOR, 'tr[data-tier="diamond"] td[data-category="MED"]')
    book = cell.find_element(By.CSS_SELECTOR, "a.book")
    assert not book.is_displayed()  # the benefits wait in the cell
    cell.find_element(By.TAG_NAME, "summary").click()
    assert book.is_displayed()
    assert browser.execute_script(MEASURE)["pageWidth"] <= VIEWPORT[0]
    screenshot(browser, "matrix-2-compact-cell-open-en", full_page=False)

    code = book.get_attribute("data-code")
    book.click()
    chart = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "usage-chart")))
    assert code in browser.find_element(By.ID, "content").text
    ticks = [
        int(t.text)
        for t in chart.find_elements(By.CSS_SELECTOR, "svg text[text-anchor='end']")
        if t.text
    ]
    if ticks:  # a benefit nobody used in a year has no chart
        assert ticks[0] == 0 and len({b - a for a, b in itertools.pairwise(ticks)}) == 1, ticks
    browser.execute_script("document.getElementById('usage-chart').scrollIntoView()")
    screenshot(browser, "matrix-3-benefit-usage-chart-en", full_page=False)


def test_the_detailed_matrix_fits_the_width_and_both_views_in_chinese(browser, live_server, demo):
    _log_in(browser, live_server.url)
    url = f"{live_server.url}/admin/bookshelf/shelfcell/matrix/"
    browser.get(url)
    browser.find_element(By.ID, "view-detail").click()
    WebDriverWait(browser, 10).until(ec.url_contains("view=detail"))
    detail = browser.execute_script(MEASURE)
    _fits_the_width(detail)
    assert browser.find_elements(By.CSS_SELECTOR, 'tr[data-tier="hnw"] a.book')[0].is_displayed()
    screenshot(browser, "matrix-4-detail-en", full_page=False)

    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(
        ec.text_to_be_present_in_element((By.ID, "shelf-matrix"), "客户分层")
    )
    _fits_the_width(browser.execute_script(MEASURE))
    screenshot(browser, "matrix-5-detail-zh", full_page=False)

    compact = _matrix(browser, url)
    _fits_the_width(compact)
    assert compact["pageHeight"] <= 1100, compact
    assert "高客" in browser.find_element(By.CSS_SELECTOR, 'tr[data-tier="hnw"]').text
    screenshot(browser, "matrix-6-compact-zh", full_page=False)
