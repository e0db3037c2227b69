"""The agent's morning in a real browser, on the demo (issue 19): `agent` logs in, opens
their worklist, pushes a suggested benefit (tick its row, "Push selected"), calls back a
detractor from the item's "Call back" page (outcome "resolved" and a note) and, back on
the worklist, both items are gone; then the same pages in Chinese.

Screenshots (English and Chinese) when `BROWSER_SHOTS=/a/folder` is set, besides the usual
ones under artifacts/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bookshelf.devtools.demo import DEMO_PASSWORD
from bookshelf.models import (
    AgentSuggestion,
    DetractorFollowUp,
    FollowUpOutcome,
    Push,
    PushChannel,
    SuggestionStatus,
)
from tests.browser.conftest import screenshot, switch_language

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUGGESTION_ROWS = (
    "#worklist tr.worklist-item[data-kind=moment], #worklist tr.worklist-item[data-kind=expiring]"
)
DETRACTOR_ROWS = "#worklist tr.worklist-item[data-kind=detractor]"


def _shot(browser: Any, name: str) -> None:
    """Into artifacts/ always, and into $BROWSER_SHOTS (the notes' shots) when it is set."""
    path = screenshot(browser, f"agent-morning-{name}")
    folder = os.environ.get("BROWSER_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"demo-{name}.png").write_bytes(path.read_bytes())


def _wait(browser: Any, css: str) -> Any:
    return WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _log_in(browser: Any, base: str, username: str) -> None:
    browser.get(f"{base}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    _wait(browser, "#user-tools")


def _submit_and_wait(browser: Any, button: Any) -> None:
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 20).until(ec.staleness_of(page))
    _wait(browser, "#user-tools")


def _worklist(browser: Any, base: str) -> Any:
    browser.get(base + reverse("admin:bookshelf_worklist"))
    return _wait(browser, "#worklist")


def _ids(browser: Any) -> set[str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "#worklist tr.worklist-item")
    return {r.get_attribute("data-id") for r in rows}


def _push_first_suggestion(browser: Any) -> tuple[str, int]:
    """Tick the first suggested benefit, push it on app messages; returns its item id."""
    row = browser.find_element(By.CSS_SELECTOR, SUGGESTION_ROWS)
    item = row.get_attribute("data-id")
    row.find_element(By.CSS_SELECTOR, "input[name=item]").click()
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=channel]")).select_by_value(
        PushChannel.APP_MESSAGE
    )
    _submit_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, "button[name=action][value=push]")
    )
    return item, int(item.split(":")[1])


def _record_call(browser: Any, outcome: str, note: str) -> None:
    """The follow-up's call form: its outcome (a select or radio buttons) and a note."""
    field = browser.find_element(By.CSS_SELECTOR, "[name=outcome]")
    if field.tag_name == "select":
        Select(field).select_by_value(outcome)
    else:
        browser.find_element(By.CSS_SELECTOR, f"[name=outcome][value={outcome}]").click()
    browser.find_element(By.CSS_SELECTOR, "[name=note]").send_keys(note)
    form = field.find_element(By.XPATH, "./ancestor::form")
    _submit_and_wait(browser, form.find_element(By.CSS_SELECTOR, "[type=submit]"))


def test_the_agents_morning_in_english_and_chinese(browser, live_server):
    call_command("seed_demo", customers=60, seed=42, no_progress=True, force=True)
    base = live_server.url
    _log_in(browser, base, "agent")

    # The worklist: suggestions to push and an overdue detractor to call back, at least.
    _worklist(browser, base)
    assert browser.find_elements(By.CSS_SELECTOR, SUGGESTION_ROWS)
    detractors = browser.find_elements(By.CSS_SELECTOR, DETRACTOR_ROWS)
    assert detractors, "the demo gives the agent an overdue detractor"
    _shot(browser, "1-worklist-en")

    pushed, suggestion_pk = _push_first_suggestion(browser)
    _wait(browser, "ul.messagelist")
    suggestion = AgentSuggestion.objects.get(pk=suggestion_pk)
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.push_id is not None
    assert Push.objects.filter(pk=suggestion.push_id, channel=PushChannel.APP_MESSAGE).exists()
    _shot(browser, "2-pushed-en")

    # "Call back" on the detractor: the follow-up's page, recorded as resolved.
    row = browser.find_element(By.CSS_SELECTOR, DETRACTOR_ROWS)
    called = row.get_attribute("data-id")
    followup_pk = int(called.split(":")[1])
    change = reverse("admin:bookshelf_detractorfollowup_change", args=[followup_pk])
    link = row.find_element(By.CSS_SELECTOR, f'a[href*="{change}"]')
    page = browser.find_element(By.TAG_NAME, "html")
    link.click()
    WebDriverWait(browser, 15).until(ec.staleness_of(page))
    _wait(browser, "[name=outcome]")
    assert change in browser.current_url
    _shot(browser, "3-call-back-en")
    _record_call(browser, FollowUpOutcome.RESOLVED, "已向客户致歉，问题已解决")
    followup = DetractorFollowUp.objects.get(pk=followup_pk)
    assert followup.outcome == FollowUpOutcome.RESOLVED and followup.closed_at is not None
    assert followup.calls.count() == followup.attempts >= 1

    # Back on the worklist, both are gone.
    _worklist(browser, base)
    assert pushed not in _ids(browser) and called not in _ids(browser)
    _shot(browser, "4-after-en")

    # The same in Chinese: the worklist, a push, the follow-up's page.
    switch_language(browser, "zh-hans")
    _worklist(browser, base)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    _shot(browser, "5-worklist-zh")
    pushed_zh, pk_zh = _push_first_suggestion(browser)
    _wait(browser, "ul.messagelist")
    assert AgentSuggestion.objects.get(pk=pk_zh).status == SuggestionStatus.ACCEPTED
    _worklist(browser, base)
    assert pushed_zh not in _ids(browser)
    left = browser.find_elements(By.CSS_SELECTOR, DETRACTOR_ROWS)
    target = int(left[0].get_attribute("data-id").split(":")[1]) if left else followup_pk
    browser.get(base + reverse("admin:bookshelf_detractorfollowup_change", args=[target]))
    _wait(browser, "#user-tools")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    _shot(browser, "6-call-back-zh")
