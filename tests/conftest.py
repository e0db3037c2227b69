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
def _reference_data(request: Any) -> None:
    """Transactional tests end with a flush that also removes what data migrations put in
    (the default tier ladder...). Put it back before each database test."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("_django_db_helper")
    from tests.factories import ensure_reference_data

    ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """On the embedded SQLite default, tests that need PostgreSQL's concurrency are left out
    (and said so at the end). With DATABASE_URL set they run, and fail if it is unreachable."""
    needs = []
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        needs.append("postgres")
    if not settings.REDIS_URL:
        needs.append("redis")
    if not needs:
        return

    def wanted(item: Any) -> bool:
        return not any(item.get_closest_marker(name) for name in needs)

    keep = [item for item in items if wanted(item)]
    left_out = [item for item in items if not wanted(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep
        config._bookshelf_left_out = len(left_out)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    left_out = getattr(config, "_bookshelf_left_out", 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} PostgreSQL-only tests were not run on SQLite: set DATABASE_URL "
            "(see README) to run the whole suite against PostgreSQL and Redis.",
            yellow=True,
        )


def pytest_report_header(config: Any) -> list[str]:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    lines = [f"bookshelf: database {engine}, redis {'on' if settings.REDIS_URL else 'off'}"]
    if engine != "postgresql":
        lines.append("bookshelf: PostgreSQL-only tests (@pytest.mark.postgres) are left out")
    if not settings.REDIS_URL:
        lines.append("bookshelf: Redis-only tests (@pytest.mark.redis) are left out")
    return lines


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run tasks in-process even when REDIS_URL points Celery at a real broker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
