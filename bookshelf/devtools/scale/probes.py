"""Measurements made inside one Django process against one database (`manage.py bench_probe`).

Each probe measures the platform and, in the same process and the same moments, the nearest
physical limit: psycopg running the equivalent hand-written SQL. The orchestrator
(`bookshelf.devtools.scale.bench`) runs the probes in subprocesses, one per database and size, and
turns the numbers into ratios.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import orjson
import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg.rows import dict_row

from customers.models import Tier

REVIEWABLE = ("on_shelf", "under_review")


# -- helpers ----------------------------------------------------------------------------------


def conninfo() -> str:
    db = settings.DATABASES["default"]
    parts = {
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def raw_connect(**kwargs: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(conninfo(), autocommit=True, **kwargs)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(samples: list[float]) -> dict[str, Any]:
    return {
        "n": len(samples),
        "p50": percentile(samples, 0.5),
        "p99": percentile(samples, 0.99),
        "mean": statistics.fmean(samples) if samples else float("nan"),
        "samples": samples,
    }


def seed_today() -> date:
    from .seed import seed_meta

    meta = seed_meta() or {}
    return date.fromisoformat(meta["today"]) if meta.get("today") else timezone.localdate()


def sample_customers(tier: int, count: int) -> list[str]:
    """A fixed, spread-out sample of one tier's customers (the same every run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_no FROM customers_customer WHERE tier = %s "
            "ORDER BY md5(customer_no) LIMIT %s",
            [tier, count],
        )
        return [row[0] for row in cursor.fetchall()]


def api_token(scopes: list[str]) -> str:
    from bookshelf.integrations.services import api_client_create

    _client, token = api_client_create(name=f"bench-{uuid.uuid4().hex[:12]}", scopes=scopes)
    return token


# -- 1. the bookshelf read ---------------------------------------------------------------------


