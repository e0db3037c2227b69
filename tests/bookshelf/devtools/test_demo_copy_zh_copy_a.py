"""The demo's Chinese product copy covers every HLT, MED and SPT benefit, and nothing else."""

import re

import pytest

from bookshelf.devtools import demo_catalog
from bookshelf.devtools.demo_copy_zh import hlt, med, spt

MODULES = {"HLT": hlt, "MED": med, "SPT": spt}
KEYS = ("description", "how_to_use", "unit", "provider", "provider_notes_en", "provider_notes")
# The Chinese keys whose English twin is in the catalogue; provider_notes' twin is in the copy.
CATALOGUE_KEYS = ("description", "how_to_use", "unit", "provider")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _benefits(top: str) -> list[dict]:
    return [b for b in demo_catalog.BENEFITS if b["category"].split(".")[0] == top]


@pytest.mark.parametrize("top", sorted(MODULES))
def test_every_benefit_of_the_category_has_complete_chinese_copy(top):
    copy = MODULES[top].COPY
    benefits = _benefits(top)
    assert benefits
    missing = [b["name"] for b in benefits if b["name"] not in copy]
    assert missing == []
    for benefit in benefits:
        entry = copy[benefit["name"]]
        assert set(entry) == set(KEYS), benefit["name"]
        for key in KEYS:
            assert isinstance(entry[key], str), (benefit["name"], key)
            assert entry[key].strip(), (benefit["name"], key)
        twins = {key: benefit[key] for key in CATALOGUE_KEYS}
        twins["provider_notes"] = entry["provider_notes_en"]
        for key, english in twins.items():
            assert CJK.search(entry[key]), (benefit["name"], key)
            assert entry[key] != english, (benefit["name"], key)
        assert not CJK.search(entry["provider_notes_en"]), benefit["name"]


@pytest.mark.parametrize("top", sorted(MODULES))
def test_no_copy_for_a_name_outside_the_category(top):
    names = {b["name"] for b in _benefits(top)}
    strays = sorted(set(MODULES[top].COPY) - names)
    assert strays == []


def test_the_three_categories_hold_68_benefits():
    assert sum(len(_benefits(top)) for top in MODULES) == 68
