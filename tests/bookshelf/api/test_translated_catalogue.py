"""The catalogue in both languages where the bookshelf shows it: the catalog API answers in
the reader's language with every `translations`, the benefit centre reads both from its cached
views, and the admin edits both side by side and finds what lacks a translation."""

from __future__ import annotations

import pytest

from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def test_the_catalog_answers_in_the_readers_language_with_both_translations(app_api):
    benefit = make_benefit(
        name="VIP hospital escort",
        name_zh_hans="VIP陪诊",
        description="An escort through the visit.",
        description_zh_hans="专人全程陪同就医。",
        how_to_use="Book in the app.",
        how_to_use_zh_hans="请在App预约。",
        unit="escort",
        unit_zh_hans="次",
    )
    url = f"/api/v1/benefits/{benefit.code}"
    chinese = app_api.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = app_api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [chinese[k] for k in ("name", "description", "how_to_use", "unit")] == [
        "VIP陪诊",
        "专人全程陪同就医。",
        "请在App预约。",
        "次",
    ]
    assert [english[k] for k in ("name", "description", "how_to_use", "unit")] == [
        "VIP hospital escort",
        "An escort through the visit.",
        "Book in the app.",
        "escort",
    ]
    assert "name_zh" not in chinese
    assert chinese["translations"] == english["translations"]
    assert english["translations"]["zh-hans"]["how_to_use"] == "请在App预约。"
    assert english["translations"]["en"]["unit"] == "escort"
    tree = app_api.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    med = next(node for node in tree if node["code"] == "MED")
    assert med["name"] == "类别"
    assert med["translations"] == {"en": {"name": "Category MED"}, "zh-hans": {"name": "类别"}}


def test_the_benefit_centre_reads_both_languages_from_its_cached_views(app_api):
    customer = make_customer(tier=Tier.GOLD)
    make_benefit(
        cells={Tier.GOLD: 2},
        how_to_use="Book in the app.",
        how_to_use_zh_hans="请在App预约。",
        description="An escort. More.",
        description_zh_hans="专人陪诊。更多。",
    )
    url = f"/api/v1/customers/{customer.customer_no}/bookshelf"
    chinese = app_api.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = app_api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()  # from the cache
    zh, en = chinese["categories"][0]["benefits"][0], english["categories"][0]["benefits"][0]
    assert (zh["name"], zh["how_to_use"], zh["summary"]) == (
        "测试权益",
        "请在App预约。",
        "专人陪诊。",
    )
    assert (en["name"], en["how_to_use"], en["summary"]) == (
        "Test benefit",
        "Book in the app.",
        "An escort.",
    )
    # The sub-category has no Chinese name: the English one, not an empty heading.
    assert chinese["categories"][0]["name"] == "Sub MED.01"
