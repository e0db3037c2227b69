"""Each endpoint answers a Chinese request in Chinese and an English one in English.

Checked through what is bilingual today and does not move when the catalogue's texts move to
translated fields: benefit names (`name` / `name_zh`), tier labels, recommendation reasons
and push explanations (gettext), error messages. A text missing in the reader's language falls
back to the other one (a sub-category without a Chinese name shows its English name).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from customers.models import Tier
from tests.bookshelf.api.conftest import new_key
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


def both(api: Any, url: str) -> tuple[Any, Any]:
    en, zh = api.get(url, **EN), api.get(url, **ZH)
    assert (en.status_code, zh.status_code) == (200, 200), (url, en.content[:200])
    assert (en["Content-Language"], zh["Content-Language"]) == ("en", "zh-hans"), url
    return en.json(), zh.json()


@pytest.fixture
def shelf(app_api: Any) -> dict[str, Any]:
    customer = make_customer(tier=Tier.GOLD, consent=False)
    checkup = make_benefit(cells={Tier.GOLD: 2}, category_code="HLT", name="Health check-up")
    make_benefit(category_code="SPT", kind="paid", price="99.00", name="Gym pass")
    used = app_api.post(
        f"/api/v1/customers/{customer.customer_no}/redemptions",
        {"benefit": checkup.code},
        format="json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )
    assert used.status_code == 201
    return {"no": customer.customer_no, "checkup": checkup.code, "redemption": used.json()["id"]}


def test_the_benefit_centre(app_api, shelf):
    en, zh = both(app_api, f"/api/v1/customers/{shelf['no']}/bookshelf")
    assert en["customer"]["tier_label"] == "VIP gold"
    assert chinese(zh["customer"]["tier_label"])

    def entry(body: dict[str, Any]) -> dict[str, Any]:
        return next(
            e for c in body["categories"] for e in c["benefits"] if e["code"] == shelf["checkup"]
        )

    assert entry(en)["name"] == "Health check-up"
    assert entry(zh)["name"] == "测试权益"
    # The sub-category has no Chinese name: the Chinese answer falls back to the English one.
    assert [c["name"] for c in zh["categories"]] == [c["name"] for c in en["categories"]]
    assert not any(chinese(c["name"]) for c in en["categories"])
    assert [p["name"] for p in en["purchasable"]] == ["Gym pass"]
    assert [p["name"] for p in zh["purchasable"]] == ["测试权益"]


def test_the_catalog(app_api, shelf):
    en, zh = both(app_api, "/api/v1/benefits")
    assert {b["name"] for b in en["results"]} == {"Health check-up", "Gym pass"}
    assert {b["name"] for b in zh["results"]} == {"测试权益"}
    en, zh = both(app_api, f"/api/v1/benefits/{shelf['checkup']}")
    assert (en["name"], zh["name"]) == ("Health check-up", "测试权益")
    both(app_api, "/api/v1/categories")


def test_recommendations_reasons_and_push_explanations(app_api, shelf):
    en, zh = both(app_api, f"/api/v1/customers/{shelf['no']}/recommendations")
    en_rec, zh_rec = en["recommendations"][0], zh["recommendations"][0]
    assert en_rec["code"] == zh_rec["code"] == shelf["checkup"]
    assert (en_rec["name"], zh_rec["name"]) == ("Health check-up", "测试权益")
    assert en_rec["reasons"] and len(en_rec["reasons"]) == len(zh_rec["reasons"])
    assert not any(chinese(r) for r in en_rec["reasons"])
    assert all(chinese(r) for r in zh_rec["reasons"])
    # No consent to any push channel: the same code, the reason in the reader's language.
    assert en_rec["push"]["code"] == zh_rec["push"]["code"] == "consent_required"
    assert not chinese(en_rec["push"]["reason"]) and chinese(zh_rec["push"]["reason"])


@pytest.mark.parametrize("path", ["redemptions", "purchases", "consents"])
def test_the_other_customer_reads_say_their_language(app_api, shelf, path):
    both(app_api, f"/api/v1/customers/{shelf['no']}/{path}")


def test_the_writes_and_their_refusals(app_api, shelf):
    no = shelf["no"]
    uses = f"/api/v1/customers/{no}/redemptions"
    feedback = f"{uses}/{shelf['redemption']}/feedback"
    for lang, is_chinese in ((EN, False), (ZH, True)):
        refused = app_api.post(feedback, {"score": 42}, format="json", **lang)
        assert refused.status_code == 400
        assert chinese(refused.json()["fields"]["score"][0]) is is_chinese
        consent = app_api.post(
            f"/api/v1/customers/{no}/consents", {"purpose": "x"}, format="json", **lang
        )
        assert consent.status_code == 400
        assert all(chinese(m[0]) is is_chinese for m in consent.json()["fields"].values())
        asked = app_api.post(
            "/api/v1/demand-signals", {"text": "宠物医疗", "customer": no}, format="json", **lang
        )
        assert asked.status_code == 201
        assert asked["Content-Language"] == ("zh-hans" if is_chinese else "en")
    done = app_api.post(feedback, {"score": 9}, format="json", **ZH)
    assert done.status_code == 201 and done["Content-Language"] == "zh-hans"
    for lang, is_chinese in ((EN, False), (ZH, True)):
        again = app_api.post(feedback, {"score": 9}, format="json", **lang)
        assert again.status_code == 409 and again.json()["code"] == "feedback_exists"
        assert chinese(again.json()["message"]) is is_chinese
        bought = app_api.post(
            f"/api/v1/customers/{no}/purchases",
            {"benefit": shelf["checkup"], "payment_reference": "p-1"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
            **lang,
        )
        assert bought.json()["code"] == "benefit_not_purchasable"
        assert chinese(bought.json()["message"]) is is_chinese
