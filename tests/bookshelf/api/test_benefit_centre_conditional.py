"""The benefit centre answers a poll of an unchanged centre with a 304, and gzips for a client
that accepts it."""

from __future__ import annotations

import gzip

import orjson
import pytest

from bookshelf.ledger.services import redemption_create
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/v1/customers/{customer.customer_no}/bookshelf"


def test_an_unchanged_centre_is_a_304_and_a_spent_use_a_new_etag(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    first = app_api.get(url(customer))
    etag = first["ETag"]
    assert first.status_code == 200 and etag

    again = app_api.get(url(customer), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    redemption_create(customer=customer, benefit_code=benefit.code)
    changed = app_api.get(url(customer), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    (entry,) = [b for c in changed.json()["categories"] for b in c["benefits"]]
    assert entry["used"] == 1


def test_the_etag_differs_by_language(app_api):
    customer = make_customer(tier=Tier.GOLD)
    make_benefit(cells={Tier.GOLD: 1}, name="Check-up", name_zh_hans="体检")
    english = app_api.get(url(customer), HTTP_ACCEPT_LANGUAGE="en")
    chinese = app_api.get(
        url(customer), HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_IF_NONE_MATCH=english["ETag"]
    )
    assert chinese.status_code == 200
    assert chinese["ETag"] != english["ETag"]


def test_a_client_accepting_gzip_gets_the_same_answer_compressed(app_api):
    customer = make_customer(tier=Tier.GOLD)
    for _ in range(30):
        make_benefit(cells={Tier.GOLD: 2})
    plain = app_api.get(url(customer))
    packed = app_api.get(url(customer), HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    assert orjson.loads(gzip.decompress(packed.content)) == plain.json()
