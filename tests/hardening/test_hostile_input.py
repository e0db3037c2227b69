"""Hostile input gets a clear 4xx in the error shape, at once: never a 500, never a hang."""

from __future__ import annotations

import io
import json

import pytest
from django.test import override_settings

from config.parsers import MAX_DEPTH, BoundedJSONParser, json_depth_exceeds
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def assert_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert "Traceback" not in response.content.decode("utf-8", "replace")


@pytest.fixture
def gold_customer():
    return make_customer(tier=Tier.GOLD)


def redemptions_url(customer):
    return f"/api/v1/customers/{customer.customer_no}/redemptions"


def test_a_body_over_one_mib_is_413_before_it_is_read(app_api, gold_customer):
    body = json.dumps({"benefit": "X", "padding": "a" * (MiB + 10)})
    response = app_api.post(redemptions_url(gold_customer), body, content_type="application/json")
    assert_error(response, 413, "request_too_large")


def test_a_body_without_an_honest_length_is_cut_at_the_limit():
    """Chunked bodies have no Content-Length: the parser reads at most limit + 1 bytes."""
    from config.exceptions import RequestTooLarge

    stream = io.BytesIO(b"[" + b"1," * MiB + b"1]")
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream)
    assert stream.tell() == MiB + 1


def test_a_smaller_limit_is_honoured(app_api, gold_customer):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = app_api.post(
            redemptions_url(gold_customer), {"benefit": "x" * 200}, format="json"
        )
    assert_error(response, 413, "request_too_large")


@pytest.mark.parametrize("depth", [100_000, 5_000, MAX_DEPTH + 1])
def test_deeply_nested_json_is_400_not_a_recursion_crash(app_api, gold_customer, depth):
    body = "[" * depth + "]" * depth
    response = app_api.post(redemptions_url(gold_customer), body, content_type="application/json")
    assert_error(response, 400, "malformed_request")


def test_nesting_within_the_limit_still_parses():
    document = json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert not json_depth_exceeds(document, MAX_DEPTH)
    assert json_depth_exceeds([document], MAX_DEPTH)
    nested_dict: dict = {}
    for _ in range(MAX_DEPTH + 1):
        nested_dict = {"a": nested_dict}
    assert json_depth_exceeds(nested_dict, MAX_DEPTH)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"benefit": "\xff\xfe"}',  # not UTF-8
        b"\xc3\x28",  # a broken two-byte sequence
        b'{"benefit": NaN}',  # not strict JSON
        b'{"benefit": "' + b"9" * 5000 + b'"',  # truncated
        b"[" + b"9" * 5000 + b"]",  # an integer past Python's digit limit
    ],
)
def test_malformed_bodies_are_400(app_api, gold_customer, raw):
    response = app_api.post(redemptions_url(gold_customer), raw, content_type="application/json")
    assert_error(response, 400, "malformed_request")


def test_nul_in_a_body_field_is_a_field_error(app_api, gold_customer):
    response = app_api.post(redemptions_url(gold_customer), {"benefit": "A\x00B"}, format="json")
    assert_error(response, 400, "invalid")
    assert "benefit" in response.json()["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customers/%00/bookshelf",
        "/api/v1/benefits/%00",
        "/api/v1/benefits?search=%00",
        "/api/v1/benefits?category=MED%00",
    ],
)
def test_nul_in_the_url_is_400(app_api, path):
    response = app_api.get(path)
    assert_error(response, 400, "malformed_request")


def test_invalid_utf8_in_the_url_is_answered(app_api, gold_customer):
    make_benefit(cells={Tier.GOLD: 1})
    assert app_api.get("/api/v1/benefits?search=%ff%fe").status_code == 200
    assert_error(app_api.get("/api/v1/benefits/%ff%fe"), 404, "benefit_not_found")
    assert_error(app_api.get("/api/v1/customers/%ff%fe/bookshelf"), 404, "customer_not_found")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("page_size=1000000", "invalid_page_size"),
        ("page_size=" + "9" * 5000, "invalid_page_size"),  # int() would refuse > 4300 digits
        ("page_size=%C2%B2", "invalid_page_size"),  # "²" passes str.isdigit, not int()
        ("page_size=-1", "invalid_page_size"),
        ("page=0", "invalid_page"),
        ("page=" + "9" * 5000, "invalid_page"),
        ("page=%D9%A1", "invalid_page"),  # an Arabic-Indic digit
        ("pagesize=10", "unknown_parameter"),
        ("limit=5", "unknown_parameter"),
    ],
)
def test_bad_paging_and_unknown_parameters_are_400(app_api, query, code):
    assert_error(app_api.get(f"/api/v1/benefits?{query}"), 400, code)


def test_a_page_past_the_end_is_404(app_api):
    make_benefit(cells={Tier.GOLD: 1})
    assert_error(app_api.get("/api/v1/benefits?page=99"), 404, "not_found")


@pytest.mark.parametrize("limit", ["0", "51", "9" * 5000, "x"])
def test_bad_recommendation_limits_are_400(app_api, gold_customer, limit):
    url = f"/api/v1/customers/{gold_customer.customer_no}/recommendations?limit={limit}"
    assert_error(app_api.get(url), 400, "invalid")


def test_too_many_query_parameters_is_400_in_the_error_shape(app_api):
    query = "&".join(f"p{i}=1" for i in range(2000))
    assert_error(app_api.get(f"/api/v1/benefits?{query}"), 400, "malformed_request")


def test_an_unknown_api_url_answers_the_error_shape(app_api):
    assert_error(app_api.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_body_that_is_not_json_is_415(app_api, gold_customer):
    response = app_api.post(
        redemptions_url(gold_customer),
        "benefit=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "unsupported_media_type")


def test_a_huge_header_token_is_401(app_api):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + "x" * 100_000)
    assert_error(api.get("/api/v1/benefits"), 401, "authentication_failed")
    api.credentials(HTTP_AUTHORIZATION="Bearer \xff\xfe")
    assert_error(api.get("/api/v1/benefits"), 401, "authentication_failed")
