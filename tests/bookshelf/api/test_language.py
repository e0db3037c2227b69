"""The API answers in the language of Accept-Language alone and says which it used.

`Content-Language` names the language of the answer (`en` or `zh-hans`) on every answer the
API gives (a success, a 4xx from a view, the auth layer, the throttle, the request guard or an
unknown route, a 5xx), with `Vary: Accept-Language`; the admin's language cookie never steers
it (config/language.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from config.language import language_from_accept
from customers.models import Tier
from tests.factories import UserFactory, make_benefit, make_customer

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE = "zh-hans"

# What a reader sends -> what the API answers in.
NEGOTIATION = [
    ("zh-hans", "zh-hans"),
    ("zh-Hans", "zh-hans"),
    ("zh-CN", "zh-hans"),
    ("zh-cn", "zh-hans"),
    ("zh", "zh-hans"),
    ("zh-SG", "zh-hans"),
    ("zh-Hans-CN", "zh-hans"),
    # Traditional: Simplified is the only Chinese there is, and closer than English.
    ("zh-TW", "zh-hans"),
    ("zh-HK", "zh-hans"),
    ("zh-Hant", "zh-hans"),
    ("zh-Hant-TW", "zh-hans"),
    ("en", "en"),
    ("en-US", "en"),
    ("en-GB,en;q=0.9", "en"),
    ("en;q=0.5, zh-CN;q=0.9", "zh-hans"),
    ("zh-CN;q=0.4, en-US;q=0.8", "en"),
    ("fr", "en"),
    ("fr, zh;q=0.5", "zh-hans"),  # the best-weighted language the API has
    ("de-DE,de;q=0.9", "en"),
    ("", "en"),
    ("*", "en"),
    ("garbage;;q=x,,", "en"),
    ("x" * 600, "en"),
]


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def assert_answers_in(response: Any, language: str) -> None:
    assert response["Content-Language"] == language, (response.status_code, response.headers)
    assert "accept-language" in response["Vary"].lower(), response.headers


@pytest.mark.parametrize(("sent", "answered"), NEGOTIATION)
def test_negotiation_rule(sent, answered):
    assert language_from_accept(sent) == answered


@pytest.mark.parametrize(("sent", "answered"), NEGOTIATION[:16])
def test_the_api_answers_in_the_negotiated_language(app_api, sent, answered):
    response = app_api.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE=sent)
    assert response.status_code == 200
    assert_answers_in(response, answered)


def test_without_accept_language_the_api_answers_english(app_api):
    response = app_api.get("/api/v1/benefits/NOPE.01.001")
    assert_answers_in(response, "en")
    assert not has_chinese(response.json()["message"])


def test_a_token_client_is_never_steered_by_the_language_cookie(app_api):
    """A language cookie (set by the admin's switch in the same browser, or a stray one an
    HTTP library kept) does not change what a token client's Accept-Language asks for."""
    app_api.cookies["django_language"] = CHINESE
    english = app_api.get("/api/v1/benefits/NOPE.01.001", HTTP_ACCEPT_LANGUAGE="en")
    assert_answers_in(english, "en")
    assert not has_chinese(english.json()["message"])
    default = app_api.get("/api/v1/benefits/NOPE.01.001")
    assert_answers_in(default, "en")


