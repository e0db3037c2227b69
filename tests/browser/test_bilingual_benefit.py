"""Product staff edit a benefit's two languages side by side (issue 16), in a real browser at
1440x1000 with the admin in Chinese: each text's English and Chinese sit on one row, left and
right, both boxes wide enough to read, nothing past the page's edge, and every label names its
field in Chinese and its language."""

from __future__ import annotations

import pytest
from django.utils import translation
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bookshelf.roles import PRODUCT_STAFF, staff_groups_sync
from config.translated_admin import LABEL, LANGUAGE_LABELS
from tests.browser.conftest import screenshot, switch_language
from tests.browser.test_workspaces import _log_in, _user
from tests.factories import make_benefit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each translated text of the form, with its field's name in Chinese.
TEXTS = {
    "name": "名称",
    "unit": "单位",
    "description": "说明",
    "how_to_use": "使用方式",
    "provider": "服务商",
    "provider_notes": "供应商须知",
}

MEASURE = """
const box = (id) => document.getElementById(id).getBoundingClientRect();
const out = {pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth};
for (const text of arguments[0]) {
  const en = box('id_' + text + '_en'), zh = box('id_' + text + '_zh_hans');
  out[text] = {enLeft: en.left, enRight: en.right, enTop: en.top, enWidth: en.width,
               zhLeft: zh.left, zhRight: zh.right, zhTop: zh.top, zhWidth: zh.width};
}
return out;
"""


def _label(text: str, language: str) -> str:
    with translation.override("zh-hans"):
        return f"{LABEL}".format(field=TEXTS[text], language=LANGUAGE_LABELS[language])


def test_a_benefit_s_two_languages_sit_side_by_side_in_chinese(browser, live_server):
    staff_groups_sync()
    _user("bilingual-product", PRODUCT_STAFF)
    benefit = make_benefit(
        name="Standard health check-up",
        name_zh_hans="标准体检",
        description="A routine annual check-up: blood tests, liver and kidney function, ECG.",
        description_zh_hans="每年一次的常规体检：血常规、肝肾功能、心电图，报告在线查看。",
        how_to_use="Pick a partner clinic and a date in the app and bring your ID on the day.",
        how_to_use_zh_hans="在App中选择合作体检中心和日期，体检当天携带身份证原件空腹到检。",
        provider_notes="Confirm by phone within 24 hours.",
        provider_notes_zh_hans="收到预约后24小时内电话确认。",
    )
    _log_in(browser, live_server.url, "bilingual-product")
    browser.get(f"{live_server.url}/admin/benefits/benefit/{benefit.pk}/change/")
    switch_language(browser, "zh-hans")
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.ID, "id_description_zh_hans"))
    )
    screenshot(browser, "benefit-bilingual-zh")

    m = browser.execute_script(MEASURE, list(TEXTS))
    assert m["pageWidth"] <= m["viewport"], m  # nothing past the page's right edge
    for text in TEXTS:
        row = m[text]
        # One row: the Chinese to the right of the English, at the same height.
        assert abs(row["enTop"] - row["zhTop"]) <= 2, (text, row)
        assert row["zhLeft"] > row["enRight"], (text, row)
        assert row["zhRight"] <= m["viewport"], (text, row)
    for text in ("description", "how_to_use", "provider_notes"):
        row = m[text]
        # Long texts: both boxes readable, and as wide as each other.
        assert row["enWidth"] >= 280 and row["zhWidth"] >= 280, (text, row)
        assert abs(row["enWidth"] - row["zhWidth"]) <= 4, (text, row)

    for text in TEXTS:
        for language, suffix in (("en", "en"), ("zh-hans", "zh_hans")):
            label = browser.find_element(By.CSS_SELECTOR, f'label[for="id_{text}_{suffix}"]')
            assert label.text.rstrip(":：") == _label(text, language), label.text
            assert label.text.startswith(TEXTS[text]), label.text  # the field, in Chinese
