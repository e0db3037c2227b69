"""The load test harness: gunicorn and PostgreSQL on loopback, the open-loop generator
(`bookshelf.devtools.scale.openloop`) sending requests on a fixed Poisson schedule for a fixed
time, then the quota audit. Latency is measured from each request's scheduled time, so a slow
server cannot slow the clock. Bounded in count and time, and it only ever talks to 127.0.0.1.
`manage.py load_test` (and `make load`) run it; a small fixed-size run is a test.

The workload is the customer app's backend: 6 benefit-centre reads : 3 recommendation reads :
1 redemption. Half the traffic goes to a small set of hot customers, so their quotas run out and
the last uses are contended. A 409 (no quota left) is the shelf answering correctly, not an
error; anything else but the expected status counts as a failure.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from customers.models import Customer

from ..integrations.services import api_client_create
from ..ledger.models import Redemption, Source
from ..ledger.selectors import QuotaAudit, bookshelf_for_customer, quota_audit
from .scale.openloop import Call, RunStats, booted_workers, open_loop_run
from .scale.probes import percentile

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
REQUEST_TYPES = ("GET bookshelf", "GET recommendations", "POST redemption")


@dataclass
class LoadPlan:
    customers: int = 200
    users: int = 20  # the generator's connections (each sends the next due request)
    rate: float = 50.0  # requests per second, on a Poisson schedule
    duration: int = 60  # seconds
    workers: int = 3  # gunicorn sync workers
    seed: int = 42


@dataclass
class RequestStats:
    name: str
    count: int
    failures: int
    p50: float
    p99: float
    max: float
    rps: float

    @property
    def error_rate(self) -> float:
        return self.failures / self.count if self.count else 0.0


@dataclass
class LoadResult:
    plan: LoadPlan
    started_at: datetime
    stats: list[RequestStats] = field(default_factory=list)
    total: RequestStats | None = None
    created: int = 0
    audit: QuotaAudit = field(default_factory=QuotaAudit)
    failures_sample: list[str] = field(default_factory=list)
    redis: bool = False
    load_before: float = 0.0  # the machine's 1-minute load average when the run began
    send_lag_p99: float = 0.0  # ms: how late the generator's sends left their slots
    client_cpu_us: float = 0.0  # the generator's CPU per request

    @property
    def error_rate(self) -> float:
        return self.total.error_rate if self.total else 1.0


def load_targets(*, limit: int) -> list[dict[str, Any]]:
    """Customers and the limited benefits each can use now (their own tier allowance)."""
    targets = []
    for customer in Customer.objects.order_by("customer_no")[:limit]:
        shelf = bookshelf_for_customer(customer=customer)
        codes = sorted(
            {
                e.code
                for e in shelf.entries
                if e.source == Source.TIER and e.remaining is not None and e.remaining > 0
            }
        )
        if codes:
            targets.append({"no": customer.customer_no, "benefits": codes})
    return targets


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {seconds:.0f} s")


def _server_env(port: int, workers: int, cache_prefix: str, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    metrics = work / "prometheus"
    metrics.mkdir(exist_ok=True)
    env.update(
        # gunicorn.conf.py passes this on to the workers; left empty, prometheus_client would
        # write its per-process files into the working directory.
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # One client sends the whole load: the per-client throttle is not under test.
        API_THROTTLE_RATE="1000000/min",
        CACHE_KEY_PREFIX=cache_prefix,
        LOG_LEVEL="WARNING",
        BOOKSHELF_WARMUP="true",  # as in production, whatever the settings module
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(32))
    return env


def _cache_forget(prefix: str) -> None:
    """The run's cache keys go with it (some never expire, like the shelf version)."""
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def load_calls(targets: list[dict[str, Any]], token: str, *, count: int, seed: int) -> list[Call]:
    """The run's requests, made before it starts (the generator only sends them)."""
    rng = random.Random(seed)
    hot = targets[: max(1, len(targets) // 20)]
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    calls = []
    for _ in range(count):
        target = rng.choice(hot if rng.random() < 0.5 else targets)
        no, kind = target["no"], rng.choices(REQUEST_TYPES, weights=(6, 3, 1))[0]
        if kind == "GET bookshelf":
            calls.append(Call(f"/api/v1/customers/{no}/bookshelf", headers=auth, name=kind))
        elif kind == "GET recommendations":
            path = f"/api/v1/customers/{no}/recommendations"
            calls.append(Call(path, headers=auth, name=kind))
        else:
            body = json.dumps({"benefit": rng.choice(target["benefits"]), "channel": "app"})
            headers = {
                **auth,
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.UUID(int=rng.getrandbits(128)).hex,
            }
            path = f"/api/v1/customers/{no}/redemptions"
            calls.append(Call(path, "POST", body.encode(), headers, kind, ok=(201, 409)))
    return calls


def _request_stats(
    name: str, latencies: list[float], failures: int, seconds: float
) -> RequestStats:
    return RequestStats(
        name=name,
        count=len(latencies),
        failures=failures,
        p50=percentile(latencies, 0.5) if latencies else 0.0,
        p99=percentile(latencies, 0.99) if latencies else 0.0,
        max=max(latencies, default=0.0),
        rps=len(latencies) / seconds if seconds else 0.0,
    )


def _load_stats(run: RunStats) -> tuple[list[RequestStats], RequestStats]:
    rows = [
        _request_stats(name, s.latencies, s.errors, run.seconds)
        for name, s in sorted(run.by_name.items(), key=lambda kv: REQUEST_TYPES.index(kv[0]))
    ]
    every = [x for s in run.by_name.values() for x in s.latencies]
    total = _request_stats("Aggregated", every, run.errors, run.seconds)
    total.count = run.scheduled  # a request never sent is one of the failures
    return rows, total


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def load_run(*, plan: LoadPlan, log: Any = print) -> LoadResult:
    """Run the plan against the current database (already migrated and seeded)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The load test runs against PostgreSQL: set DATABASE_URL.")
    targets = load_targets(limit=plan.customers)
    if not targets:
        raise RuntimeError("No customer can use anything: seed the database first.")
    _client, token = api_client_create(name=f"load-{uuid.uuid4().hex[:8]}")
    calls = load_calls(
        targets, token, count=int(plan.rate * plan.duration * 1.2) + 50, seed=plan.seed
    )
    port = _free_port()
    cache_prefix = f"load-{uuid.uuid4().hex[:8]}"
    started_at = timezone.now()
    result = LoadResult(
        plan=plan,
        started_at=started_at,
        redis=bool(settings.REDIS_URL),
        load_before=os.getloadavg()[0],
    )
    with tempfile.TemporaryDirectory(prefix="bookshelf-load-") as tmp:
        work = Path(tmp)
        server_log = (work / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(GUNICORN_CONF)],
            cwd=BASE_DIR,
            env=_server_env(port, plan.workers, cache_prefix, work),
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/healthz")
            booted_workers(server.pid, plan.workers)  # every worker warmed up, not just one
            log(
                f"gunicorn ({plan.workers} workers) on 127.0.0.1:{port}; {len(targets)} "
                f"customers; {plan.rate:g} req/s (Poisson) for {plan.duration} s over "
                f"{plan.users} connections"
            )
            run = open_loop_run(
                ("127.0.0.1", port),
                lambda i: calls[i % len(calls)],
                plan.rate,
                plan.duration,
                connections=plan.users,
                seed=plan.seed,
            )
        finally:
            _stop(server)
            server_log.close()
            _cache_forget(cache_prefix)
    result.stats, result.total = _load_stats(run)
    result.failures_sample = run.error_sample
    result.send_lag_p99 = run.send_lag_p99
    result.client_cpu_us = run.client_cpu_us
    result.created = Redemption.objects.filter(created_at__gte=started_at).count()
    result.audit = quota_audit()
    return result


def load_report(result: LoadResult, *, command: str) -> str:
    """The Markdown section for BENCHMARKS.md."""
    plan = result.plan
    lines = [
        "## Load",
        "",
        f"`{command}`: gunicorn ({plan.workers} sync workers) and PostgreSQL on loopback, "
        f"Redis {'as cache and broker' if result.redis else 'off (local-memory cache)'}, "
        f"on a {os.cpu_count()}-core machine; the open-loop generator in the same machine, "
        f"{plan.rate:g} req/s on a Poisson schedule for {plan.duration} s over "
        f"{plan.users} kept-alive connections, "
        f"{plan.customers} demo customers (half the traffic on the hottest 5%); "
        f"run {result.started_at:%Y-%m-%d %H:%M} UTC, the machine's load average "
        f"{result.load_before:.1f} when it began.",
        "",
        "| request | count | failures | error rate | req/s | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [*result.stats, *([result.total] if result.total else [])]
    for s in rows:
        name = "**all**" if s.name == "Aggregated" else s.name
        lines.append(
            f"| {name} | {s.count} | {s.failures} | {s.error_rate:.2%} | {s.rps:.1f} | "
            f"{s.p50:.0f} | {s.p99:.0f} | {s.max:.0f} |"
        )
    redemptions = next((s for s in result.stats if s.name == "POST redemption"), None)
    refused = (redemptions.count - redemptions.failures - result.created) if redemptions else 0
    audit = result.audit
    lines += [
        "",
        f"Redemptions: {result.created} created, {refused} answered 409 (no quota left: the "
        "shelf saying no, counted as correct answers). "
        + (
            f"Quotas afterwards: **exact** ({audit.balances} balances and {audit.redemptions} "
            "recorded uses agree, none above its quota, purchase counters agree)."
            if audit.exact
            else f"Quotas afterwards: **NOT exact**: {'; '.join(audit.problems)}"
        ),
        "",
        "A failure is any answer but 200 (reads) or 201/409 (redemptions), or no answer, or a "
        "request never sent. Latencies run from each request's scheduled time (open loop: "
        "time spent waiting behind a slow answer counts); the generator's sends left their "
        f"slots {result.send_lag_p99:.1f} ms late at p99 and it took "
        f"{result.client_cpu_us:.0f} µs of CPU per request on the same cores.",
        "",
    ]
    return "\n".join(lines)


def benchmarks_write(path: Path, section: str) -> None:
    """Replace the `## Load` section of BENCHMARKS.md (or add it), keeping the others."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Load"), None)
    if start is None:
        body = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        body = "".join(lines[:start]) + section + ("\n" if end < len(lines) else "")
        body += "".join(lines[end:])
    path.write_text(body.rstrip("\n") + "\n")
