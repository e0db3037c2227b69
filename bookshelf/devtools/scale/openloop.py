"""An open-loop load generator, the capacity search built on it, and the fresh-worker probe.

Open loop: the requests of a run have fixed arrival times (rate R, a Poisson or uniform
schedule) made before the run starts; a pool of threads, each with its own keep-alive HTTP
connection, takes the next due slot, sleeps until its time and sends it. A request's latency is
its reply time minus its *scheduled* time, so when the server falls behind, the time a request
waited for a free connection is counted (no coordinated omission: a slow server cannot slow the
clock). A slot still unsent when the run's grace period ends is counted as not sent.

The generator is plain `http.client` and threads: it shares the 2 cores with gunicorn, so its
own CPU per request is measured (process CPU time over requests) and reported with every run.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .probes import percentile

GUNICORN_CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


@dataclass(frozen=True, slots=True)
class Call:
    """One request of a workload (a plain path means a GET expecting 200)."""

    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] | None = None
    name: str = ""
    ok: tuple[int, ...] = (200,)


UrlMaker = Callable[[int], "str | Call"]


@dataclass
class NameStats:
    count: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list, repr=False)


@dataclass
class RunStats:
    """One run at one rate. Times in milliseconds."""

    rate: float
    seconds: float
    scheduled: int
    sent: int = 0
    ok: int = 0
    errors: int = 0
    p50: float = float("nan")
    p99: float = float("nan")
    max: float = float("nan")
    send_lag_p99: float = float("nan")  # how late the sends left (the pool's own delay)
    achieved: float = 0.0  # requests completed per second of schedule
    client_cpu_us: float = float("nan")  # the generator's CPU per request
    by_name: dict[str, NameStats] = field(default_factory=dict, repr=False)
    error_sample: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every scheduled request was sent and answered as expected."""
        return self.ok == self.scheduled

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_name"] = {
            name: {
                "count": s.count,
                "errors": s.errors,
                "p50": percentile(s.latencies, 0.5),
                "p99": percentile(s.latencies, 0.99),
                "max": max(s.latencies, default=float("nan")),
            }
            for name, s in self.by_name.items()
        }
        return data


def arrival_times(
    rate: float, seconds: float, *, poisson: bool = True, seed: int = 1
) -> list[float]:
    """Offsets (s) from the run's start: exponential gaps of mean 1/rate, or even ones."""
    if rate <= 0 or seconds <= 0:
        return []
    if not poisson:
        return [k / rate for k in range(int(rate * seconds))]
    rng = random.Random(seed)
    times, t = [], rng.expovariate(rate)
    while t < seconds:
        times.append(t)
        t += rng.expovariate(rate)
    return times


def _as_call(item: str | Call) -> Call:
    return item if isinstance(item, Call) else Call(path=item)


class _Recorder:
    """Per-slot results, written by index from the pool's threads (no lock needed)."""

    def __init__(self, n: int) -> None:
        self.latency: list[float | None] = [None] * n
        self.lag: list[float | None] = [None] * n
        self.status: list[int] = [0] * n
        self.name: list[str] = [""] * n
        self.failed: list[str] = []


_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _send(conn: http.client.HTTPConnection, call: Call) -> http.client.HTTPResponse:
    """Send on the kept-alive connection; if the server had closed it while idle (gunicorn's
    keepalive), reconnect and send once more, as HTTP clients do."""
    reused = conn.sock is not None
    try:
        conn.request(call.method, call.path, body=call.body, headers=call.headers or {})
        return conn.getresponse()
    except _STALE:
        if not reused:
            raise
        conn.close()
        conn.request(call.method, call.path, body=call.body, headers=call.headers or {})
        return conn.getresponse()


def _worker(
    address: tuple[str, int],
    url_maker: UrlMaker,
    due: list[float],
    slots: Iterator[int],
    rec: _Recorder,
    deadline: float,
    timeout: float,
) -> None:
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    clock = time.perf_counter
    for i in slots:
        if i >= len(due):
            break
        wait = due[i] - clock()
        if wait > 0:
            time.sleep(wait)
        sent = clock()
        if sent > deadline:
            break  # this slot and the later ones stay unsent
        call = _as_call(url_maker(i))
        rec.name[i] = call.name or call.path
        try:
            response = _send(conn, call)
            body = response.read()
            rec.status[i] = response.status
            if response.status not in call.ok and len(rec.failed) < 5:
                rec.failed.append(f"{rec.name[i]}: {response.status} {body[:120]!r}")
        except (OSError, http.client.HTTPException) as exc:
            rec.status[i] = -1
            if len(rec.failed) < 5:
                rec.failed.append(f"{rec.name[i]}: {type(exc).__name__}: {exc}")
            conn.close()
        rec.latency[i] = (clock() - due[i]) * 1000
        rec.lag[i] = (sent - due[i]) * 1000
        if rec.status[i] in call.ok:
            rec.status[i] = 0  # 0 marks an expected answer
    conn.close()