class WsgiCaller:
    """Calls the project's WSGI application in this process with a real WSGI environ: the
    whole middleware stack, URL routing, DRF authentication, throttling and rendering; only
    the HTTP server's socket is left out."""

    def __init__(self, token: str) -> None:
        from django.core.wsgi import get_wsgi_application

        self.app = get_wsgi_application()
        self.token = token

    def get(self, path: str, query: str = "") -> tuple[int, bytes]:
        return self.call("GET", path, query=query)

    def call(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """One request; `headers` as WSGI keys (`CONTENT_TYPE`, `HTTP_IDEMPOTENCY_KEY`...)."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "application/json",
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **(headers or {}),
        }
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
            status.append(line)

        result = self.app(environ, start_response)  # type: ignore[arg-type]
        try:
            answer = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(status[0].split()[0]), answer


RAW_CUSTOMER = (
    "SELECT id, customer_no, name, phone, tier, birth_date FROM customers_customer "
    "WHERE customer_no = %s"
)
RAW_FAMILY = (
    "SELECT c.id, c.customer_no, c.tier, c.birth_date, f.relation "
    "FROM customers_familylink f JOIN customers_customer c ON c.id = f.relative_id "
    "WHERE f.customer_id = %s ORDER BY c.customer_no"
)
RAW_POLICIES = (
    "SELECT customer_id, product_line, start_date FROM customers_policy "
    "WHERE customer_id = ANY(%s) AND status = 'in_force'"
)
RAW_CELLS = (
    "SELECT s.tier, b.id, b.code, b.name_en, b.name_zh_hans, cat.path_code, "
    "cat.name_en AS category_en, cat.name_zh_hans AS category_zh_hans, b.how_to_use_en, "
    "b.how_to_use_zh_hans, b.unit_en, b.unit_zh_hans, b.status, b.shareable, b.price, "
    "s.period, s.quota, s.family_quota, e.requires_product_line, e.min_age, e.max_age "
    "FROM bookshelf_shelfcell s JOIN benefits_benefit b ON b.id = s.benefit_id "
    "JOIN benefits_category cat ON cat.id = b.category_id "
    "LEFT JOIN bookshelf_eligibility e ON e.benefit_id = b.id "
    "WHERE s.tier = ANY(%s) AND b.status IN ('on_shelf', 'under_review') ORDER BY b.code"
)
RAW_BALANCES = (
    "SELECT holder_id, benefit_id, period_start, period_end, used, family_used "
    "FROM bookshelf_quotabalance WHERE holder_id = ANY(%s) AND period_start <= %s "
    "AND (period_end IS NULL OR period_end >= %s)"
)
RAW_PURCHASES = (
    "SELECT p.id, p.benefit_id, b.code, b.name_en, b.name_zh_hans, p.uses_granted, "
    "p.uses_used, p.valid_from, p.valid_until FROM bookshelf_purchase p "
    "JOIN benefits_benefit b ON b.id = p.benefit_id "
    "WHERE p.customer_id = %s AND p.valid_until >= %s AND p.valid_from <= %s "
    "AND p.uses_used < p.uses_granted ORDER BY p.valid_until, p.id"
)
RAW_PURCHASABLE = (
    "SELECT b.code, b.name_en, b.name_zh_hans, cat.path_code, b.how_to_use_en, "
    "b.how_to_use_zh_hans, b.unit_en, b.unit_zh_hans, b.price, b.shareable "
    "FROM benefits_benefit b JOIN benefits_category cat ON cat.id = b.category_id "
    "WHERE b.price IS NOT NULL AND b.status = 'on_shelf' ORDER BY b.code"
)

# The budgets used up today (money.budgets.budgets_exhausted: the benefit centre marks or hides
# their benefits).
RAW_BUDGETS_USED_UP = (
    "SELECT b.benefit_id, c.code, b.when_exhausted FROM bookshelf_budgetperiod p "
    "JOIN bookshelf_budget b ON b.id = p.budget_id "
    "LEFT JOIN benefits_category c ON c.id = b.category_id "
    'WHERE b.active AND p.start <= %s AND p."end" >= %s AND ('
    "(p.cap_uses IS NOT NULL AND p.used_uses >= p.cap_uses) "
    "OR (p.cap_amount IS NOT NULL AND p.used_amount >= p.cap_amount) "
    "OR (p.cap_amount IS NOT NULL "
    "AND p.used_amount * (p.used_uses + 1) > p.cap_amount * p.used_uses) "
    "OR p.exhausted_at IS NOT NULL)"
)


def raw_bookshelf(cur: Any, customer_no: str, today: date) -> bytes:
    """The rows the benefit centre is made of, fetched with hand-written SQL and serialised
    with orjson: the floor under any implementation of the endpoint."""
    cur.execute(RAW_CUSTOMER, [customer_no])
    customer = cur.fetchone()
    cur.execute(RAW_FAMILY, [customer["id"]])
    family = cur.fetchall()
    ids = [customer["id"], *(r["id"] for r in family)]
    tiers = list({customer["tier"], *(r["tier"] for r in family)})
    cur.execute(RAW_POLICIES, [ids])
    policies = cur.fetchall()
    cur.execute(RAW_CELLS, [tiers])
    cells = cur.fetchall()
    cur.execute(RAW_BALANCES, [ids, today, today])
    balances = cur.fetchall()
    cur.execute(RAW_PURCHASES, [customer["id"], today, today])
    purchases = cur.fetchall()
    cur.execute(RAW_PURCHASABLE)
    purchasable = cur.fetchall()
    cur.execute(RAW_BUDGETS_USED_UP, [today, today])
    budgets = cur.fetchall()
    return orjson.dumps(
        {
            "customer": customer,
            "family": family,
            "policies": policies,
            "cells": cells,
            "balances": balances,
            "purchases": purchases,
            "purchasable": purchasable,
            "budgets_used_up": budgets,
        },
        default=str,
    )


# The one-statement floor: every per-customer row of a benefit centre (the customer, family,
# the household's policies and balances, purchases, open requests) and the used-up budgets,
# fetched by one hand-written statement answering one row of JSON arrays. The open requests
# by holder and by beneficiary each through its partial index (with `holder_id = x OR
# beneficiary_id = x` PostgreSQL read every open request and filtered; the app's read had
# the same flaw and was mended with it).
RAW_ONE_STATEMENT = """
WITH me AS (
  SELECT id, customer_no, name, phone, tier, birth_date FROM customers_customer
  WHERE customer_no = %(no)s),
fam AS (
  SELECT c.id, c.customer_no, c.tier, c.birth_date, f.relation
  FROM customers_familylink f JOIN customers_customer c ON c.id = f.relative_id
  WHERE f.customer_id = (SELECT id FROM me)),
hh AS (SELECT id FROM me UNION ALL SELECT id FROM fam)
SELECT
  (SELECT row_to_json(me) FROM me),
  (SELECT coalesce(json_agg(fam ORDER BY customer_no), '[]') FROM fam),
  (SELECT coalesce(json_agg(p), '[]') FROM (
     SELECT customer_id, product_line, start_date FROM customers_policy
     WHERE customer_id IN (SELECT id FROM hh) AND status = 'in_force') p),
  (SELECT coalesce(json_agg(q), '[]') FROM (
     SELECT holder_id, benefit_id, period_start, used, family_used, held
     FROM bookshelf_quotabalance WHERE holder_id IN (SELECT id FROM hh)
     AND period_start <= %(today)s AND (period_end IS NULL OR period_end >= %(today)s)) q),
  (SELECT coalesce(json_agg(u ORDER BY valid_until, id), '[]') FROM (
     SELECT p.id, p.benefit_id, p.uses_granted, p.uses_used, p.uses_held, p.valid_from,
            p.valid_until, b.code, b.name_en, b.name_zh_hans
     FROM bookshelf_purchase p JOIN benefits_benefit b ON b.id = p.benefit_id
     WHERE p.customer_id = (SELECT id FROM me) AND p.valid_until >= %(today)s
     AND p.valid_from <= %(today)s AND (p.uses_used < p.uses_granted OR p.uses_held > 0)) u),
  (SELECT coalesce(json_agg(h), '[]') FROM (
     SELECT f.holder_id, f.beneficiary_id, f.benefit_id, f.state, f.appointment_at, f.place,
            s.name_en, s.name_zh_hans
     FROM bookshelf_fulfilment f JOIN bookshelf_supplier s ON s.id = f.supplier_id
     WHERE f.id IN (
       SELECT id FROM bookshelf_fulfilment WHERE holder_id = (SELECT id FROM me)
       AND state IN ('requested', 'booked', 'issued')
       UNION ALL
       SELECT id FROM bookshelf_fulfilment WHERE beneficiary_id = (SELECT id FROM me)
       AND state IN ('requested', 'booked', 'issued'))) h),
  (SELECT coalesce(json_agg(g), '[]') FROM (
     SELECT b.benefit_id, b.category_id, b.when_exhausted FROM bookshelf_budgetperiod p
     JOIN bookshelf_budget b ON b.id = p.budget_id
     WHERE b.active AND p.start <= %(today)s AND p."end" >= %(today)s AND (
       (p.cap_uses IS NOT NULL AND p.used_uses >= p.cap_uses)
       OR (p.cap_amount IS NOT NULL AND p.used_amount >= p.cap_amount)
       OR p.exhausted_at IS NOT NULL)) g)
"""


class OneStatementFloor:
    """The floor under the benefit centre: the per-customer rows by one statement, plus the
    cached shelf (one Redis GET of the shelf version; the cells themselves are in memory, as
    the app keeps them), serialised with orjson."""

    def __init__(self, cur: Any) -> None:
        from django.core.cache import cache

        from bookshelf.shelf.cache import VERSION_KEY

        self.cur = cur
        self.redis = cache._cache.get_client(write=False)  # type: ignore[attr-defined]
        self.version_key = cache.make_key(VERSION_KEY)

    def __call__(self, customer_no: str, today: date) -> bytes:
        self.cur.execute(RAW_ONE_STATEMENT, {"no": customer_no, "today": today})
        row = self.cur.fetchone()
        version = self.redis.get(self.version_key)
        return orjson.dumps({"rows": row, "shelf": version}, default=str)


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def probe_read(*, iterations: int = 400, sample: int = 40, warmup: int = 40) -> dict[str, Any]:
    """Median and p99 of GET /api/v1/customers/{no}/bookshelf against the raw SQL floor, for
    ordinary customers (the typical one) and high-net-worth ones (100+ benefits)."""
    from bookshelf.integrations.models import ApiScope

    caller = WsgiCaller(api_token([ApiScope.READ]))
    today = timezone.localdate()
    out: dict[str, Any] = {"iterations": iterations, "today": today.isoformat()}
    with raw_connect(row_factory=dict_row) as raw, raw.cursor() as cur:
        one = OneStatementFloor(cur)
        for label, tier in (("typical", Tier.ORDINARY), ("hnw", Tier.HIGH_NET_WORTH)):
            numbers = sample_customers(tier, sample)
            entries: list[int] = []
            for no in numbers[:warmup] * max(1, warmup // max(1, len(numbers))):
                status, body = caller.get(f"/api/v1/customers/{no}/bookshelf")
                if status != 200:
                    raise RuntimeError(f"GET bookshelf {no}: {status} {body[:200]!r}")
                raw_bookshelf(cur, no, today)
                one(no, today)
                caller.get("/healthz")
            for no in numbers:
                _status, body = caller.get(f"/api/v1/customers/{no}/bookshelf")
                doc = orjson.loads(body)
                entries.append(sum(len(c["benefits"]) for c in doc["categories"]))
            samples: dict[str, list[float]] = {"app": [], "raw": [], "one": [], "healthz": []}
            calls: dict[str, Callable[[str], Any]] = {
                "app": lambda no: caller.get(f"/api/v1/customers/{no}/bookshelf"),
                "raw": lambda no: raw_bookshelf(cur, no, today),
                "one": lambda no: one(no, today),
                "healthz": lambda no: caller.get("/healthz"),
            }
            kinds = list(calls)
            gc.collect()
            for k in range(iterations):
                no = numbers[k % len(numbers)]
                # Rotate which goes first, so drift and caches favour none of them.
                for name in kinds[k % 4 :] + kinds[: k % 4]:
                    samples[name].append(_timed(functools.partial(calls[name], no)))
            out[label] = {
                "customers": len(numbers),
                "entries_min": min(entries),
                "entries_median": statistics.median(entries),
                "entries_max": max(entries),
                **{name: summary(values) for name, values in samples.items()},
            }
    return out


# -- 6. recommendations (guarded: goal 6 is built separately) ----------------------------------


def probe_recommendations(*, iterations: int = 300, sample: int = 40) -> dict[str, Any]:
    """Median latency of the recommendations against the bookshelf read of the same customers,
    both through the API."""
    from django.urls import reverse

    from bookshelf.integrations.models import ApiScope

    caller = WsgiCaller(api_token([ApiScope.READ]))
    numbers = sample_customers(Tier.ORDINARY, sample // 2) + sample_customers(
        Tier.HIGH_NET_WORTH, sample // 2
    )

    def recommend(no: str) -> None:
        path = reverse("api:recommendations", kwargs={"customer_no": no})
        status, body = caller.get(path)
        if status != 200:
            raise RuntimeError(f"GET recommendations {no}: {status} {body[:200]!r}")

    for no in numbers:
        recommend(no)
        caller.get(f"/api/v1/customers/{no}/bookshelf")
    rec: list[float] = []
    shelf: list[float] = []
    for k in range(iterations):
        no = numbers[k % len(numbers)]
        t0 = time.perf_counter()
        recommend(no)
        t1 = time.perf_counter()
        caller.get(f"/api/v1/customers/{no}/bookshelf")
        t2 = time.perf_counter()
        rec.append((t1 - t0) * 1000)
        shelf.append((t2 - t1) * 1000)
    return {
        "built": True,
        "through": "api",
        "recommendations": summary(rec),
        "bookshelf": summary(shelf),
    }


# -- 3. redemptions under contention -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn_server(workers: int, threads: int) -> Iterator[str]:
    """The project behind gunicorn on loopback, with this process's settings and database."""
    port = _free_port()
    env = dict(os.environ)
    log = open(os.environ.get("BENCH_GUNICORN_LOG", os.devnull), "a")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _contention_pairs(count: int, offset: int) -> list[dict[str, Any]]:
    """Customers without family (so the only allowance is their own) holding a yearly-quota
    benefit without eligibility rules, with 2 to 6 uses left this year."""
    today = timezone.localdate()
    year_start = date(today.year, 1, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            # A fixed sample of VIP customers first (every 101st), then their cells: the
            # join over every customer and cell would take minutes at a million customers.
            "WITH sample AS (SELECT id, customer_no, tier FROM customers_customer "
            "WHERE tier >= %s AND id %% 101 = 7 ORDER BY id LIMIT 20000) "
            "SELECT c.id, c.customer_no, c.tier, b.id, b.code, s.quota, "
            "COALESCE(q.used, 0), q.id "
            "FROM sample c "
            "JOIN bookshelf_shelfcell s ON s.tier = c.tier AND s.period = 'calendar_year' "
            "AND s.quota BETWEEN 2 AND 12 "
            "JOIN benefits_benefit b ON b.id = s.benefit_id AND b.status = 'on_shelf' "
            "LEFT JOIN bookshelf_eligibility e ON e.benefit_id = b.id "
            "LEFT JOIN bookshelf_quotabalance q ON q.holder_id = c.id AND q.benefit_id = b.id "
            "AND q.period_start = %s "
            "WHERE e.id IS NULL AND s.quota - COALESCE(q.used, 0) BETWEEN 2 AND 6 "
            "AND NOT EXISTS (SELECT 1 FROM bookshelf_purchase p WHERE p.customer_id = c.id "
            "AND p.benefit_id = b.id) "
            # No family: a relative's shared allowance would be a legitimate extra source.
            "AND NOT EXISTS (SELECT 1 FROM customers_familylink f WHERE f.customer_id = c.id) "
            "ORDER BY md5(c.customer_no || b.code) OFFSET %s LIMIT %s",
            [Tier.GOLD, year_start, offset, count],
        )
        rows = cursor.fetchall()
    return [
        {
            "customer_id": r[0],
            "customer_no": r[1],
            "tier": r[2],
            "benefit_id": r[3],
            "code": r[4],
            "quota": r[5],
            "used": r[6],
            "balance_id": r[7],
            "left": r[5] - r[6],
        }
        for r in rows
    ]


def _attempts(pairs: list[dict[str, Any]], run: str) -> list[tuple[dict[str, Any], str]]:
    """Every pair is asked for 3 more uses than it has left; every request is sent twice with
    the same Idempotency-Key (a client retrying); all shuffled together."""
    import random

    out: list[tuple[dict[str, Any], str]] = []
    for i, pair in enumerate(pairs):
        for j in range(pair["left"] + 3):
            key = f"{run}-{i}-{j}"
            out += [(pair, key), (pair, key)]
    random.Random(run).shuffle(out)
    return out


def _run_threads(work: list[Any], threads: int, fn: Callable[[Any, Any], Any]) -> float:
    """Run fn(state, item) over the items on `threads` threads; returns the wall time."""
    lock = threading.Lock()
    items = iter(work)
    errors: list[BaseException] = []

    def worker() -> None:
        state: dict[str, Any] = {}
        try:
            while True:
                with lock:
                    item = next(items, None)
                if item is None:
                    return
                fn(state, item)
        except BaseException as exc:
            errors.append(exc)
        finally:
            for value in state.values():
                with contextlib.suppress(Exception):
                    value.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return elapsed


RAW_REDEEM_RECORD = (
    "INSERT INTO bookshelf_idempotencyrecord (client_ref, key, fingerprint, status_code, body, "
    "created_at) VALUES (%s, %s, %s, 0, '{}', now()) ON CONFLICT (client_ref, key) DO NOTHING "
    "RETURNING id"
)
RAW_REDEEM_SPEND = (
    "INSERT INTO bookshelf_quotabalance (holder_id, benefit_id, period_start, period_end, used, "
    "family_used) VALUES (%s, %s, %s, %s, 0, 0) ON CONFLICT (holder_id, benefit_id, "
    "period_start) DO NOTHING"
)
RAW_REDEEM_UPDATE = (
    "UPDATE bookshelf_quotabalance SET used = used + 1 WHERE holder_id = %s AND benefit_id = %s "
    "AND period_start = %s AND used < %s RETURNING used"
)
RAW_REDEEM_INSERT = (
    "INSERT INTO bookshelf_redemption (holder_id, beneficiary_id, benefit_id, source, channel, "
    "status, period_start, period_end, tier_snapshot, benefit_code, category_code, "
    "remaining_after, idempotency_key, created_at) VALUES (%s, %s, %s, 'tier', 'app', "
    "'completed', %s, %s, %s, %s, %s, %s, %s, now()) RETURNING id"
)
RAW_REDEEM_USAGE = (
    "INSERT INTO bookshelf_usagemonth AS u (customer_id, benefit_id, month, uses) "
    "VALUES (%s, %s, date_trunc('month', now())::date, 1) "
    "ON CONFLICT (customer_id, month, benefit_id) DO UPDATE SET uses = u.uses + 1"
)
RAW_REDEEM_DONE = (
    "UPDATE bookshelf_idempotencyrecord SET status_code = 201, body = %s WHERE id = %s"
)


def probe_contention(*, pairs: int = 24, threads: int = 8, workers: int = 2) -> dict[str, Any]:
    """Concurrent redemptions through the API (gunicorn on loopback, `threads` clients) for
    customers with a few uses left, each request sent twice with one Idempotency-Key; then the
    same transactions (idempotency row, conditional UPDATE of the balance, insert, usage
    rollup) hand-written
    in psycopg from the same number of threads, on other customers of the same shape."""
    import http.client

    from bookshelf.integrations.models import ApiScope

    today = timezone.localdate()
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    run = uuid.uuid4().hex[:10]
    api_pairs = _contention_pairs(pairs, 0)
    raw_pairs = _contention_pairs(pairs, pairs)
    if not api_pairs or not raw_pairs:
        raise RuntimeError("no customers with a few uses left: is the database seeded?")
    token = api_token([ApiScope.READ, ApiScope.REDEEM])
    api_work = _attempts(api_pairs, f"bench-api-{run}")
    raw_work = _attempts(raw_pairs, f"bench-raw-{run}")
    responses: list[tuple[str, int, int | None, str | None]] = []
    resp_lock = threading.Lock()

    with gunicorn_server(workers, max(1, threads // workers)) as address:
        host, port = address.split(":")

        def call(state: dict[str, Any], item: tuple[dict[str, Any], str]) -> None:
            pair, key = item
            conn = state.get("http")
            if conn is None:
                conn = state["http"] = http.client.HTTPConnection(host, int(port), timeout=60)
            body = json.dumps({"benefit": pair["code"], "channel": "app"})
            conn.request(
                "POST",
                f"/api/v1/customers/{pair['customer_no']}/redemptions",
                body=body,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                },
            )
            resp = conn.getresponse()
            data = resp.read()
            rid = None
            if resp.status == 201:
                rid = orjson.loads(data)["id"]
            with resp_lock:
                responses.append((key, resp.status, rid, resp.getheader("Idempotent-Replayed")))

        # Warm the workers (first requests load the code) with reads, not counted.
        def warm(state: dict[str, Any], no: str) -> None:
            conn = state.get("http")
            if conn is None:
                conn = state["http"] = http.client.HTTPConnection(host, int(port), timeout=60)
            conn.request(
                "GET",
                f"/api/v1/customers/{no}/bookshelf",
                headers={"Authorization": f"Bearer {token}"},
            )
            conn.getresponse().read()

        _run_threads([p["customer_no"] for p in api_pairs] * 2, threads, warm)
        api_seconds = _run_threads(api_work, threads, call)

    def raw_call(state: dict[str, Any], item: tuple[dict[str, Any], str]) -> None:
        pair, key = item
        conn = state.get("pg")
        if conn is None:
            conn = state["pg"] = psycopg.connect(conninfo())
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(RAW_REDEEM_RECORD, ["bench-raw", key, key])
            record = cur.fetchone()
            if record is None:  # a replay: read the stored answer
                cur.execute(
                    "SELECT status_code, body FROM bookshelf_idempotencyrecord "
                    "WHERE client_ref = %s AND key = %s",
                    ["bench-raw", key],
                )
                cur.fetchone()
                return
            cur.execute(
                RAW_REDEEM_SPEND,
                [pair["customer_id"], pair["benefit_id"], year_start, year_end],
            )
            cur.execute(
                RAW_REDEEM_UPDATE,
                [pair["customer_id"], pair["benefit_id"], year_start, pair["quota"]],
            )
            spent = cur.fetchone()
            if spent is None:
                cur.execute(RAW_REDEEM_DONE, [json.dumps({"code": "quota_exhausted"}), record[0]])
                return
            cur.execute(
                RAW_REDEEM_INSERT,
                [
                    pair["customer_id"],
                    pair["customer_id"],
                    pair["benefit_id"],
                    year_start,
                    year_end,
                    pair["tier"],
                    pair["code"],
                    pair["code"].split(".")[0],
                    pair["quota"] - spent[0],
                    key,
                ],
            )
            inserted = cur.fetchone()
            assert inserted is not None
            cur.execute(RAW_REDEEM_USAGE, [pair["customer_id"], pair["benefit_id"]])
            cur.execute(RAW_REDEEM_DONE, [json.dumps({"id": inserted[0]}), record[0]])

    raw_seconds = _run_threads(raw_work, threads, raw_call)

    # What happened, read back from the database.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT idempotency_key, count(*) FROM bookshelf_redemption "
            "WHERE idempotency_key LIKE %s AND created_at >= now() - interval '1 hour' "
            "GROUP BY 1",
            [f"bench-api-{run}-%"],
        )
        per_key = dict(cursor.fetchall())
        cursor.execute(
            "SELECT holder_id, benefit_id, used FROM bookshelf_quotabalance "
            "WHERE period_start = %s AND (holder_id, benefit_id) IN (SELECT * FROM unnest("
            "%s::bigint[], %s::bigint[]))",
            [
                year_start,
                [p["customer_id"] for p in api_pairs],
                [p["benefit_id"] for p in api_pairs],
            ],
        )
        used_after = {(h, b): u for h, b, u in cursor.fetchall()}
    over_quota = 0
    successes = 0
    by_pair: dict[tuple[int, int], int] = {}
    prefix_pair = {f"bench-api-{run}-{i}": p for i, p in enumerate(api_pairs)}
    for key, count in per_key.items():
        pair = prefix_pair[key.rsplit("-", 1)[0]]
        by_pair[(pair["customer_id"], pair["benefit_id"])] = (
            by_pair.get((pair["customer_id"], pair["benefit_id"]), 0) + count
        )
    for pair in api_pairs:
        won = by_pair.get((pair["customer_id"], pair["benefit_id"]), 0)
        successes += won
        over_quota += max(0, won - pair["left"])
        if used_after.get((pair["customer_id"], pair["benefit_id"]), 0) > pair["quota"]:
            over_quota += 1
    spent_twice = sum(1 for count in per_key.values() if count > 1)
    # Both answers to one key must name the same redemption.
    answers: dict[str, set[Any]] = {}
    for key, status, rid, _replayed in responses:
        answers.setdefault(key, set()).add((status, rid))
    inconsistent = sum(1 for a in answers.values() if len(a) > 1)
    statuses: dict[str, int] = {}
    for _key, status, _rid, _replayed in responses:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "pairs": len(api_pairs),
        "threads": threads,
        "gunicorn_workers": workers,
        "requests": len(api_work),
        "uses_left": sum(p["left"] for p in api_pairs),
        "successes": successes,
        "statuses": statuses,
        "over_quota": over_quota,
        "spent_twice": spent_twice,
        "inconsistent_replays": inconsistent,
        "api_seconds": api_seconds,
        "api_rps": len(api_work) / api_seconds,
        "raw_requests": len(raw_work),
        "raw_seconds": raw_seconds,
        "raw_rps": len(raw_work) / raw_seconds,
    }


