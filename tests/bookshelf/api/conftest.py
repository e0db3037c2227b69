from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create
from bookshelf.models import ApiScope


def _client_with(scopes: list[str] | None, name: str) -> APIClient:
    _client, token = api_client_create(name=name, scopes=scopes)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api.token = token  # type: ignore[attr-defined]
    return api


@pytest.fixture
def app_api(db: Any) -> APIClient:
    """The customer app's backend: every scope."""
    return _client_with(None, "app-backend")


@pytest.fixture
def readonly_api(db: Any) -> APIClient:
    return _client_with([ApiScope.READ], "reporting")


def post_json(api: APIClient, url: str, body: dict[str, Any], key: str | None = None) -> Any:
    """POST JSON with an Idempotency-Key: the one given, else a new one (as a client sends a
    new key with every new request; uses and purchases refuse a request without one)."""
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key or new_key())


def new_key() -> str:
    return f"test-{uuid.uuid4()}"
