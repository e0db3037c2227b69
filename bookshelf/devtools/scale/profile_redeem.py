"""Where the milliseconds of one redemption go (`probe_redeem_profile`).

Redemptions of the contention probe's kind (a VIP customer without family, a yearly quota with
uses left, an instant benefit) are posted through the project's WSGI application in this
process, each with its own Idempotency-Key: the whole middleware stack, authentication,
throttling, the service, the commit and the rendering; only gunicorn's socket is left out.
Three runs of the same size, on fresh uses each:

- bare, for the time a redemption takes (median and mean, ms);
- with the stage clock: a stage is entered by calling one of its functions (`STAGES`) and the
  innermost stage entered owns the time (and the queries sent) until that call returns;
  `sys.monitoring` reports only those calls, so the clock is exact and cheap. What no stage
  holds is the framework: the WSGI handler, the middleware, routing and DRF's dispatch;
- under cProfile, for the functions with the most own time.

`redeem_profile_table` renders the result as two short markdown tables.
"""

from __future__ import annotations

import contextlib
import cProfile
import importlib
import inspect
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from types import CodeType
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from customers.models import Tier

from .probes import WsgiCaller, api_token

# (stage, module, qualified name): calling the function enters the stage; the innermost stage
# entered owns the time until it returns. The order is the table's.
STAGES: list[tuple[str, str, str]] = [
    ("auth + throttle", "rest_framework.views", "APIView.perform_authentication"),
    ("auth + throttle", "rest_framework.views", "APIView.check_permissions"),
    ("auth + throttle", "rest_framework.views", "APIView.check_throttles"),
    ("customer lookup", "bookshelf.api.base", "CustomerScopedView.get_customer"),
    ("parsing + validation", "rest_framework.request", "Request._load_data_and_files"),
    ("parsing + validation", "rest_framework.serializers", "BaseSerializer.is_valid"),
    ("parsing + validation", "bookshelf.api.base", "idempotency_key_required"),
    ("idempotency", "bookshelf.integrations.idempotency", "idempotent_call"),
    ("benefit + allowance options", "benefits.selectors", "benefit_get"),
    ("benefit + allowance options", "bookshelf.ledger.redemption_reads", "use_reads"),
    ("benefit + allowance options", "bookshelf.ledger.redemptions", "redemption_options"),
    ("benefit + allowance options", "bookshelf.ledger.channels", "channel_claim_check"),
    ("quota check + balance UPDATE", "bookshelf.ledger.redemptions", "_spend_tier"),
    ("quota check + balance UPDATE", "bookshelf.ledger.redemptions", "_spend_purchase"),
    ("redemption INSERT, rest of the service", "bookshelf.fulfilment.lifecycle", "use_request"),
    ("fulfilment: suppliers, price, budgets", "bookshelf.fulfilment.lifecycle", "suppliers_for"),
    ("fulfilment: suppliers, price, budgets", "bookshelf.fulfilment.lifecycle", "_fulfilment_open"),
    ("fulfilment: suppliers, price, budgets", "bookshelf.money.costs", "use_charge"),
    ("outbox/webhooks", "bookshelf.integrations.webhooks", "event_emit"),
    ("usage rollup", "bookshelf.ledger.usage", "usage_record"),
    ("metrics", "prometheus_client.metrics", "Counter.inc"),
    ("serialisation", "bookshelf.api.redemptions", "RedemptionListCreateView.post.<locals>.run"),
    ("serialisation", "rest_framework.serializers", "Serializer.data"),
    ("serialisation", "rest_framework.response", "Response.rendered_content"),
    ("commit + savepoints", "django.db.transaction", "Atomic.__exit__"),
]
FRAMEWORK = "framework/middleware"
ORDER = [FRAMEWORK, *dict.fromkeys(stage for stage, _m, _f in STAGES)]
TOOL_ID = 4  # sys.monitoring's free ids are 3 and 4 (cProfile takes 2)


def _code_of(module: str, qualname: str) -> CodeType:
    """The code object of `module.qualname`; `<locals>` reaches a nested function."""
    target: Any = importlib.import_module(module)
    parts = qualname.split(".")
    code: CodeType | None = None
    for i, part in enumerate(parts):
        if part == "<locals>":
            continue
        if i and parts[i - 1] == "<locals>":
            assert code is not None
            code = next(c for c in code.co_consts if isinstance(c, CodeType) and c.co_name == part)
            continue
        target = inspect.getattr_static(target, part)
        if isinstance(target, property):
            target = target.fget
        code = getattr(target, "__code__", None)
    if code is None:
        raise LookupError(f"{module}.{qualname} has no code")
    return code