def open_loop_run(
    address: tuple[str, int],
    url_maker: UrlMaker,
    rate: float,
    seconds: float,
    *,
    connections: int = 64,
    poisson: bool = True,
    seed: int = 1,
    timeout: float = 10.0,
    grace: float = 5.0,
) -> RunStats:
    """Send `rate` requests a second for `seconds` on a fixed schedule; latency from the slot."""
    offsets = arrival_times(rate, seconds, poisson=poisson, seed=seed)
    stats = RunStats(rate=rate, seconds=seconds, scheduled=len(offsets))
    if not offsets:
        return stats
    start = time.perf_counter() + 0.05
    due = [start + t for t in offsets]
    rec = _Recorder(len(due))
    slots = itertools.count()  # next() is atomic under the GIL: each slot goes to one thread
    deadline = start + seconds + grace
    cpu0 = time.process_time()
    pool = [
        threading.Thread(
            target=_worker,
            args=(address, url_maker, due, slots, rec, deadline, timeout),
            daemon=True,
        )
        for _ in range(max(1, min(connections, len(due))))
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + grace + timeout + 5)
    cpu = time.process_time() - cpu0
    return _summarise(stats, rec, cpu)


def _summarise(stats: RunStats, rec: _Recorder, cpu: float) -> RunStats:
    latencies = []
    for i, latency in enumerate(rec.latency):
        if latency is None:
            continue
        stats.sent += 1
        latencies.append(latency)
        named = stats.by_name.setdefault(rec.name[i], NameStats())
        named.count += 1
        named.latencies.append(latency)
        if rec.status[i] == 0:
            stats.ok += 1
        else:
            stats.errors += 1
            named.errors += 1
    stats.errors += stats.scheduled - stats.sent  # never sent: failed as well
    if latencies:
        stats.p50 = percentile(latencies, 0.5)
        stats.p99 = percentile(latencies, 0.99)
        stats.max = max(latencies)
        stats.send_lag_p99 = percentile([x for x in rec.lag if x is not None], 0.99)
        stats.client_cpu_us = cpu / len(latencies) * 1e6
    stats.achieved = stats.ok / stats.seconds
    stats.error_sample = rec.failed
    if stats.scheduled > stats.sent:
        stats.error_sample.append(
            f"{stats.scheduled - stats.sent} requests never sent: the server was still behind "
            "the schedule when the run's grace period ended"
        )
    return stats


