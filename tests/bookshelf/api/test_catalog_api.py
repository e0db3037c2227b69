import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from benefits.models import BenefitStatus
from customers.models import Tier
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return {
        "checkup": make_benefit(
            cells={Tier.GOLD: 1, Tier.DIAMOND: 2},
            category_code="HLT",
            name="High-end health check-up",
        ),
        "escort": make_benefit(
            cells={Tier.PLATINUM: 2},
            category_code="MED",
            shareable=True,
            family_quota=1,
            name="VIP hospital escort",
        ),
        "gym": make_benefit(category_code="SPT", kind="paid", price="99.00", name="Gym pass"),
        "draft": make_benefit(category_code="MED", status=BenefitStatus.DRAFT, name="Draft"),
    }


def codes(response):
    return [b["code"] for b in response.json()["results"]]


def test_category_tree(app_api, catalog):
    tree = app_api.get("/api/v1/categories").json()
    top = {node["code"]: node for node in tree}
    assert {"HLT", "MED", "SPT"} <= set(top)
    assert top["MED"]["children"][0]["code"] == "MED.01"


def test_catalog_is_ordered_by_code_and_paginated(app_api, catalog):
    response = app_api.get("/api/v1/benefits?page_size=2")
    body = response.json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    all_codes = codes(app_api.get("/api/v1/benefits"))
    assert all_codes == sorted(all_codes)


def test_category_prefix_matches_the_whole_branch(app_api, catalog):
    assert set(codes(app_api.get("/api/v1/benefits?category=MED"))) == {
        catalog["escort"].code,
        catalog["draft"].code,
    }
    assert codes(app_api.get("/api/v1/benefits?category=MED.01")) != []
    assert codes(app_api.get("/api/v1/benefits?category=ME")) == []


def test_filters(app_api, catalog):
    assert codes(app_api.get("/api/v1/benefits?tier=diamond")) == [catalog["checkup"].code]
    assert codes(app_api.get("/api/v1/benefits?status=draft")) == [catalog["draft"].code]
    assert codes(app_api.get("/api/v1/benefits?kind=paid")) == [catalog["gym"].code]
    assert codes(app_api.get("/api/v1/benefits?shareable=true")) == [catalog["escort"].code]
    assert codes(app_api.get("/api/v1/benefits?search=escort")) == [catalog["escort"].code]
    assert codes(app_api.get("/api/v1/benefits?search=测试")) != []


def test_bad_filters_and_page_sizes_are_400(app_api, catalog):
    for query in ("tier=emperor", "status=gone", "page_size=100000", "page_size=-1", "colour=red"):
        response = app_api.get(f"/api/v1/benefits?{query}")
        assert response.status_code == 400, query
        assert response.json()["code"] in {"invalid", "invalid_page_size", "unknown_parameter"}


def test_benefit_detail_and_404(app_api, catalog):
    body = app_api.get(f"/api/v1/benefits/{catalog['checkup'].code}").json()
    assert body["cells"] == [
        {"tier": "gold", "period": "calendar_year", "quota": 1, "family_quota": 0},
        {"tier": "diamond", "period": "calendar_year", "quota": 2, "family_quota": 0},
    ]
    missing = app_api.get("/api/v1/benefits/MED.99.999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "benefit_not_found"


def test_catalog_speaks_chinese_when_asked(app_api, catalog):
    body = app_api.get(
        f"/api/v1/benefits/{catalog['checkup'].code}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert body["name"] == "测试权益"


def test_list_query_count_does_not_grow_with_benefits(
    app_api, catalog, django_assert_max_num_queries
):
    for _ in range(20):
        make_benefit(cells={Tier.GOLD: 1, Tier.DIAMOND: 3})
    with django_assert_max_num_queries(5):
        response = app_api.get("/api/v1/benefits?page_size=50")
    assert response.json()["count"] == 24


def test_schema_validates_and_documents_every_endpoint(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/customers/{customer_no}/bookshelf",
        "/api/v1/categories",
        "/api/v1/benefits",
        "/api/v1/benefits/{code}",
        "/api/v1/customers/{customer_no}/redemptions",
        "/api/v1/customers/{customer_no}/redemptions/{redemption_id}/cancel",
        "/api/v1/customers/{customer_no}/purchases",
        "/api/v1/demand-signals",
    ):
        assert f"{path}:" in text, path
    assert "quota_exhausted" in text  # error examples are documented
    assert "bearerAuth" in text


def test_schema_and_docs_are_served_without_a_cdn():
    api = APIClient()
    assert api.get("/api/schema/").status_code == 200
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "swagger-ui" in html