# -- 5. tier recalculation ---------------------------------------------------------------------

DRIFT_MODULUS = 100
DRIFT_REMAINDER = 37


def drift_tiers() -> int:
    """Make 1% of VIP customers' stored tier one step stale (as after a night of premium
    changes), so the job has real upgrades to make."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET tier = tier - 10 WHERE id %% %s = %s AND tier >= %s "
            "AND tier_downgrade_due IS NULL",
            [DRIFT_MODULUS, DRIFT_REMAINDER, Tier.GOLD],
        )
        return cursor.rowcount


def tier_update_sql() -> tuple[str, list[Any]]:
    """One hand-written UPDATE ... FROM applying the tier rules to every customer: the tier
    the premiums give, with the same reason text, where it is higher than the stored one
    (upgrades apply at once), and no active override."""
    from customers.models import TierRule
    from customers.selectors import tier_from_premium

    rules = list(TierRule.objects.order_by("tier"))
    # The reason templates, as the service words them (with a placeholder for the premium).
    ordinary = tier_from_premium(has_in_force=True, premium=0, rules=[]).reason  # type: ignore[arg-type]
    ordinary = ordinary.replace("¥0", "¥%s")
    cases = []
    reasons = []
    params: list[Any] = []
    for rule in reversed(rules):
        decided = tier_from_premium(has_in_force=True, premium=rule.min_annual_premium, rules=rules)
        template = decided.reason.replace(f"¥{rule.min_annual_premium:,.0f} ≥", "¥%s ≥", 1)
        cases.append("WHEN p.total >= %s THEN " + str(int(rule.tier)))
        params.append(rule.min_annual_premium)
        reasons.append((rule.min_annual_premium, template))
    tier_case = "CASE WHEN p.total IS NULL THEN 0 " + " ".join(cases) + " ELSE 10 END"
    money = "to_char(round(p.total), 'FM999,999,999,999,990')"
    reason_case = "CASE " + " ".join(
        f"WHEN p.total >= %s THEN replace(%s, '%%s', {money})" for _ in reasons
    )
    for threshold, template in reasons:
        params += [threshold, template]
    reason_case += f" ELSE replace(%s, '%%s', {money}) END"
    params.append(ordinary)
    sql = (
        "UPDATE customers_customer c SET tier = d.tier, tier_reason = d.reason, "
        "tier_set_at = now(), tier_downgrade_due = NULL, updated_at = now() "
        f"FROM (SELECT c2.id, {tier_case} AS tier, {reason_case} AS reason "
        "FROM customers_customer c2 LEFT JOIN (SELECT customer_id, sum(annual_premium) AS total "
        "FROM customers_policy WHERE status = 'in_force' GROUP BY customer_id) p "
        "ON p.customer_id = c2.id WHERE NOT EXISTS (SELECT 1 FROM customers_tieroverride o "
        "WHERE o.customer_id = c2.id AND o.expires_at > now())) d "
        "WHERE c.id = d.id AND d.tier > c.tier"
    )
    return sql, params


def probe_tiers(*, batch_size: int | None = None) -> dict[str, Any]:
    """The nightly tier job over every customer against one UPDATE ... FROM, on the same stale
    tiers: the UPDATE runs first in a transaction that is rolled back, then the job."""
    from customers.models import Customer
    from customers.services import customer_tiers_recalculate

    stale = drift_tiers()
    sql, params = tier_update_sql()
    with raw_connect() as raw:
        raw.autocommit = False
        with raw.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(sql, params)
            updated = cur.rowcount
            sql_seconds = time.perf_counter() - t0
        raw.rollback()
    t0 = time.perf_counter()
    report = (
        customer_tiers_recalculate(batch_size=batch_size)
        if batch_size
        else customer_tiers_recalculate()
    )
    job_seconds = time.perf_counter() - t0
    return {
        "customers": Customer.objects.count(),
        "stale": stale,
        "sql_updated": updated,
        "sql_seconds": sql_seconds,
        "job_seconds": job_seconds,
        "job": {
            "customers": report.customers,
            "upgrades": report.upgrades,
            "downgrades": report.downgrades,
            "downgrades_pending": report.downgrades_pending,
            "batches": report.batches,
        },
    }


# -- 7. customer value profiles ----------------------------------------------------------------


def value_update_sql() -> str:
    """One hand-written UPDATE ... FROM computing every customer's value profile with the
    default weights (the aggregates of `reach.value`, over all customers at once)."""
    return """
        UPDATE bookshelf_customervalue v SET
            premium = s.premium, policies = s.n, first_policy_on = s.first_on,
            last_use_at = s.last_use, uses_year = s.uses, cost_year = s.cost,
            premium_score = s.ps, frequency_score = s.fs, recency_score = s.rs,
            score = (3 * s.ps + 2 * s.rs + 2 * s.fs + s.ts + s.ns) * 100.0 / 45,
            lifetime_value = greatest(s.premium * 0.15 - s.cost, 0) * 8,
            segment = CASE
                WHEN s.first_on IS NULL OR s.first_on >= current_date - 180 THEN 'new'
                WHEN s.last_use IS NULL OR s.last_use < now() - interval '365 days'
                    THEN 'dormant'
                WHEN s.last_use < now() - interval '120 days' OR s.due IS NOT NULL
                    THEN 'at_risk'
                WHEN s.rs >= 4 AND s.fs >= 4 THEN 'loyal'
                ELSE 'steady' END,
            computed_at = now()
        FROM (
            SELECT b.*,
                CASE WHEN b.premium <= 0 THEN 1 WHEN b.premium >= 200000 THEN 5
                     WHEN b.premium >= 100000 THEN 4 WHEN b.premium >= 40000 THEN 3
                     WHEN b.premium >= 10000 THEN 2 ELSE 1 END AS ps,
                CASE WHEN b.uses <= 0 THEN 1 WHEN b.uses >= 12 THEN 5 WHEN b.uses >= 6 THEN 4
                     WHEN b.uses >= 3 THEN 3 ELSE 2 END AS fs,
                CASE WHEN b.last_use >= now() - interval '30 days' THEN 5
                     WHEN b.last_use >= now() - interval '90 days' THEN 4
                     WHEN b.last_use >= now() - interval '180 days' THEN 3
                     WHEN b.last_use >= now() - interval '365 days' THEN 2 ELSE 1 END AS rs,
                CASE WHEN b.first_on <= current_date - 3652 THEN 5
                     WHEN b.first_on <= current_date - 1826 THEN 4
                     WHEN b.first_on <= current_date - 913 THEN 3
                     WHEN b.first_on <= current_date - 365 THEN 2 ELSE 1 END AS ts,
                CASE WHEN b.n <= 0 THEN 1 WHEN b.n >= 4 THEN 5 WHEN b.n >= 2 THEN 4
                     ELSE 3 END AS ns
            FROM (
                SELECT c.id, c.tier_downgrade_due AS due, COALESCE(p.premium, 0) AS premium,
                       COALESCE(p.n, 0) AS n, p.first_on, u.last_use,
                       COALESCE(u.uses, 0) AS uses, COALESCE(u.cost, 0) AS cost
                FROM customers_customer c
                LEFT JOIN (
                    SELECT customer_id, sum(annual_premium) AS premium, count(*) AS n,
                           min(start_date) AS first_on
                    FROM customers_policy WHERE status = 'in_force' GROUP BY customer_id
                ) p ON p.customer_id = c.id
                LEFT JOIN (
                    SELECT beneficiary_id, max(created_at) AS last_use, count(*) AS uses,
                           sum(COALESCE(unit_cost, 0)) AS cost
                    FROM bookshelf_redemption
                    WHERE created_at >= now() - interval '365 days' AND created_at <= now()
                      AND status IN ('completed', 'held')
                    GROUP BY beneficiary_id
                ) u ON u.beneficiary_id = c.id
            ) b
        ) s
        WHERE v.customer_id = s.id
    """


def probe_value_profiles(*, batch_size: int | None = None) -> dict[str, Any]:
    """`customer_values_refresh` over every customer against one UPDATE ... FROM: a first
    refresh makes the rows, the UPDATE runs in a transaction that is rolled back, then the
    job runs again, timed (both rewrite every existing row)."""
    from bookshelf.reach.services import customer_values_refresh

    kwargs: dict[str, Any] = {"batch_size": batch_size} if batch_size else {}
    t0 = time.perf_counter()
    customer_values_refresh(**kwargs)
    first_seconds = time.perf_counter() - t0
    with raw_connect() as raw:
        raw.autocommit = False
        with raw.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(value_update_sql())
            updated = cur.rowcount
            sql_seconds = time.perf_counter() - t0
        raw.rollback()
    t0 = time.perf_counter()
    report = customer_values_refresh(**kwargs)
    job_seconds = time.perf_counter() - t0
    return {
        "customers": report.customers,
        "batches": report.batches,
        "segments": report.segments,
        "first_seconds": first_seconds,
        "sql_updated": updated,
        "sql_seconds": sql_seconds,
        "job_seconds": job_seconds,
    }


# -- 4. the shelf review's hand-written twin --------------------------------------------------


def review_sql(window_end: date) -> list[tuple[str, list[Any]]]:
    """The review's numbers, hand-written: per benefit held by a tier and per tier, the
    customers who could use it (each benefit's eligibility rule, from one pass over the
    customers joined to their in-force product lines), the distinct users in this window and
    in the previous reviews' windows, the uses and their cost, the NPS answers; then the
    demand-signal groups. The same statements a person would write for this report, nothing
    of Django."""
    from bookshelf.review.selectors import review_settings_default
    from bookshelf.review.services import REVIEW_WORK_MEM

    settings_row = review_settings_default()
    tz = timezone.get_current_timezone()

    def midnight(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, dtime.min), tz)

    def years_before(day: date, years: int) -> date:
        try:
            return day.replace(year=day.year - years)
        except ValueError:
            return day.replace(year=day.year - years, day=28)

    days = settings_row.window_days
    every = settings_row.review_every_days
    depth = settings_row.consecutive_reviews
    ends = [window_end - timedelta(days=k * every) for k in range(depth)]
    starts = [end - timedelta(days=days) for end in ends]
    on = window_end - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT COALESCE(e.requires_product_line, ''), e.min_age, e.max_age "
            "FROM benefits_benefit b LEFT JOIN bookshelf_eligibility e ON e.benefit_id = b.id "
            "WHERE b.status IN ('on_shelf', 'under_review') "
            "AND EXISTS (SELECT 1 FROM bookshelf_shelfcell s WHERE s.benefit_id = b.id)"
        )
        rules = cursor.fetchall()
    lines = sorted({r[0] for r in rules if r[0]})
    counts: list[str] = []
    params: list[Any] = []
    for line, min_age, max_age in rules:
        cond = []
        if line:
            cond.append(f"l.line_{lines.index(line)}")
        if min_age is not None:
            cond.append("c.birth_date <= %s")
            params.append(years_before(on, min_age))
        if max_age is not None:
            cond.append("c.birth_date > %s")
            params.append(years_before(on, max_age + 1))
        counts.append(f"count(*) FILTER (WHERE {' AND '.join(cond)})" if cond else "count(*)")
    flags = ", ".join(f"bool_or(product_line = %s) AS line_{i}" for i in range(len(lines)))
    eligible = (
        f"SELECT c.tier, {', '.join(counts)} FROM customers_customer c "
        f"LEFT JOIN (SELECT customer_id, {flags} FROM customers_policy WHERE status = %s "
        "GROUP BY customer_id) l ON l.customer_id = c.id GROUP BY c.tier"
    )
    eligible_params = [*params, *lines, "in_force"]
    users = ", ".join(
        "count(DISTINCT holder_id) FILTER (WHERE created_at >= %s AND created_at < %s)"
        for _ in range(depth)
    )
    # The window's cost beside its uses: the unit costs' sum, in the same pass.
    usage = (
        f"SELECT benefit_id, tier_snapshot, count(*) FILTER (WHERE created_at >= %s), {users}, "
        "sum(unit_cost) FILTER (WHERE created_at >= %s) "
        "FROM bookshelf_redemption WHERE status = 'completed' AND source IN ('tier', 'family') "
        "AND created_at >= %s AND created_at < %s GROUP BY 1, 2"
    )
    usage_params: list[Any] = [midnight(starts[0])]
    for k in range(depth):
        usage_params += [midnight(starts[k]), midnight(ends[k])]
    usage_params += [midnight(starts[0]), midnight(starts[-1]), midnight(ends[0])]
    nps = (
        "SELECT benefit_id, tier_snapshot, count(*), count(*) FILTER (WHERE score >= 9), "
        "count(*) FILTER (WHERE score <= 6) FROM bookshelf_redemptionfeedback "
        "WHERE created_at >= %s AND created_at < %s GROUP BY 1, 2"
    )
    nps_params = [midnight(window_end - timedelta(days=settings_row.nps_days)), midnight(ends[0])]
    demand = (
        "SELECT category_id, text_key, count(*), count(DISTINCT customer_id) "
        "FROM bookshelf_demandsignal WHERE benefit_id IS NULL AND created_at >= %s "
        "AND created_at < %s GROUP BY 1, 2 HAVING count(*) >= %s"
    )
    demand_params = [midnight(starts[0]), midnight(ends[0]), settings_row.demand_threshold]
    return [
        (f"SET work_mem = '{REVIEW_WORK_MEM}'", []),
        (eligible, eligible_params),
        (usage, usage_params),
        (nps, nps_params),
        (demand, demand_params),
    ]


def probe_review_sql(*, window_end: str) -> dict[str, Any]:
    """Time the hand-written statements (one connection, the review's work_mem) and join
    their rows into rates per benefit and tier, as a report would."""
    statements = review_sql(date.fromisoformat(window_end))
    with raw_connect() as raw, raw.cursor() as cur:
        t0 = time.perf_counter()
        results = []
        steps = []
        for sql, params in statements:
            t1 = time.perf_counter()
            cur.execute(sql, params)
            results.append(cur.fetchall() if cur.description else [])
            steps.append(round(time.perf_counter() - t1, 3))
        _set, eligible, usage, nps, _demand = results
        rates = {(row[0], row[1]): row[3] for row in usage}  # users this window per (benefit, tier)
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "steps": steps,
        "eligible_tiers": len(eligible),
        "usage_rows": len(usage),
        "nps_rows": len(nps),
        "rated": len(rates),
    }


# -- the plans ---------------------------------------------------------------------------------


def _explain(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def probe_explain() -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of the hot queries, captured as Django runs them."""
    from django.test.utils import CaptureQueriesContext

    from bookshelf.api.redemptions import RedemptionFilter
    from bookshelf.ledger.models import Redemption
    from bookshelf.ledger.selectors import bookshelf_for_customer
    from bookshelf.review.services import review_chunks, review_run_open
    from customers.models import Customer

    plans: dict[str, str] = {}
    no = sample_customers(Tier.HIGH_NET_WORTH, 1)[0]
    customer = Customer.objects.get(customer_no=no)
    bookshelf_for_customer(customer=customer)  # warm the shelf cache
    with CaptureQueriesContext(connection) as ctx:
        bookshelf_for_customer(customer=customer)
    for k, query in enumerate(ctx.captured_queries):
        plans[f"bookshelf read, query {k + 1}"] = _explain(query["sql"], None)

    from django.db.models import Q

    history = Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer)).order_by(
        "-created_at", "-id"
    )
    sql, params = history[:50].query.sql_with_params()
    plans["history page (no date filter)"] = _explain(sql, params)
    today = timezone.localdate()
    filtered = RedemptionFilter(
        {"date_from": (today - timedelta(days=30)).isoformat()}, queryset=history
    ).qs
    sql, params = filtered[:50].query.sql_with_params()
    plans["history page (date_from: last 30 days)"] = _explain(sql, params)

    # What the recommendations add to the bookshelf read: the usage rollup and the events.
    from bookshelf.reach.selectors import recent_events, recent_uses

    with CaptureQueriesContext(connection) as ctx:
        recent_uses(customer=customer, today=today)
        recent_events(customer=customer, today=today, days=90)
    for query, title in zip(
        ctx.captured_queries,
        ["recommendations: uses in the last year (usage rollup)", "recommendations: events"],
        strict=False,
    ):
        plans[title] = _explain(query["sql"], None)

    from bookshelf.review.services import review_chunk_compute

    end = seed_today()
    with contextlib.suppress(Exception), CaptureQueriesContext(connection) as ctx:
        from django.db import transaction

        with transaction.atomic():
            run, _created = review_run_open(window_end=end)
            ids = review_chunks(run=run)[0]
            review_chunk_compute(run_id=run.pk, benefit_ids=ids)
            transaction.set_rollback(True)
    for query in ctx.captured_queries:
        text = query["sql"]
        if "bookshelf_redemption" in text and "GROUP BY" in text:
            plans["review chunk: uses per benefit and tier (window pruning)"] = _explain(text, None)
        if "bookshelf_redemptionfeedback" in text and "GROUP BY" in text:
            plans["review chunk: NPS per benefit and tier"] = _explain(text, None)
        if "customers_customer" in text and "GROUP BY" in text and "eligible" not in plans:
            plans["review chunk: customers who could use it"] = _explain(text, None)
            plans["eligible"] = ""
    plans.pop("eligible", None)
    return {"plans": plans}


PROBES: dict[str, Callable[..., dict[str, Any]]] = {
    "read": probe_read,
    "recommendations": probe_recommendations,
    "contention": probe_contention,
    "tiers": probe_tiers,
    "value_profiles": probe_value_profiles,
    "review_sql": probe_review_sql,
    "explain": probe_explain,
}


def as_json(data: Any) -> str:
    return orjson.dumps(data, default=str).decode()
