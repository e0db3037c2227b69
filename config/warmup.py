"""Warm a fresh web worker before it takes its first request.

A worker that gunicorn has just forked (at start, or after `max_requests` recycled the last
one) imports most of the project lazily: the URLconf and every view, DRF's configured classes,
the Redis client, the translation catalogues, the database connection. Measured on the demo
database, the first benefit-centre read of a fresh process took about 0.9 s against about 13 ms
warm, three quarters of it imports. `warm_up()` does that work before the worker accepts a
connection, so no user pays for it.

It writes nothing. The only request sent through the whole middleware stack is `/healthz`
(the same request a load balancer sends); the hot reads (the benefit centre and the
recommendations of one customer, in each language) call their views in-process with an unsaved,
read-only API client, no throttle (no counter spent) and inside a transaction that is rolled
back (the statements it prepared keep their plans: `config.db_batch` keeps them through a
rollback). A worker with no customer in its database only skips those reads.

`BOOKSHELF_WARMUP` (setting, else the environment variable of that name) turns it on; by default
it is on with the production settings only. gunicorn calls it from `post_worker_init`
(deploy/gunicorn.conf.py); `config/wsgi.py` calls it for any other WSGI server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, cast

logger = logging.getLogger(__name__)

# The reads a customer's app sends most: warmed in every language.
HOT_READS = (
    "/api/v1/customers/{no}/bookshelf",
    "/api/v1/customers/{no}/recommendations",
)
# How often each is read: their statements are prepared once per connection, and PostgreSQL
# plans a prepared statement afresh for each of its first five runs before it settles on its
# generic plan (measured at 1M customers: the centre's statement 1.7 ms on those runs, 0.4 ms
# after). Six runs, languages in turn, leave every worker on the generic plans.
PLAN_RUNS = 6

_done = False
_lock = threading.Lock()


def warmup_enabled() -> bool:
    from django.conf import settings

    configured = getattr(settings, "BOOKSHELF_WARMUP", None)
    if configured is not None:
        return bool(configured)
    raw = os.environ.get("BOOKSHELF_WARMUP", "")
    if raw:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    # Production only by default: the test suite imports config.wsgi in-process.
    return str(settings.SETTINGS_MODULE) == "config.settings.production"


def _urlconf() -> None:
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports config.urls, every included URLconf and view
    resolver.reverse_dict  # noqa: B018 - the reverse() tables, built once per process


def _drf() -> None:
    from rest_framework.settings import IMPORT_STRINGS, api_settings

    for name in IMPORT_STRINGS:
        getattr(api_settings, name)  # imports the configured classes (auth, throttle, ...)


def _translations() -> None:
    from django.conf import settings
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("The customer's benefit centre")


def _database() -> None:
    from django.db import connection

    connection.ensure_connection()


def _cache() -> None:
    from django.core.cache import cache

    cache.get("warmup:absent")  # imports the client and opens its connection pool


def _healthz(application: Callable[..., Any] | None) -> None:
    if application is None:
        return
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": _Empty(),
        "wsgi.errors": _Empty(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    body = application(environ, lambda status, headers, exc_info=None: None)
    for _chunk in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


class _Empty:
    def read(self, *args: Any) -> bytes:
        return b""

    def readline(self, *args: Any) -> bytes:
        return b""

    def write(self, data: Any) -> None:
        return None

    def flush(self) -> None:
        return None


def _memos() -> int:
    """What each process keeps of its own, loaded before the first request needs it: every
    tier's shelf cells and the purchasable benefits (a household with relatives of another
    tier would load theirs), and the API clients that called in the last day (the first
    request with a known token then needs no query). Reads only; how many clients."""
    from bookshelf.integrations.selectors import api_clients_preload
    from bookshelf.shelf.selectors import shelf_cells_and_purchasable
    from customers.models import Tier

    shelf_cells_and_purchasable(set(Tier.values))
    return api_clients_preload()


def _hot_reads() -> list[int]:
    """The hot views for one customer in each language; their status codes."""
    from django.conf import settings
    from django.db import transaction
    from django.urls import resolve
    from django.utils import translation
    from rest_framework.test import APIRequestFactory, force_authenticate

    from bookshelf.api.auth import ClientPrincipal
    from bookshelf.integrations.models import ApiClient, ApiScope
    from customers.models import Customer

    customer_no = (
        Customer.objects.filter(erased_at__isnull=True)
        .order_by("pk")
        .values_list("customer_no", flat=True)
        .first()
    )
    if customer_no is None:
        return []
    client = ApiClient(name="warm-up", scopes=list(ApiScope.values))  # never saved
    factory = APIRequestFactory()
    statuses: list[int] = []
    languages = [code for code, _name in settings.LANGUAGES]
    with transaction.atomic():
        for run in range(PLAN_RUNS):
            code = languages[run % len(languages)]
            for template in HOT_READS:
                path = template.format(no=customer_no)
                match = resolve(path)
                cls = getattr(match.func, "cls", None)
                if cls is None:
                    continue
                initkwargs = getattr(match.func, "initkwargs", {})
                view = cls.as_view(**{**initkwargs, "throttle_classes": ()})
                request = factory.get(path, HTTP_ACCEPT_LANGUAGE=code)
                principal: Any = ClientPrincipal(client)  # what BearerTokenAuthentication returns
                force_authenticate(request, user=principal, token=cast(Any, client))
                with translation.override(code):
                    response = view(request, *match.args, **match.kwargs)
                    getattr(response, "render", lambda: None)()
                statuses.append(response.status_code)
        transaction.set_rollback(True)
    return statuses


def warm_up(
    application: Callable[..., Any] | None = None, *, again: bool = False
) -> dict[str, float]:
    """Warm this process once (later calls do nothing, unless `again`); milliseconds per step.

    A step that fails is logged and skipped: a worker that could not warm up still serves,
    only its first request is slower."""
    global _done
    with _lock:
        if _done and not again:
            return {}
        _done = True
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("urlconf", _urlconf),
            ("drf", _drf),
            ("translations", _translations),
            ("database", _database),
            ("cache", _cache),
            ("healthz", lambda: _healthz(application)),
            ("memos", _memos),
            ("hot_reads", _hot_reads),
        ]
        timings: dict[str, float] = {}
        for name, step in steps:
            started = time.perf_counter()
            try:
                step()
            except Exception:
                logger.warning("warm-up step %s failed", name, exc_info=True)
            timings[name] = (time.perf_counter() - started) * 1000
        _close_if_not_persistent()
        return timings


def _close_if_not_persistent() -> None:
    from django.db import connection

    if not connection.settings_dict.get("CONN_MAX_AGE"):
        connection.close()  # the first request would close it anyway: do not hold it idle


def warm_threads(executor: Executor, threads: int, timeout: float = 10.0) -> int:
    """Warm each thread of a thread pool: Django's cache backends and database connections
    are per thread, so gthread's first request on each new thread would build its own Redis
    client and pool and open its own database connection.

    All `threads` tasks meet at a barrier, so the pool has to start every one of its threads;
    returns how many threads were warmed. The database connection is opened only when it is
    persistent (CONN_MAX_AGE): otherwise each request opens and closes its own anyway."""
    from django.core.cache import cache
    from django.db import connections

    if threads <= 1:
        return 0
    persistent = bool(connections["default"].settings_dict.get("CONN_MAX_AGE"))
    barrier = threading.Barrier(threads, timeout=timeout)

    def warm_one() -> bool:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        cache.get("warmup:absent")
        if persistent:
            connections["default"].ensure_connection()
        return True

    futures = [executor.submit(warm_one) for _ in range(threads)]
    return sum(1 for f in futures if f.result(timeout=timeout * 2))