def settle(address: tuple[str, int], *, within: float = 0.5, limit: float = 120.0) -> float:
    """Wait until the server answers /healthz within `within` seconds again: an overloaded
    run leaves requests queued on the server, which must not land in the next measurement.
    Returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        conn = http.client.HTTPConnection(*address, timeout=limit)
        try:
            t0 = time.perf_counter()
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            if time.perf_counter() - t0 < within:
                break
        except OSError:
            time.sleep(0.5)
        finally:
            conn.close()
    return time.perf_counter() - started


def unloaded_median(address: tuple[str, int], url_maker: UrlMaker, samples: int = 60) -> float:
    """One client, one request at a time (after a few to warm the connection): median ms."""
    settle(address)
    conn = http.client.HTTPConnection(*address, timeout=60)
    times = []
    for i in range(samples + 5):
        call = _as_call(url_maker(i))
        started = time.perf_counter()
        conn.request(call.method, call.path, body=call.body, headers=call.headers or {})
        response = conn.getresponse()
        response.read()
        if response.status not in call.ok:
            raise RuntimeError(f"{call.path}: {response.status} in the unloaded run")
        if i >= 5:
            times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return statistics.median(times)


def warm_every_worker(
    address: tuple[str, int], url_maker: UrlMaker, *, rate: float = 100.0, seconds: float = 2.0
) -> RunStats:
    """A short run over several connections, not counted: the unloaded run's one connection
    reaches one worker, and the capacity search's first step must not meet the others
    serving this endpoint for the first time (its statements' first plans, its memos)."""
    settle(address)
    return open_loop_run(address, url_maker, rate, seconds, connections=8)


# -- capacity --------------------------------------------------------------------------------

Runner = Callable[[float, float], RunStats]


def passes(stats: RunStats, unloaded_ms: float, factor: float = 10.0) -> bool:
    """A rate the server carries: everything scheduled answered, p99 under factor x unloaded."""
    return stats.complete and stats.p99 < factor * unloaded_ms


def capacity_search(
    url_maker: UrlMaker | None = None,
    *,
    address: tuple[str, int] | None = None,
    runner: Runner | None = None,
    unloaded_ms: float | None = None,
    start_rate: float | None = None,
    max_rate: float = 4000.0,
    step_seconds: float = 3.0,
    min_samples: int = 300,
    bisections: int = 3,
    factor: float = 10.0,
) -> dict[str, Any]:
    """The highest rate whose p99 stays under `factor` x the unloaded median (and which answers
    all it was sent): doubling from `start_rate` to the first failure, then bisection between
    the last pass and it; then a run at half that rate for p50 / p99.

    `runner(rate, seconds)` and `unloaded_ms` replace the HTTP runs (for a model of a server)."""
    if runner is None:
        if url_maker is None or address is None:
            raise ValueError("capacity_search needs url_maker and address, or a runner")
        maker, where = url_maker, address

        def runner(rate: float, seconds: float) -> RunStats:
            settle(where)  # what the last run left queued is not this run's
            return open_loop_run(where, maker, rate, seconds)

    if unloaded_ms is None:
        if url_maker is None or address is None:
            raise ValueError("capacity_search needs unloaded_ms with a runner alone")
        warm_every_worker(address, url_maker)
        unloaded_ms = unloaded_median(address, url_maker)
    trail: list[dict[str, Any]] = []

    def attempt(rate: float) -> bool:
        seconds = min(max(step_seconds, min_samples / rate), 4 * step_seconds)
        stats = runner(rate, seconds)
        ok = passes(stats, unloaded_ms, factor)
        trail.append({**_brief(stats), "pass": ok})
        return ok

    rate = start_rate or max(2.0, 500.0 / unloaded_ms)  # half of what one client can send
    good, bad = 0.0, None
    while rate <= max_rate:
        if not attempt(rate):
            bad = rate
            break
        good, rate = rate, rate * 2
    while good == 0.0 and bad is not None and bad > 1.0 and len(trail) < 8:
        rate = bad / 2  # even the first rate failed: halve until one passes
        if attempt(rate):
            good = rate
        else:
            bad = rate
    if bad is not None and good > 0:
        for _ in range(bisections):
            mid = (good + bad) / 2
            if attempt(mid):
                good = mid
            else:
                bad = mid
    half = runner(good / 2, 2 * step_seconds) if good > 0 else None
    return {
        "unloaded_p50": unloaded_ms,
        "capacity": good,
        "first_failing": bad,
        "half": half.as_dict() if half else None,
        "trail": trail,
    }


def median_search(searches: list[dict[str, Any]]) -> dict[str, Any]:
    """Of several capacity searches of one endpoint, the one of median capacity (the lower
    middle of an even count), with every search's capacity under `rounds`."""
    ordered = sorted(searches, key=lambda found: found["capacity"])
    chosen = ordered[(len(ordered) - 1) // 2]
    return {**chosen, "rounds": [found["capacity"] for found in searches]}


def _brief(stats: RunStats) -> dict[str, Any]:
    keys = ("rate", "scheduled", "sent", "ok", "errors", "p50", "p99", "send_lag_p99")
    data = {k: getattr(stats, k) for k in keys}
    data["client_cpu_us"] = stats.client_cpu_us
    return data


# -- the fresh worker ------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])  # utime + stime


def _booted_worker(
    master: int, *, not_pid: int | None = None, only: int | None = None, seconds: float = 60
) -> int:
    """The master's worker once it has finished booting (its CPU time stops moving), so the
    next request measures the worker's first request, not its start."""
    deadline = time.monotonic() + seconds
    last, still = -2, 0
    while time.monotonic() < deadline:
        pids = [p for p in _children(master) if p != not_pid and only in (None, p)]
        if pids:
            ticks = _cpu_ticks(pids[0])
            still = still + 1 if ticks == last else 0
            last = ticks
            if still >= 3:
                return pids[0]
        time.sleep(0.2)
    raise RuntimeError("gunicorn's worker did not finish booting")


def booted_workers(master: int, count: int, seconds: float = 120) -> list[int]:
    """Wait until the master has `count` workers and every one has finished booting (so a
    run does not begin with requests queued behind the workers' start)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(_children(master)) < count:
        time.sleep(0.2)
    pids = _children(master)
    for pid in pids:
        _booted_worker(master, only=pid, seconds=max(1.0, deadline - time.monotonic()))
    return pids


@contextlib.contextmanager
def deploy_gunicorn(*, warm: bool, max_requests: int, threads: int = 1) -> Iterator[Any]:
    """gunicorn as deployed (deploy/gunicorn.conf.py), one worker, recycled after
    `max_requests`; warm-up on or off. Yields (address, master process)."""
    from .probes import _free_port

    port = _free_port()
    env = dict(
        os.environ,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS=str(threads),
        GUNICORN_MAX_REQUESTS=str(max_requests),
        GUNICORN_MAX_REQUESTS_JITTER="0",
        BOOKSHELF_WARMUP="true" if warm else "false",
    )
    env.pop("BOOKSHELF_WARMUP_BY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", str(GUNICORN_CONF)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield ("127.0.0.1", port), proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _one(address: tuple[str, int], call: Call) -> float:
    conn = http.client.HTTPConnection(*address, timeout=30)
    started = time.perf_counter()
    conn.request(call.method, call.path, headers=call.headers or {})
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status not in call.ok:
        raise RuntimeError(f"{call.path}: {response.status}")
    return elapsed


def fresh_worker(
    url_maker: UrlMaker, *, warm: bool, max_requests: int = 50, threads: int = 1
) -> dict[str, Any]:
    """First request of a booted fresh worker, the median of warm ones, and the first request
    of the worker gunicorn starts when the first reaches `max_requests`."""
    with deploy_gunicorn(warm=warm, max_requests=max_requests, threads=threads) as (
        address,
        proc,
    ):
        first_pid = _booted_worker(proc.pid)
        first = _one(address, _as_call(url_maker(0)))
        warm_times = [_one(address, _as_call(url_maker(i))) for i in range(1, 31)]
        for i in range(31, max_requests):  # the rest of the worker's life
            _one(address, _as_call(url_maker(i)))
        second_pid = _booted_worker(proc.pid, not_pid=first_pid)
        recycled = _one(address, _as_call(url_maker(max_requests)))
    warm_p50 = statistics.median(warm_times)
    return {
        "warm_up": warm,
        "threads": threads,
        "first": first,
        "warm_p50": warm_p50,
        "first_vs_warm": first / warm_p50,
        "after_recycle": recycled,
        "recycled_vs_warm": recycled / warm_p50,
        "recycled": second_pid != first_pid,
    }


# -- the probe -------------------------------------------------------------------------------


def api_calls(token: str, customers: list[str], template: str, name: str) -> UrlMaker:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    calls = [Call(path=template.format(no=no), headers=headers, name=name) for no in customers]
    return lambda i: calls[i % len(calls)]


def probe_openloop(
    *,
    workers: int = 3,
    threads: int = 1,
    sample: int = 40,
    step_seconds: float = 3.0,
    max_rate: float = 4000.0,
    fresh: bool = True,
    rounds: int = 3,
) -> dict[str, Any]:
    """Capacity and p50/p99 at half of it for /healthz, the benefit centre and the
    recommendations on one gunicorn server in one run; the generator's own cost; the fresh
    worker's first request with and without warm-up.

    Each endpoint is searched `rounds` times, the endpoints in turn, and its median search
    is the one reported (`median_search`): one search swings with the shared machine (the
    same code gave /healthz 416 to 587 req/s and the centre 152 to 364 in one afternoon)."""
    from bookshelf.integrations.models import ApiScope
    from customers.models import Tier

    from .probes import api_token, gunicorn_server, sample_customers

    token = api_token([ApiScope.READ])
    customers = sample_customers(Tier.ORDINARY, sample)
    makers: dict[str, UrlMaker] = {
        "/healthz": lambda i: Call(path="/healthz", name="/healthz"),
        "benefit centre": api_calls(
            token, customers, "/api/v1/customers/{no}/bookshelf", "benefit centre"
        ),
        "recommendations": api_calls(
            token, customers, "/api/v1/customers/{no}/recommendations", "recommendations"
        ),
    }
    searches: dict[str, list[dict[str, Any]]] = {name: [] for name in makers}
    with gunicorn_server(workers, threads) as where:
        host, port = where.rsplit(":", 1)
        address = (host, int(port))
        for _round in range(max(1, rounds)):
            for name, maker in makers.items():
                searches[name].append(
                    capacity_search(
                        maker, address=address, step_seconds=step_seconds, max_rate=max_rate
                    )
                )
    endpoints = {name: median_search(found) for name, found in searches.items()}
    result: dict[str, Any] = {
        "workers": workers,
        "threads": threads,
        "cores": os.cpu_count(),
        "endpoints": endpoints,
        "generator": generator_cost(),
    }
    if fresh:
        centre = makers["benefit centre"]
        result["fresh_worker"] = {
            "before": fresh_worker(centre, warm=False),
            "after": fresh_worker(centre, warm=True),
        }
    return result


# A trivial keep-alive HTTP server (asyncio, its own process): the generator's own ceiling.
_TRIVIAL_SERVER = r"""
import asyncio, sys
REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
class P(asyncio.Protocol):
    def connection_made(self, t): self.t, self.buf = t, b""
    def data_received(self, data):
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            _, self.buf = self.buf.split(b"\r\n\r\n", 1)
            self.t.write(REPLY)
async def main():
    server = await asyncio.get_running_loop().create_server(P, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def generator_cost(rate: float = 3000.0, seconds: float = 2.0) -> dict[str, Any]:
    """The generator against a server that does nothing: the rate it reaches when asked for
    `rate`, its p99 there and its CPU per request (what it takes from gunicorn's cores)."""
    server = subprocess.Popen(
        [sys.executable, "-c", _TRIVIAL_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        stats = open_loop_run(("127.0.0.1", port), lambda i: "/", rate, seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "asked": rate,
        "achieved": stats.achieved,
        "p50": stats.p50,
        "p99": stats.p99,
        "send_lag_p99": stats.send_lag_p99,
        "client_cpu_us": stats.client_cpu_us,
    }


def _ms(value: Any) -> str:
    return "-" if value is None or value != value else f"{value:.1f}"


def openloop_table(result: dict[str, Any]) -> str:
    """Markdown: one row per endpoint, capacity next to /healthz's; then the fresh worker."""
    endpoints = result["endpoints"]
    healthz = endpoints.get("/healthz", {}).get("capacity") or 0.0
    lines = [
        "| endpoint | unloaded p50 ms | capacity req/s (median) | each search | "
        "p50 / p99 ms at 50% | p99/p50 | capacity vs /healthz |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in endpoints.items():
        half = row.get("half") or {}
        p50, p99 = half.get("p50"), half.get("p99")
        ratio = f"{p99 / p50:.1f}x" if p50 and p99 else "-"
        versus = f"{row['capacity'] / healthz:.2f}x" if healthz else "-"
        each = ", ".join(f"{c:.0f}" for c in row.get("rounds", [row["capacity"]]))
        lines.append(
            f"| {name} | {_ms(row['unloaded_p50'])} | {row['capacity']:.0f} | {each} | "
            f"{_ms(p50)} / {_ms(p99)} | {ratio} | {versus} |"
        )
    gen = result.get("generator")
    if gen:
        lines += [
            "",
            f"Generator against a do-nothing server: {gen['achieved']:.0f} req/s reached of "
            f"{gen['asked']:.0f} asked, p99 {_ms(gen['p99'])} ms, "
            f"{gen['client_cpu_us']:.0f} µs of its CPU per request.",
        ]
    fresh = result.get("fresh_worker")
    if fresh:
        lines += [
            "",
            "| fresh worker (benefit centre) | first ms | warm p50 ms | first/warm | "
            "after a recycle ms | recycle/warm |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label in ("before", "after"):
            f = fresh[label]
            lines.append(
                f"| warm-up {'on' if f['warm_up'] else 'off'} | {_ms(f['first'])} | "
                f"{_ms(f['warm_p50'])} | {f['first_vs_warm']:.1f}x | "
                f"{_ms(f['after_recycle'])} | {f['recycled_vs_warm']:.1f}x |"
            )
    return "\n".join(lines) + "\n"
