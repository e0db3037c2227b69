"""The open-loop generator measures from the scheduled time, counts what it could not send,
and the capacity search keeps the highest rate that passes (on a model of a server)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bookshelf.devtools.scale.openloop import (
    RunStats,
    arrival_times,
    capacity_search,
    median_search,
    open_loop_run,
    openloop_table,
)


class _Slow(http.server.BaseHTTPRequestHandler):
    delay = 0.010  # one request at a time, 10 ms each: at most 100 a second

    def do_GET(self) -> None:
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def slow_server() -> Iterator[tuple[str, int]]:
    # One thread, HTTP/1.0 (a connection per request): requests queue in the listen backlog.
    http.server.HTTPServer.request_queue_size = 256
    server = http.server.HTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_schedule_keeps_its_rate():
    poisson = arrival_times(500, 4, seed=3)
    assert 1800 < len(poisson) < 2200
    assert poisson == sorted(poisson) and poisson[-1] < 4
    assert arrival_times(500, 4, seed=3) == poisson  # the same schedule every run
    assert len(arrival_times(50, 2, poisson=False)) == 100


def test_latency_counts_the_queue_not_only_the_service(slow_server):
    light = open_loop_run(slow_server, lambda i: "/", 20, 1.0, poisson=False)
    assert light.complete and light.p50 < 60  # about the 10 ms the server takes
    # Twice what the server can do for 1.5 s: each request waits behind the earlier ones. A
    # closed-loop client would still see about 10 ms per request; from the schedule it grows
    # to hundreds of milliseconds by the end of the run.
    heavy = open_loop_run(slow_server, lambda i: "/", 200, 1.5, poisson=False, grace=10)
    assert heavy.complete
    assert heavy.p99 > 300
    assert heavy.p99 > 10 * light.p50


def test_what_was_never_sent_counts_as_failed(slow_server):
    stats = open_loop_run(slow_server, lambda i: "/", 300, 1.0, connections=2, grace=0.0)
    assert stats.scheduled == pytest.approx(300, rel=0.15)
    assert stats.sent < stats.scheduled
    assert stats.errors >= stats.scheduled - stats.sent
    assert not stats.complete
    assert "never sent" in stats.error_sample[-1]


def test_a_wrong_status_is_a_failure(slow_server):
    from bookshelf.devtools.scale.openloop import Call

    stats = open_loop_run(slow_server, lambda i: Call(path="/", ok=(201,)), 20, 0.5)
    assert stats.sent == stats.scheduled > 0
    assert stats.ok == 0 and stats.errors == stats.scheduled
    assert stats.error_sample and "200" in stats.error_sample[0]


def _model(capacity: float, unloaded: float = 2.0) -> Any:
    """A server that keeps its unloaded latency up to `capacity` and then queues."""
    calls: list[float] = []

    def runner(rate: float, seconds: float) -> RunStats:
        calls.append(rate)
        n = int(rate * seconds)
        slow = rate > capacity
        return RunStats(
            rate=rate,
            seconds=seconds,
            scheduled=n,
            sent=n,
            ok=n,
            p50=unloaded * (5 if slow else 1),
            p99=unloaded * (50 if slow else 3),
        )

    return runner, calls


def test_capacity_is_the_highest_rate_that_passes():
    runner, calls = _model(430)
    found = capacity_search(runner=runner, unloaded_ms=2.0, start_rate=50, bisections=5)
    # 50, 100, 200, 400 pass; 800 fails; then 600, 500, 450 fail, 425 passes, 437.5 fails.
    assert calls[:5] == [50, 100, 200, 400, 800]
    assert found["capacity"] == 425
    assert found["first_failing"] == 437.5
    assert calls[-1] == 212.5  # the run at half the capacity
    assert found["half"]["p99"] == 6.0
    assert [t["pass"] for t in found["trail"]] == [True] * 4 + [False] * 4 + [True, False]


def test_a_rate_with_failures_does_not_pass_however_fast():
    def runner(rate: float, seconds: float) -> RunStats:
        n = int(rate * seconds)
        errors = 1 if rate > 100 else 0
        return RunStats(rate, seconds, n, sent=n, ok=n - errors, errors=errors, p50=1, p99=1)

    found = capacity_search(runner=runner, unloaded_ms=1.0, start_rate=25, bisections=2)
    assert found["capacity"] == 100


def test_the_table_puts_each_capacity_next_to_healthz():
    half = {"p50": 2.0, "p99": 8.0}
    result = {
        "endpoints": {
            "/healthz": {"unloaded_p50": 1.0, "capacity": 800.0, "half": half},
            "benefit centre": {"unloaded_p50": 9.0, "capacity": 200.0, "half": half},
        }
    }
    table = openloop_table(result)
    assert "| /healthz | 1.0 | 800 | 800 | 2.0 / 8.0 | 4.0x | 1.00x |" in table
    assert "| benefit centre | 9.0 | 200 | 200 | 2.0 / 8.0 | 4.0x | 0.25x |" in table


def test_of_several_searches_the_median_one_is_reported():
    searches = [
        {"capacity": c, "unloaded_p50": 1.0, "half": {"p50": c, "p99": c}} for c in (300, 150, 420)
    ]
    chosen = median_search(searches)
    assert chosen["capacity"] == 300
    assert chosen["half"] == {"p50": 300, "p99": 300}  # its own half-rate run, not another's
    assert chosen["rounds"] == [300, 150, 420]
    assert median_search(searches[:2])["capacity"] == 150  # even: the lower middle
    table = openloop_table({"endpoints": {"/healthz": chosen}})
    assert "| /healthz | 1.0 | 300 | 300, 150, 420 |" in table
