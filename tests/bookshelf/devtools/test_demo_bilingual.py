"""The demo catalogue is bilingual: every translated text of every demo benefit and category
is filled in English and Chinese, the demo's suppliers are named in both, and the demo's
consent texts read in both languages.

The benefits' Chinese product copy comes from `bookshelf/devtools/demo_copy_zh/`, which is
being written: until it lands this test fails and names what is missing (it is not xfail on
purpose)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from benefits.models import Benefit, Category
from benefits.translation import BENEFIT_TEXTS, CATEGORY_TEXTS
from bookshelf.devtools.demo import DemoBuilder
from bookshelf.devtools.demo_consents import demo_consents_give
from bookshelf.devtools.demo_suppliers import DeliveriesBuilder
from bookshelf.models import Supplier
from customers.models import ConsentText

pytestmark = pytest.mark.django_db


def _missing(rows, texts) -> list[str]:
    return [
        f"{getattr(row, 'code', '')} {getattr(row, 'path_code', '')}".strip() + f" {text}_{suffix}"
        for row in rows
        for text in texts
        for suffix in ("en", "zh_hans")
        if not (getattr(row, f"{text}_{suffix}") or "").strip()
    ]


def test_every_translated_text_of_every_demo_benefit_and_category_is_in_both_languages():
    DemoBuilder(customers=0, seed=3).build_catalog()
    missing = _missing(Category.objects.all(), CATEGORY_TEXTS) + _missing(
        Benefit.objects.all(), BENEFIT_TEXTS
    )
    assert Benefit.objects.count() > 100
    assert missing == [], f"{len(missing)} texts missing, first: {missing[:20]}"


def test_the_demo_consent_texts_read_in_chinese_and_english():
    demo_consents_give()
    texts = list(ConsentText.objects.all())
    assert texts and all(t.text_en and t.text_zh_hans for t in texts)
    with translation.override("zh-hans"):
        assert all("撤回" in t.text for t in texts)
    with translation.override("en"):
        assert all("withdraw" in t.text for t in texts)


def test_the_demo_suppliers_are_named_in_chinese_and_english():
    DeliveriesBuilder(seed=3, today=date(2025, 6, 15)).build_suppliers()
    suppliers = list(Supplier.objects.all())
    assert len(suppliers) >= 12
    assert _missing(suppliers, ("name",)) == []
    with translation.override("zh-hans"):
        chinese = {s.code: s.name for s in Supplier.objects.all()}
    with translation.override("en"):
        english = {s.code: s.name for s in Supplier.objects.all()}
    assert all(chinese[code] != english[code] for code in chinese)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in chinese.values())
