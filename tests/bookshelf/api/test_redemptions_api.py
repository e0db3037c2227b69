from datetime import timedelta

import pytest
from django.utils import timezone

from benefits.models import BenefitStatus
from benefits.services import benefit_retire
from bookshelf.models import QuotaBalance, Redemption
from customers.models import ProductLine, Tier
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/v1/customers/{customer.customer_no}/redemptions"


def test_redeem_returns_201_with_remaining(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    response = post_json(app_api, url(customer), {"benefit": benefit.code, "channel": "app"})
    assert response.status_code == 201
    body = response.json()
    assert body["remaining"] == 1
    assert body["source"] == "tier"
    assert body["benefit"] == benefit.code
    assert body["holder"] == body["beneficiary"] == customer.customer_no
    redemption = Redemption.objects.get(pk=body["id"])
    assert redemption.tier_snapshot == Tier.GOLD
    assert redemption.benefit_code == benefit.code


def test_idempotent_replay_returns_the_first_response_and_spends_once(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    first = post_json(app_api, url(customer), {"benefit": benefit.code}, key="abc-1")
    again = post_json(app_api, url(customer), {"benefit": benefit.code}, key="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Redemption.objects.filter(holder=customer).count() == 1
    assert QuotaBalance.objects.get(holder=customer).used == 1


def test_same_key_with_another_body_is_422_and_changes_nothing(app_api):
    customer = make_customer(tier=Tier.GOLD)
    one = make_benefit(cells={Tier.GOLD: 3})
    two = make_benefit(cells={Tier.GOLD: 3})
    post_json(app_api, url(customer), {"benefit": one.code}, key="k-9")
    response = post_json(app_api, url(customer), {"benefit": two.code}, key="k-9")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Redemption.objects.filter(benefit=two).count() == 0


def test_keys_belong_to_their_client(app_api, readonly_api):
    from rest_framework.test import APIClient

    from bookshelf.integrations.services import api_client_create

    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    _c, token = api_client_create(name="second-app")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    post_json(app_api, url(customer), {"benefit": benefit.code}, key="shared")
    second = post_json(other, url(customer), {"benefit": benefit.code}, key="shared")
    assert second.status_code == 201
    assert Redemption.objects.count() == 2


def test_no_quota_left_is_409(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1})
    assert post_json(app_api, url(customer), {"benefit": benefit.code}).status_code == 201
    response = post_json(app_api, url(customer), {"benefit": benefit.code})
    assert response.status_code == 409
    assert response.json()["code"] == "quota_exhausted"
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("not_in_tier", "not_in_tier"),
        ("needs_life_policy", "product_line_required"),
        ("too_young", "age_not_eligible"),
        ("retired", "benefit_retired"),
        ("draft", "benefit_not_available"),
    ],
)
def test_not_eligible_is_403_with_a_reason(app_api, setup, code):
    customer = make_customer(tier=Tier.GOLD, age=30, product_line=ProductLine.MEDICAL)
    if setup == "not_in_tier":
        benefit = make_benefit(cells={Tier.DIAMOND: 1})
    elif setup == "needs_life_policy":
        benefit = make_benefit(cells={Tier.GOLD: 1}, requires_product_line="long_term_life")
    elif setup == "too_young":
        benefit = make_benefit(cells={Tier.GOLD: 1}, min_age=60)
    elif setup == "retired":
        benefit = make_benefit(cells={Tier.GOLD: 1})
        benefit_retire(benefit=benefit, reason="rarely used")
    else:
        benefit = make_benefit(cells={Tier.GOLD: 1}, status=BenefitStatus.DRAFT)
    response = post_json(app_api, url(customer), {"benefit": benefit.code})
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert Redemption.objects.count() == 0


def test_family_member_uses_a_shared_benefit(app_api):
    holder = make_customer(tier=Tier.DIAMOND)
    child = make_customer(tier=Tier.PROSPECT, age=10)
    make_family(holder, child, "child")
    benefit = make_benefit(cells={Tier.DIAMOND: 3}, shareable=True, family_quota=1)
    body = {"benefit": benefit.code, "beneficiary": child.customer_no}
    first = post_json(app_api, url(holder), body)
    assert first.status_code == 201
    assert first.json()["source"] == "family"
    assert first.json()["beneficiary"] == child.customer_no
    second = post_json(app_api, url(holder), body)
    assert second.status_code == 409
    assert second.json()["code"] == "family_allowance_exhausted"
    # The holder still has their own uses: family took one of three.
    own = post_json(app_api, url(holder), {"benefit": benefit.code})
    assert own.json()["remaining"] == 1


