"""The catalogue's texts in English and Chinese (django-modeltranslation): the one fallback
rule, the history of a Chinese text, the catalog API's `translations`, import and export of
both languages, and the admin's "translation missing"."""

from __future__ import annotations

import io

import pytest
import tablib
from django.utils import translation

from benefits.models import Benefit
from benefits.resources import BenefitResource
from benefits.selectors import benefits_missing_translation, translation_missing_q
from benefits.text import chooser, translated
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db


def test_each_language_falls_back_to_the_other_on_models_and_plain_data():
    benefit = make_benefit(
        name="Dental cleaning",
        description="Scaling and polishing.",
        description_zh_hans="",
        how_to_use="",
        how_to_use_zh_hans="在App预约。",
    )
    with translation.override("zh-hans"):
        assert benefit.name == "测试权益"
        assert benefit.description == "Scaling and polishing."  # no Chinese yet: English
        assert translated(benefit, "description") == "Scaling and polishing."
        assert chooser()("English", "") == "English"
    with translation.override("en"):
        assert benefit.name == "Dental cleaning"
        assert benefit.how_to_use == "在App预约。"  # no English: the Chinese
        assert translated(benefit, "how_to_use") == "在App预约。"
        assert chooser()(None, "中文") == "中文"


def test_a_change_to_the_chinese_description_is_in_the_history():
    benefit = make_benefit(description="Scaling.", description_zh_hans="洁牙。")
    benefit.description_zh_hans = "超声波洁牙、抛光。"
    benefit.save()
    latest, before = benefit.history.order_by("-history_date", "-history_id")[:2]
    assert (before.description_zh_hans, latest.description_zh_hans) == (
        "洁牙。",
        "超声波洁牙、抛光。",
    )
    assert latest.description_en == "Scaling."
    # simple-history's diff knows the fields of its model at definition time: name them.
    delta = latest.diff_against(before, included_fields=["description_en", "description_zh_hans"])
    assert [c.field for c in delta.changes] == ["description_zh_hans"]


# -- import and export ------------------------------------------------------------------------
def test_both_languages_round_trip_through_export_and_import():
    benefit = make_benefit(
        name="Eye examination", description="A full check.", description_zh_hans="全面眼科检查。"
    )
    exported = BenefitResource().export()
    assert {"name_en", "name_zh_hans", "description_en", "description_zh_hans"} <= set(
        exported.headers
    )
    row = exported.dict[0]
    assert (row["name_zh_hans"], row["description_zh_hans"]) == ("测试权益", "全面眼科检查。")
    Benefit.objects.filter(pk=benefit.pk).update(description_zh_hans="", name_zh_hans="")
    result = BenefitResource().import_data(exported, dry_run=False, raise_errors=True)
    assert not result.has_validation_errors()
    benefit.refresh_from_db()
    assert (benefit.name_zh_hans, benefit.description_zh_hans) == ("测试权益", "全面眼科检查。")
    assert benefit.name_en == "Eye examination"


def test_a_file_with_english_columns_only_still_imports():
    existing = make_benefit(name="Old name")
    data = tablib.Dataset(headers=["code", "category", "name_en", "description_en", "kind"])
    data.append([existing.code, existing.category.path_code, "New name", "Text.", "included"])
    data.append(["", existing.category.path_code, "Brand new", "Fresh.", "included"])
    result = BenefitResource().import_data(data, dry_run=False, raise_errors=True)
    assert not result.has_validation_errors()
    existing.refresh_from_db()
    assert (existing.name_en, existing.name_zh_hans) == ("New name", "测试权益")  # Chinese kept
    created = Benefit.objects.get(name_en="Brand new")
    assert (created.unit_en, created.unit_zh_hans, created.name_zh_hans) == ("use", "次", "")


def test_a_sheet_from_before_the_translated_columns_still_imports():
    existing = make_benefit(name="Old name")
    csv = (
        "code,category,name,name_zh,kind\n"
        f"{existing.code},{existing.category.path_code},Renamed,改名,included\n"
    )
    data = tablib.Dataset().load(io.StringIO(csv).read(), format="csv")
    result = BenefitResource().import_data(data, dry_run=False, raise_errors=True)
    assert not result.has_validation_errors()
    existing.refresh_from_db()
    assert (existing.name_en, existing.name_zh_hans) == ("Renamed", "改名")


# -- translation missing ---------------------------------------------------------------------
def test_translation_missing_finds_benefits_lacking_a_text_in_a_language():
    whole = make_benefit(
        name="Whole",
        description="D.",
        description_zh_hans="描述。",
        how_to_use="H.",
        how_to_use_zh_hans="用法。",
    )
    no_chinese = make_benefit(name="No Chinese how-to", description="D.", how_to_use="H.")
    no_chinese.description_zh_hans = "描述。"
    no_chinese.save()
    lacking_zh = set(Benefit.objects.filter(translation_missing_q("zh-hans")))
    lacking_en = set(Benefit.objects.filter(translation_missing_q("en")))
    assert no_chinese in lacking_zh and whole not in lacking_zh
    assert whole not in lacking_en
    assert whole not in set(benefits_missing_translation())
