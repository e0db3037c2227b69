"""Liveness, readiness and protected Prometheus metrics. Cheap, unauthenticated (but for
/metrics), and with no data in the body beyond "ok" or which check failed."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .replicas import replica_states, replicas_in_use

_migrations_ok = False


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _database() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis() -> bool:
    if not settings.REDIS_URL:
        return True
    import redis

    try:
        return bool(
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            ).ping()
        )
    except Exception:
        return False


def _migrations() -> bool:
    global _migrations_ok
    if _migrations_ok:
        return True
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_ok = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return False
    return _migrations_ok


def _replicas() -> dict[str, dict[str, Any]]:
    """Each replica's state: a replica down or lagging is reported, never a reason to be
    unready (its reads go to the primary)."""
    return {
        state.alias: {
            "up": state.up,
            "used": state.usable,
            "lag_seconds": None if state.lag_seconds is None else round(state.lag_seconds, 3),
            "lag_bytes": state.lag_bytes,
        }
        for state in replica_states()  # as last checked (at most a check interval old)
    }


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks = {"database": _database()}
    checks["redis"] = _redis()
    checks["migrations"] = checks["database"] and _migrations()
    ready = all(checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if replicas_in_use():
        body["replicas"] = _replicas()
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper holding METRICS_TOKEN or a staff user."""
    token = settings.METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    allowed = bool(token) and hmac.compare_digest(auth, f"Bearer {token}")
    user = getattr(request, "user", None)
    if not allowed and not (user is not None and user.is_authenticated and user.is_staff):
        return JsonResponse({"code": "permission_denied", "message": "Forbidden."}, status=403)
    from django_prometheus.exports import ExportToDjangoView

    from . import metrics as app_metrics

    app_metrics.refresh_gauges()
    replica_states()  # the lag gauges as of the last check (at most a check interval old)
    return ExportToDjangoView(request)