def test_family_member_redeems_from_their_own_number(app_api):
    holder = make_customer(tier=Tier.DIAMOND)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse, "spouse")
    benefit = make_benefit(cells={Tier.DIAMOND: 3}, shareable=True, family_quota=2)
    response = post_json(app_api, url(spouse), {"benefit": benefit.code})
    assert response.status_code == 201
    assert response.json()["holder"] == holder.customer_no
    assert response.json()["source"] == "family"


def test_sharing_refusals(app_api):
    holder = make_customer(tier=Tier.DIAMOND)
    stranger = make_customer(tier=Tier.ORDINARY)
    relative = make_customer(tier=Tier.ORDINARY)
    make_family(holder, relative, "parent")
    private = make_benefit(cells={Tier.DIAMOND: 3})
    shared = make_benefit(cells={Tier.DIAMOND: 3}, shareable=True, family_quota=1)
    response = post_json(
        app_api, url(holder), {"benefit": shared.code, "beneficiary": stranger.customer_no}
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_family_member")
    response = post_json(
        app_api, url(holder), {"benefit": private.code, "beneficiary": relative.customer_no}
    )
    assert (response.status_code, response.json()["code"]) == (403, "benefit_not_shareable")
    assert Redemption.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"benefit": ""}, {"benefit": "X" * 500}, {"benefit": "MED.01.001", "channel": "fax"}],
)
def test_malformed_input_is_400_with_field_messages(app_api, body):
    customer = make_customer(tier=Tier.GOLD)
    response = post_json(app_api, url(customer), body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]


def test_unknown_benefit_is_404(app_api):
    customer = make_customer(tier=Tier.GOLD)
    response = post_json(app_api, url(customer), {"benefit": "MED.09.999"})
    assert response.status_code == 404
    assert response.json()["code"] == "benefit_not_found"


def test_non_json_and_bad_keys_are_400(app_api):
    customer = make_customer(tier=Tier.GOLD)
    response = app_api.post(url(customer), data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    response = app_api.post(url(customer), data=b"\xff\xfe", content_type="application/json")
    assert response.status_code == 400
    response = post_json(app_api, url(customer), {"benefit": "MED.01.001"}, key="x" * 200)
    assert response.status_code == 400


def test_history_filters(app_api):
    customer = make_customer(tier=Tier.GOLD)
    hlt = make_benefit(cells={Tier.GOLD: 5}, category_code="HLT")
    med = make_benefit(cells={Tier.GOLD: 5}, category_code="MED")
    for benefit in (hlt, hlt, med):
        post_json(app_api, url(customer), {"benefit": benefit.code})
    Redemption.objects.filter(benefit=med).update(created_at=timezone.now() - timedelta(days=40))
    assert app_api.get(url(customer)).json()["count"] == 3
    assert app_api.get(url(customer) + f"?benefit={hlt.code}").json()["count"] == 2
    assert app_api.get(url(customer) + "?category=MED").json()["count"] == 1
    assert app_api.get(url(customer) + "?category=MED.01").json()["count"] == 1
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert app_api.get(url(customer) + f"?date_from={since}").json()["count"] == 2
    assert app_api.get(url(customer) + f"?date_to={since}").json()["count"] == 1
    bad = app_api.get(url(customer) + "?date_from=yesterday")
    assert bad.status_code == 400


def test_cancel_gives_the_use_back_once(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1})
    rid = post_json(app_api, url(customer), {"benefit": benefit.code}).json()["id"]
    cancel_url = f"{url(customer)}/{rid}/cancel"
    response = app_api.post(cancel_url)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = app_api.post(cancel_url)
    assert again.status_code == 409
    assert again.json()["code"] == "already_cancelled"
    assert QuotaBalance.objects.get(holder=customer).used == 0
    assert post_json(app_api, url(customer), {"benefit": benefit.code}).status_code == 201


def test_cancel_is_scoped_to_the_customer(app_api):
    one = make_customer(tier=Tier.GOLD)
    two = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1})
    rid = post_json(app_api, url(one), {"benefit": benefit.code}).json()["id"]
    response = app_api.post(f"{url(two)}/{rid}/cancel")
    assert response.status_code == 404
    assert response.json()["code"] == "redemption_not_found"
    assert Redemption.objects.get(pk=rid).status == "completed"
