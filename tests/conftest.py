"""Shared fixtures. CI points the suite at the real PostgreSQL and Redis; when they are
configured and unreachable the suite fails here instead of skipping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.fixture(scope="session", autouse=True)
def _real_services_reachable(django_db_setup: Any, django_db_blocker: Any) -> None:
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            pytest.fail(f"REDIS_URL is set but Redis is unreachable: {exc}", pytrace=False)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today() -> Any:
    from django.utils import timezone

    return timezone.localdate()