class StageClock:
    """Exact time per stage: sys.monitoring reports only the entries' starts and returns (and
    any frame's unwinding), so the clock costs little outside them."""

    def __init__(self) -> None:
        self.entries: dict[CodeType, str] = {}
        for stage, module, function in STAGES:
            # A function a refactoring removed leaves its stage to its callers'.
            with contextlib.suppress(ImportError, AttributeError, LookupError, StopIteration):
                self.entries[_code_of(module, function)] = stage
        self.seconds: dict[str, float] = dict.fromkeys(ORDER, 0.0)
        self.queries: dict[str, int] = dict.fromkeys(ORDER, 0)
        self.stack = [FRAMEWORK]
        self.last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.seconds[self.stack[-1]] += now - self.last
        self.last = now

    def _start(self, code: CodeType, _offset: int) -> None:
        self._tick()
        self.stack.append(self.entries[code])

    def _end(self, code: CodeType, _offset: int, _value: Any) -> None:
        if code in self.entries and len(self.stack) > 1:
            self._tick()
            self.stack.pop()

    def query(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries[self.stack[-1]] += 1
        return execute(sql, params, many, context)

    @contextmanager
    def running(self) -> Iterator[None]:
        mon = sys.monitoring
        events = mon.events
        mon.use_tool_id(TOOL_ID, "redeem-profile")
        try:
            mon.register_callback(TOOL_ID, events.PY_START, self._start)
            mon.register_callback(TOOL_ID, events.PY_RETURN, self._end)
            mon.register_callback(TOOL_ID, events.PY_UNWIND, self._end)
            for code in self.entries:
                mon.set_local_events(TOOL_ID, code, events.PY_START | events.PY_RETURN)
            mon.set_events(TOOL_ID, events.PY_UNWIND)
            self.last = time.perf_counter()
            with connection.execute_wrapper(self.query):
                yield
            self._tick()
        finally:
            mon.set_events(TOOL_ID, 0)
            for code in self.entries:
                mon.set_local_events(TOOL_ID, code, 0)
            mon.free_tool_id(TOOL_ID)


class WsgiPoster(WsgiCaller):
    """WsgiCaller with a POST: a JSON body and an Idempotency-Key."""

    def post(self, path: str, body: dict[str, Any], idempotency_key: str) -> tuple[int, bytes]:
        raw = orjson.dumps(body)
        headers = {
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(raw)),
            "HTTP_IDEMPOTENCY_KEY": idempotency_key,
        }
        return self.call("POST", path, body=raw, headers=headers)


def _work(pairs: list[dict[str, Any]], run: str) -> list[tuple[str, dict[str, Any], str]]:
    """One request per use left of each pair (every one should succeed), pairs interleaved."""
    out: list[tuple[str, dict[str, Any], str]] = []
    for j in range(max((p["left"] for p in pairs), default=0)):
        for i, pair in enumerate(pairs):
            if j < pair["left"]:
                path = f"/api/v1/customers/{pair['customer_no']}/redemptions"
                out.append((path, {"benefit": pair["code"], "channel": "app"}, f"{run}-{i}-{j}"))
    return out


def _run(poster: WsgiPoster, work: list[tuple[str, dict[str, Any], str]]) -> list[float]:
    times: list[float] = []
    for path, body, key in work:
        t0 = time.perf_counter()
        status, out = poster.post(path, body, key)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 201:
            raise RuntimeError(f"redemption answered {status}: {out[:300]!r}")
    return times


PAIRS_SQL = (
    # The contention probe's shape (a VIP customer without family, a yearly quota, no
    # eligibility rule, nothing bought), on customers outside its sample (`id % 101 = 7`).
    "WITH sample AS (SELECT id, customer_no, tier FROM customers_customer "
    "WHERE tier >= %s AND id %% 101 <> 7 ORDER BY id LIMIT 20000) "
    "SELECT c.customer_no, b.code, s.quota - COALESCE(q.used, 0) "
    "FROM sample c "
    "JOIN bookshelf_shelfcell s ON s.tier = c.tier AND s.period = 'calendar_year' "
    "AND s.quota BETWEEN 2 AND 12 "
    "JOIN benefits_benefit b ON b.id = s.benefit_id AND b.status = 'on_shelf' "
    "AND b.fulfilment_kind = 'instant' "
    "LEFT JOIN bookshelf_eligibility e ON e.benefit_id = b.id "
    "LEFT JOIN bookshelf_quotabalance q ON q.holder_id = c.id AND q.benefit_id = b.id "
    "AND q.period_start = %s "
    "WHERE e.id IS NULL AND s.quota - COALESCE(q.used, 0) >= 1 "
    "AND NOT EXISTS (SELECT 1 FROM bookshelf_purchase p WHERE p.customer_id = c.id "
    "AND p.benefit_id = b.id) "
    "AND NOT EXISTS (SELECT 1 FROM customers_familylink f WHERE f.customer_id = c.id) "
    "ORDER BY md5(c.customer_no || b.code) LIMIT %s"
)