def test_a_staff_session_gets_what_its_accept_language_asks_not_its_admin_language(db):
    """An agent who switched the admin to Chinese and calls the API (the API docs' "Try it
    out") is answered by Accept-Language like any client: the answer depends on the URL and
    Accept-Language only, which is what `Vary` tells caches. The admin stays in Chinese."""
    user = UserFactory(is_superuser=True)
    browser = Client()
    browser.force_login(user)
    switched = browser.post("/i18n/setlang/", {"language": CHINESE, "next": "/admin/"})
    assert switched.status_code == 302
    assert browser.cookies["django_language"].value == CHINESE
    english = browser.get("/api/v1/benefits/NOPE.01.001", HTTP_ACCEPT_LANGUAGE="en-US")
    assert english.status_code == 404
    assert_answers_in(english, "en")
    assert not has_chinese(english.json()["message"])
    chinese = browser.get("/api/v1/benefits/NOPE.01.001", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert_answers_in(chinese, CHINESE)
    assert has_chinese(chinese.json()["message"])
    admin = browser.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert admin["Content-Language"] == CHINESE  # the admin keeps its switch


# -- Content-Language on every kind of answer ------------------------------------------------
@pytest.mark.parametrize("language", ["en", CHINESE])
def test_every_kind_of_error_says_its_language(app_api, readonly_api, language):
    answers = {
        "400": app_api.get("/api/v1/benefits?colour=red", HTTP_ACCEPT_LANGUAGE=language),
        "401": APIClient().get("/api/v1/benefits", HTTP_ACCEPT_LANGUAGE=language),
        "401 bad token": APIClient().get(
            "/api/v1/benefits", HTTP_AUTHORIZATION="Bearer nope", HTTP_ACCEPT_LANGUAGE=language
        ),
        "403": readonly_api.post(
            "/api/v1/demand-signals", {"text": "x"}, format="json", HTTP_ACCEPT_LANGUAGE=language
        ),
        "404 object": app_api.get("/api/v1/benefits/NOPE.01.001", HTTP_ACCEPT_LANGUAGE=language),
        "404 route": app_api.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE=language),
        "404 outside v1": app_api.get("/api/nothing/here", HTTP_ACCEPT_LANGUAGE=language),
        "405": app_api.delete("/api/v1/benefits", HTTP_ACCEPT_LANGUAGE=language),
        "406": app_api.get(
            "/api/v1/benefits", HTTP_ACCEPT="text/csv", HTTP_ACCEPT_LANGUAGE=language
        ),
        "413": app_api.generic(
            "POST",
            "/api/v1/demand-signals",
            b"{}",
            content_type="application/json",
            CONTENT_LENGTH=str(10 * 1024 * 1024),
            HTTP_ACCEPT_LANGUAGE=language,
        ),
        "415": app_api.post(
            "/api/v1/demand-signals",
            "text=x",
            content_type="text/plain",
            HTTP_ACCEPT_LANGUAGE=language,
        ),
        "400 malformed JSON": app_api.post(
            "/api/v1/demand-signals",
            "{",
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        ),
    }
    for name, response in answers.items():
        assert response.status_code == int(name[:3]), (name, response.content[:200])
        assert_answers_in(response, language)
        body = response.json()
        assert has_chinese(body["message"]) == (language == CHINESE), (name, body)


@pytest.mark.parametrize("language", ["en", CHINESE])
def test_the_throttle_answers_in_the_readers_language(monkeypatch, app_api, language):
    from bookshelf.api.auth import ClientRateThrottle

    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "1/min"})
    app_api.get("/api/v1/categories")
    throttled = app_api.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE=language)
    assert throttled.status_code == 429
    assert_answers_in(throttled, language)
    assert has_chinese(throttled.json()["message"]) == (language == CHINESE)
    assert "Retry-After" in throttled


@pytest.mark.parametrize("language", ["en", CHINESE])
def test_server_errors_answer_in_the_readers_language(monkeypatch, language):
    from django.db import OperationalError

    import bookshelf.api.benefit_centre as views
    from bookshelf.integrations.services import api_client_create

    customer = make_customer(tier=Tier.GOLD)
    _client, token = api_client_create(name="app")
    url = f"/api/v1/customers/{customer.customer_no}/bookshelf"
    for status, error in ((500, KeyError("a bug")), (503, OperationalError("gone"))):

        def broken(*args: Any, error: Exception = error, **kwargs: Any) -> Any:
            raise error

        monkeypatch.setattr(views, "fetch_batch", broken)
        response = Client(raise_request_exception=False).get(
            url, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == status
        assert_answers_in(response, language)
        assert has_chinese(response.json()["message"]) == (language == CHINESE)


def test_the_request_guard_answers_before_any_language_leaks_from_an_earlier_request(app_api):
    """The guard's own answers (413 before the body is read) come before the view: the
    language is decided before them, not left over from the thread's previous request."""
    app_api.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="zh-CN")
    refused = app_api.generic(
        "POST",
        "/api/v1/demand-signals",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 413
    assert_answers_in(refused, "en")
    assert not has_chinese(refused.json()["message"])


def test_the_benefit_centre_has_no_etag_shared_between_languages(app_api):
    """No conditional GET on the benefit centre today; were an ETag added, the two languages'
    answers must not share one (a cache would serve English to a Chinese reader)."""
    customer = make_customer(tier=Tier.GOLD)
    make_benefit(cells={Tier.GOLD: 1}, category_code="HLT", name="Check-up")
    url = f"/api/v1/customers/{customer.customer_no}/bookshelf"
    english = app_api.get(url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = app_api.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert english.content != chinese.content
    assert english.get("ETag") is None or english["ETag"] != chinese.get("ETag")
    assert_answers_in(english, "en")
    assert_answers_in(chinese, CHINESE)
