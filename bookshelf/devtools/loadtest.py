"""The load test harness: gunicorn and PostgreSQL on loopback, Locust at a fixed rate for a
fixed time, then the quota audit. Bounded in count and time, and it only ever talks to
127.0.0.1. `manage.py load_test` (and `make load`) run it; a small fixed-size run is a test.
"""

from __future__ import annotations

import csv
import json
import os
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

BASE_DIR = Path(settings.BASE_DIR)
LOCUSTFILE = BASE_DIR / "deploy" / "locustfile.py"
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
REQUEST_TYPES = ("GET bookshelf", "GET recommendations", "POST redemption")


@dataclass
class LoadPlan:
    customers: int = 200
    users: int = 20
    rate: float = 50.0  # requests per second, all users together
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
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(32))
    return env


def _percentile(histogram: dict[int, int], fraction: float) -> float:
    total = sum(histogram.values())
    if not total:
        return 0.0
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= fraction * total:
            return float(bucket)
    return float(max(histogram))


def _entry(name: str, entries: list[dict[str, Any]]) -> RequestStats:
    histogram: dict[int, int] = {}
    for e in entries:
        for bucket, n in e["response_times"].items():
            histogram[int(bucket)] = histogram.get(int(bucket), 0) + n
    count = sum(e["num_requests"] for e in entries)
    start = min(e["start_time"] for e in entries)
    last = max(e["last_request_timestamp"] or e["start_time"] for e in entries)
    slowest = float(max(e["max_response_time"] for e in entries))
    return RequestStats(  # Locust keeps times in buckets (10 ms past 100 ms): cap at the max
        name=name,
        count=count,
        failures=sum(e["num_failures"] for e in entries),
        p50=min(_percentile(histogram, 0.50), slowest),
        p99=min(_percentile(histogram, 0.99), slowest),
        max=slowest,
        rps=count / (last - start) if last > start else 0.0,
    )


def _cache_forget(prefix: str) -> None:
    """The run's cache keys go with it (some never expire, like the shelf version)."""
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _read_stats(path: Path) -> tuple[list[RequestStats], RequestStats | None]:
    """Locust's final stats (its JSON file, written after the last request)."""
    entries = json.loads(path.read_text())
    if not entries:
        return [], None
    rows = [_entry(e["name"], [e]) for e in entries]
    rows.sort(key=lambda s: REQUEST_TYPES.index(s.name) if s.name in REQUEST_TYPES else 99)
    return rows, _entry("Aggregated", entries)


def load_run(*, plan: LoadPlan, log: Any = print) -> LoadResult:
    """Run the plan against the current database (already migrated and seeded)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The load test runs against PostgreSQL: set DATABASE_URL.")
    targets = load_targets(limit=plan.customers)
    if not targets:
        raise RuntimeError("No customer can use anything: seed the database first.")
    _client, token = api_client_create(name=f"load-{uuid.uuid4().hex[:8]}")
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
        (work / "targets.json").write_text(json.dumps(targets))
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
            log(
                f"gunicorn ({plan.workers} workers) on 127.0.0.1:{port}; {len(targets)} "
                f"customers; {plan.users} users at {plan.rate:g} req/s for {plan.duration} s"
            )
            locust_env = dict(
                os.environ,
                LOAD_TARGETS=str(work / "targets.json"),
                LOAD_TOKEN=token,
                LOAD_RATE_PER_USER=str(plan.rate / plan.users),
                LOAD_SEED=str(plan.seed),
            )
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--users",
                    str(plan.users),
                    "--spawn-rate",
                    str(plan.users),
                    "--run-time",
                    f"{plan.duration}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(work / "load"),
                    "--json-file",
                    str(work / "load"),
                    "--only-summary",
                    "--loglevel",
                    "ERROR",
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=BASE_DIR,
                env=locust_env,
                check=True,
                timeout=plan.duration + 120,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            server_log.close()
            _cache_forget(cache_prefix)
        result.stats, result.total = _read_stats(work / "load.json")
        failures = work / "load_failures.csv"
        if failures.exists():
            with failures.open(newline="") as f:
                result.failures_sample = [
                    f"{r['Name']}: {r['Error']} (x{r['Occurrences']})" for r in csv.DictReader(f)
                ][:5]
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
        f"on a {os.cpu_count()}-core machine, Locust in the same machine; "
        f"{plan.users} users at {plan.rate:g} req/s together for {plan.duration} s, "
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
        "A failure is any answer but 200 (reads) or 201/409 (redemptions), or no answer. "
        "Latencies include Locust's own overhead on the same 2 cores.",
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
