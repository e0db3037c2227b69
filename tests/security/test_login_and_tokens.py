"""Admin sign-in is throttled per username and address; API tokens expire by default."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.models import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
LOCKED = "Too many failed sign-ins"


def sign_in(username: str, password: str, address: str = "10.0.0.1") -> tuple[int, str]:
    response = Client().post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )
    return response.status_code, response.content.decode()


def test_five_failures_lock_the_username_from_that_address():
    UserFactory(username="ann")
    UserFactory(username="bob")
    for _ in range(5):
        status, body = sign_in("ann", "wrong")
        assert status == 200 and LOCKED not in body
    # Locked: even the right password is refused, with a clear message.
    status, body = sign_in("ann", PASSWORD)
    assert status == 200
    assert LOCKED in body and "15 minutes" in body
    # Someone else, or the same user from elsewhere, is not locked out.
    assert sign_in("bob", PASSWORD)[0] == 302
    assert sign_in("ann", PASSWORD, address="10.0.0.2")[0] == 302
    assert sign_in("ANN ", "wrong")[0] == 200  # the same account, however it is typed
    assert LOCKED in sign_in("Ann", PASSWORD)[1]


@override_settings(ADMIN_LOGIN_LOCKOUT_SECONDS=1)
def test_the_lock_ends_by_itself():
    UserFactory(username="ann")
    for _ in range(5):
        sign_in("ann", "wrong")
    assert LOCKED in sign_in("ann", PASSWORD)[1]
    time.sleep(1.2)
    assert sign_in("ann", PASSWORD)[0] == 302


def test_a_successful_sign_in_clears_the_count():
    UserFactory(username="ann")
    for _ in range(4):
        sign_in("ann", "wrong")
    assert sign_in("ann", PASSWORD)[0] == 302
    for _ in range(4):
        sign_in("ann", "wrong")
    assert sign_in("ann", PASSWORD)[0] == 302


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: the cache is down
        }
    }
)
def test_sign_in_still_works_when_the_cache_is_down():
    UserFactory(username="ann")
    for _ in range(6):
        assert sign_in("ann", "wrong")[0] == 200
    assert sign_in("ann", PASSWORD)[0] == 302


def _create(*args: str) -> ApiClient:
    call_command("create_api_client", *args, stdout=StringIO())
    return ApiClient.objects.get(name=args[0])


def test_tokens_expire_after_a_year_unless_told_otherwise():
    year = _create("crm")
    assert year.expires_at is not None
    assert abs(year.expires_at - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    month = _create("reporting", "--expires-days", "30")
    assert month.expires_at.date() == (timezone.now() + timedelta(days=30)).date()
    assert _create("batch", "--never-expires").expires_at is None
    with pytest.raises(CommandError):
        _create("bad", "--expires-days", "0")
    with override_settings(API_CLIENT_TOKEN_DAYS=7):
        assert _create("short").expires_at < timezone.now() + timedelta(days=8)


def test_an_expired_token_is_refused():
    out = StringIO()
    call_command("create_api_client", "app", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/categories").status_code == 200
    ApiClient.objects.filter(name="app").update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/api/v1/categories")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert token not in response.content.decode()
