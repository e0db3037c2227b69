"""Dates at the edges of what Python and the databases hold never answer 500.

Filter bounds (`date_from`, `date_to`) past any stored row are clamped: `date_to=9999-12-31` is
the common "no end" sentinel and means "everything", `date_from=0001-01-01` means "from the
start". A value that is not a date at all (year 10000, a datetime) is a 400 with a code.
Datetimes in a body (an event's `occurred_at`) at the edges are a 400 with a code, never an
overflow while converting them to the local time zone.
"""

import pytest

from bookshelf.models import CustomerEvent
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _history(api, customer, **params):
    return api.get(f"/api/v1/customers/{customer.customer_no}/redemptions", params)


@pytest.fixture
def used(app_api):
    from customers.models import Tier

    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    assert (
        post_json(
            app_api,
            f"/api/v1/customers/{customer.customer_no}/redemptions",
            {"benefit": benefit.code},
        ).status_code
        == 201
    )
    return customer


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "9999-12-31"},
        {"date_to": "9999-12-30"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_extreme_bounds_give_the_full_history(app_api, used, params):
    response = _history(app_api, used, **params)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "9999-12-31"},
        {"date_to": "0001-01-01"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
    ],
)
def test_extreme_bounds_on_the_far_side_give_nothing(app_api, used, params):
    response = _history(app_api, used, **params)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "value", ["10000-01-01", "99999-12-31", "9999-12-31T23:59:59+14:00", "0000-01-01", "-1"]
)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_a_value_that_is_not_a_date_is_a_400_with_a_code(app_api, used, name, value):
    response = _history(app_api, used, **{name: value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert name in body["fields"]


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59+14:00",
        "9999-12-31T23:59:59",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00-14:00",
    ],
)
def test_event_times_at_the_edges_are_a_400_and_store_nothing(app_api, value):
    customer = make_customer()
    response = post_json(
        app_api,
        f"/api/v1/customers/{customer.customer_no}/events",
        {"kind": "claim_filed", "occurred_at": value},
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] in {"invalid", "date_out_of_range"}
    assert "occurred_at" in body["fields"]
    assert not CustomerEvent.objects.exists()
