"""Every failure the fuzzer (or the hostile-input review) found, replayed as a plain case
through the same schema checks, so it stays fixed even if the generator stops finding it."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.hardening.fuzz_world import (
    World,
    openapi_document,
    world_build,
    wsgi_inside_test_transaction,
)

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture
def world(db: Any) -> Any:
    built = world_build()
    with wsgi_inside_test_transaction():
        yield built


def call(world: World, path: str, method: str, **case: Any) -> Any:
    operation = schema[path][method]
    return operation.Case(**case).call_and_validate(
        app=application, headers={"Authorization": f"Bearer {world.token}"}, checks=CHECKS
    )


def test_page_zero_is_a_documented_400(world):
    """Seed: GET /api/v1/benefits?category=&kind=included&page=0 answered an undocumented
    404 ("Invalid page.")."""
    response = call(
        world, "/api/v1/benefits", "GET", query={"category": "", "kind": "included", "page": 0}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_page"


def test_a_page_past_the_end_is_a_documented_404(world):
    response = call(world, "/api/v1/benefits", "GET", query={"page": 999})
    assert response.status_code == 404


def test_an_event_from_antiquity_is_refused(world):
    """Seed: occurred_at 0428-02-03T20:36:06Z was stored, then answered as
    "0428-02-04T04:41:49+08:05:43" (Shanghai's local mean time), not an RFC 3339 date-time."""
    response = call(
        world,
        "/api/v1/customers/{customer_no}/events",
        "POST",
        path_parameters={"customer_no": world.customer_nos[0]},
        body={"kind": "trip_booked", "occurred_at": "0428-02-03T20:36:06Z", "external_id": ""},
    )
    assert response.status_code == 400
    assert "occurred_at" in response.json()["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customers/{customer_no}/purchases",
        "/api/v1/customers/{customer_no}/redemptions",
    ],
)
def test_paginated_lists_match_their_documented_page_shape(world, path):
    """Seed: GET .../purchases answered {"count", "next", "previous", "results"} where the
    schema promised a bare array."""
    response = call(world, path, "GET", path_parameters={"customer_no": world.customer_nos[0]})
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    "query",
    [{"status": "completed", "source": "family", "date_from": "2000-01-01"}, {"benefit": "X"}],
)
def test_redemption_filters_are_documented(world, query):
    """The history's filters were refused by nothing but missing from the schema."""
    response = call(
        world,
        "/api/v1/customers/{customer_no}/redemptions",
        "GET",
        path_parameters={"customer_no": world.customer_nos[0]},
        query=query,
    )
    assert response.status_code == 200


@pytest.mark.parametrize("query", [{"page_size": "9" * 5000}, {"page": "9" * 5000}])
def test_overlong_numbers_in_paging_are_400_not_500(world, query):
    """int() refuses more than 4300 digits: page_size and page crashed with ValueError."""
    response = call(world, "/api/v1/benefits", "GET", query=query)
    assert response.status_code == 400


def test_every_operation_documents_the_errors_any_request_can_meet():
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "429", "503"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)
