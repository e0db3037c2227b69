"""The demo catalogue's Chinese product copy is complete for TRV, LIF, GFT, WLT and ELD.

Every benefit of these top categories has an entry with all six texts, the Chinese ones really
Chinese (not the English pasted in), the supplier note in English free of Chinese, and no entry
is keyed by a name the catalogue does not have (a typo would silently drop the copy).
"""

import re

import pytest

from bookshelf.devtools import demo_catalog
from bookshelf.devtools.demo_copy_zh import eld, gft, lif, trv, wlt

MODULES = {"TRV": trv, "LIF": lif, "GFT": gft, "WLT": wlt, "ELD": eld}
KEYS = ("description", "how_to_use", "unit", "provider", "provider_notes_en", "provider_notes")
ZH_KEYS = ("description", "how_to_use", "unit", "provider", "provider_notes")
CJK = re.compile(r"[\u3400-\u9fff]")

BENEFITS = [b for b in demo_catalog.BENEFITS if b["category"].split(".")[0] in MODULES]


def test_the_five_categories_hold_eighty_benefits() -> None:
    assert len(BENEFITS) == 80


def _ids(benefit: dict) -> str:
    return str(benefit["name"])


@pytest.mark.parametrize("benefit", BENEFITS, ids=_ids)
def test_every_benefit_has_chinese_copy(benefit: dict) -> None:
    module = MODULES[benefit["category"].split(".")[0]]
    entry = module.COPY.get(benefit["name"])
    assert entry is not None, f"no Chinese copy for {benefit['name']!r} in {module.__name__}"
    assert set(entry) == set(KEYS)
    for key in KEYS:
        assert entry[key].strip(), f"{benefit['name']!r}: {key} is empty"
    for key in ZH_KEYS:
        assert CJK.search(entry[key]), f"{benefit['name']!r}: {key} has no Chinese"
        english = entry["provider_notes_en"] if key == "provider_notes" else benefit[key]
        assert entry[key] != english, f"{benefit['name']!r}: {key} is the English text"
    assert not CJK.search(entry["provider_notes_en"]), (
        f"{benefit['name']!r}: provider_notes_en holds Chinese"
    )


@pytest.mark.parametrize("code", sorted(MODULES))
def test_no_entry_for_a_name_outside_the_category(code: str) -> None:
    names = {b["name"] for b in BENEFITS if b["category"].split(".")[0] == code}
    stray = set(MODULES[code].COPY) - names
    assert not stray, f"{code}: keys that are not benefit names of the category: {sorted(stray)}"
