"""The warm-up of a fresh worker writes nothing and leaves the hot paths loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection

from config import warmup
from tests.factories import make_customer


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db
def test_the_warm_up_reads_the_hot_paths_and_writes_nothing(caplog, monkeypatch):
    # Persistent connections, as in production (with none, the warm-up closes the one it
    # opened, and with it this test's transaction).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    make_customer()
    before = _row_counts()
    # As Django's test client does: the request through the handler must not close the
    # connection that holds this test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        timings = warmup.warm_up(get_wsgi_application(), again=True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert set(timings) == {
        "urlconf",
        "drf",
        "translations",
        "database",
        "cache",
        "healthz",
        "memos",
        "hot_reads",
    }
    assert not [r for r in caplog.records if "warm-up step" in r.getMessage()]
    # Both hot reads, in every language in turn, answered as to a real client.
    assert warmup._hot_reads() == [200] * (len(warmup.HOT_READS) * warmup.PLAN_RUNS)
    assert _row_counts() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache")
@pytest.mark.django_db(transaction=True)
def test_the_warm_up_leaves_the_hot_statements_on_their_generic_plans():
    """PostgreSQL plans a prepared statement afresh on each of its first five runs: after
    the warm-up, a worker's first requests must not. Its transaction is rolled back, which
    on its own makes psycopg drop every prepared statement (`config.db_batch` keeps them).
    Behind pgbouncer nothing is prepared."""
    from config.db_batch import may_prepare

    make_customer()
    warmup._hot_reads()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH r0%%'"
        )
        plans = [row[0] for row in cursor.fetchall()]
    if not may_prepare(connection):
        assert plans == []
        return
    assert plans, "the centre's and the recommendations' statements are prepared"
    assert all(generic > 0 for generic in plans), plans


@pytest.mark.django_db
def test_with_no_customer_the_warm_up_only_skips_the_reads():
    before = _row_counts()
    assert warmup._hot_reads() == []
    assert _row_counts() == before


_PROBE = """
import json, os, sys
import config.wsgi
from django.utils.translation import trans_real
from django.urls import get_resolver
print(json.dumps({
    "urlconf": "urlconf_module" in get_resolver().__dict__,
    "views": "bookshelf.api.benefit_centre" in sys.modules
    and "bookshelf.api.recommendations" in sys.modules,
    "catalogues": sorted(trans_real._translations),
}))
"""


def _fresh_process(**env: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


def test_a_wsgi_server_gets_a_warm_application():
    warm = _fresh_process(BOOKSHELF_WARMUP="true")
    assert warm["urlconf"] and warm["views"]
    assert {"en", "zh-hans"} <= set(warm["catalogues"])
    cold = _fresh_process(BOOKSHELF_WARMUP="")  # off by default but in production
    assert not cold["urlconf"] and not cold["views"]
    under_gunicorn = _fresh_process(BOOKSHELF_WARMUP="true", BOOKSHELF_WARMUP_BY="gunicorn")
    assert not under_gunicorn["urlconf"]  # left to its post_worker_init hook


def _each_thread(pool: ThreadPoolExecutor, threads: int) -> list[tuple[bool, bool]]:
    """Asked of every thread of the pool at once (a barrier: no thread answers twice): has
    it its own cache backend, its own open database connection? Each closes its connection
    after answering."""
    barrier = threading.Barrier(threads, timeout=10)

    def ask() -> tuple[bool, bool]:
        from django.core.cache import caches
        from django.db import connections

        barrier.wait()
        has_cache = hasattr(getattr(caches, "_connections"), "default")  # noqa: B009 - private
        conn = connections["default"]
        has_connection = conn.connection is not None
        conn.close()
        return has_cache, has_connection

    return [f.result() for f in [pool.submit(ask) for _ in range(threads)]]


@pytest.mark.django_db(transaction=True)
def test_each_thread_of_a_threaded_worker_is_warmed(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert _each_thread(pool, 3) == [(False, False)] * 3  # as gthread starts its threads
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert warmup.warm_threads(pool, 3) == 3
        assert _each_thread(pool, 3) == [(True, True)] * 3


@pytest.mark.django_db(transaction=True)
def test_without_persistent_connections_threads_get_only_their_cache():
    # The direct default (0); the pooled pass keeps connections to pgbouncer, so say it here.
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 0
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            assert warmup.warm_threads(pool, 3) == 3
            # No connection held idle: each request opens and closes its own anyway.
            assert _each_thread(pool, 3) == [(True, False)] * 3
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