def _pairs(count: int) -> list[dict[str, Any]]:
    """Customer and benefit pairs of the contention probe's shape, with uses left."""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(PAIRS_SQL, [Tier.GOLD, date(today.year, 1, 1), count])
        rows = cursor.fetchall()
    if not rows:
        raise RuntimeError("no customers with uses left: is the database seeded?")
    return [{"customer_no": r[0], "code": r[1], "left": r[2]} for r in rows]


def _short(name: str) -> str:
    """A function's file relative to site-packages or the project."""
    for root in (*sys.path[::-1], str(settings.BASE_DIR)):
        if root and name.startswith(root.rstrip("/") + "/"):
            return name[len(root.rstrip("/")) + 1 :]
    return name


def _top_functions(profiler: cProfile.Profile, top: int, count: int) -> list[dict[str, Any]]:
    """cProfile's functions with the most own time, in ms per redemption."""
    raw: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [
        {
            "function": _short(pstats.func_std_string(func)),  # type: ignore[attr-defined]
            "calls": nc / count,
            "own_ms": tt * 1000 / count,
            "cumulative_ms": ct * 1000 / count,
        }
        for func, (_cc, nc, tt, ct, _callers) in rows
    ]


def probe_redeem_profile(
    *, redemptions: int = 150, warmup: int = 10, top: int = 12
) -> dict[str, Any]:
    """`redemptions` redemptions through the WSGI app timed bare, as many with the stage clock
    (where each millisecond goes, and each query) and as many under cProfile (which functions),
    after `warmup` not counted. Every one must answer 201."""
    from bookshelf.integrations.models import ApiScope

    n = redemptions
    work = _work(_pairs(3 * n + warmup), f"prof-{uuid.uuid4().hex[:10]}")
    if len(work) < 3 * n + warmup:
        raise RuntimeError(f"only {len(work)} uses left to redeem: seed a fresh database")
    poster = WsgiPoster(api_token([ApiScope.READ, ApiScope.REDEEM]))
    _run(poster, work[:warmup])
    times = _run(poster, work[warmup : warmup + n])
    clock = StageClock()
    with clock.running():
        clocked = _run(poster, work[warmup + n : warmup + 2 * n])
    profiler = cProfile.Profile()
    profiler.enable()
    profiled = _run(poster, work[warmup + 2 * n : warmup + 3 * n])
    profiler.disable()
    total = sum(clock.seconds.values()) or 1.0
    return {
        "redemptions": n,
        "p50_ms": statistics.median(times),
        "mean_ms": statistics.fmean(times),
        "clocked_mean_ms": statistics.fmean(clocked),
        "profiled_mean_ms": statistics.fmean(profiled),
        "queries_per_redemption": sum(clock.queries.values()) / n,
        "stages": [
            {
                "stage": stage,
                "ms": clock.seconds[stage] * 1000 / n,
                "share": clock.seconds[stage] / total,
                "queries": clock.queries[stage] / n,
            }
            for stage in ORDER
        ],
        "top_functions": _top_functions(profiler, top, n),
        "today": date.isoformat(timezone.localdate()),
    }


def redeem_profile_table(result: dict[str, Any]) -> str:
    """The profile as markdown: each stage's ms of a redemption, its share and its queries;
    then cProfile's functions with the most own time."""
    lines = [
        f"{result['redemptions']} redemptions through the WSGI app: median "
        f"{result['p50_ms']:.2f} ms, mean {result['mean_ms']:.2f} ms, "
        f"{result['queries_per_redemption']:.1f} queries each. By stage (the stage clock, mean "
        f"{result['clocked_mean_ms']:.2f} ms):",
        "",
        "| stage | ms per redemption | share | queries |",
        "| --- | ---: | ---: | ---: |",
    ]
    stages = result["stages"]
    for row in stages:
        lines.append(
            f"| {row['stage']} | {row['ms']:.2f} | {row['share'] * 100:.0f}% "
            f"| {row['queries']:.1f} |"
        )
    lines += [
        f"| **total** | **{sum(r['ms'] for r in stages):.2f}** | 100% "
        f"| **{result['queries_per_redemption']:.1f}** |",
        "",
        f"cProfile (mean {result['profiled_mean_ms']:.2f} ms under it), the most own time:",
        "",
        "| function | calls | own ms | cumulative ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in result["top_functions"]:
        name = row["function"].replace("|", "\\|")
        lines.append(
            f"| `{name}` | {row['calls']:.1f} | {row['own_ms']:.2f} | {row['cumulative_ms']:.2f} |"
        )
    return "\n".join(lines)
