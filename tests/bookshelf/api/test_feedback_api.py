import pytest

from bookshelf.models import RedemptionFeedback
from customers.models import Tier
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _use(app_api, customer, benefit):
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    return post_json(app_api, url, {"benefit": benefit.code}).json()["id"]


def test_feedback_once_per_redemption(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    rid = _use(app_api, customer, benefit)
    url = f"/api/v1/customers/{customer.customer_no}/redemptions/{rid}/feedback"
    first = post_json(app_api, url, {"score": 9, "comment": "on time"})
    assert first.status_code == 201
    assert first.json()["score"] == 9
    assert first.json()["benefit"] == benefit.code
    again = post_json(app_api, url, {"score": 2})
    assert again.status_code == 409
    assert again.json()["code"] == "feedback_exists"
    assert RedemptionFeedback.objects.get().score == 9


@pytest.mark.parametrize("body", [{"score": 11}, {"score": -1}, {"score": "ten"}, {}])
def test_bad_scores_are_400(app_api, body):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    rid = _use(app_api, customer, benefit)
    url = f"/api/v1/customers/{customer.customer_no}/redemptions/{rid}/feedback"
    response = post_json(app_api, url, body)
    assert response.status_code == 400
    assert "score" in response.json()["fields"]
    assert not RedemptionFeedback.objects.exists()


def test_feedback_on_someone_elses_redemption_is_404(app_api):
    one = make_customer(tier=Tier.GOLD)
    two = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    rid = _use(app_api, one, benefit)
    url = f"/api/v1/customers/{two.customer_no}/redemptions/{rid}/feedback"
    response = post_json(app_api, url, {"score": 10})
    assert response.status_code == 404
    assert not RedemptionFeedback.objects.exists()


def test_cancelled_use_cannot_be_rated(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    rid = _use(app_api, customer, benefit)
    base = f"/api/v1/customers/{customer.customer_no}/redemptions/{rid}"
    app_api.post(f"{base}/cancel")
    response = post_json(app_api, f"{base}/feedback", {"score": 10})
    assert response.status_code == 409
