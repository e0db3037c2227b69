"""A private primary with a streaming replica, for the replica tests and the benchmark.

`Cluster` starts both from the installed PostgreSQL binaries (/usr/lib/postgresql/*/bin) in a
temporary directory, each on a free port of its own: `initdb` for the primary (WAL for
replication, trust on loopback), `pg_basebackup -R` for the replica (hot standby, streaming).
The machine's own server and its pg_hba.conf are never touched. Root runs them as the
`postgres` user (initdb refuses root).

`LagSampler` measures, while something else loads the primary, how long a position the primary
has just written takes to be replayed on the replica, and how far behind it is in bytes.
`probe_replica_read` times the benefit centre read from the replica against the same read from
the primary, in one process (`manage.py bench_probe replica_read` with DATABASE_REPLICA_URLS).
Standard library only at import: the replica tests' plugin loads it before Django is set up.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER_SETTINGS = [
    "listen_addresses=127.0.0.1",
    "wal_level=replica",
    "max_wal_senders=4",
    "hot_standby=on",
    "wal_receiver_status_interval=1s",
    "max_connections=80",
]
# A throwaway server for tests: durability is not what they test.
FAST_UNSAFE = ["fsync=off", "full_page_writes=off"]


def binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL's server binaries are not installed (/usr/lib/postgresql)")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    data: Path
    port: int
    log: Path

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@dataclass
class Cluster:
    """A primary and one streaming replica; `settings` are extra `-c` server settings."""

    settings: list[str] = field(default_factory=list)
    bin: Path = field(default_factory=binaries)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bookshelf-pg-")))

    def __post_init__(self) -> None:
        self.user = "postgres" if os.geteuid() == 0 else ""
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self.primary = Server(self.root / "primary", free_port(), self.root / "primary.log")
        self.replica = Server(self.root / "replica", free_port(), self.root / "replica.log")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)

    def options(self, server: Server) -> str:
        own = [f"port={server.port}", f"unix_socket_directories={self.root}"]
        return " ".join(f"-c {s}" for s in [*own, *SERVER_SETTINGS, *self.settings])

    def start_server(self, server: Server) -> None:
        self.run("pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "-t", "120",
                 "-o", self.options(server), "start")  # fmt: skip

    def stop_server(self, server: Server) -> None:
        self.run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")

    def start(self) -> Cluster:
        self.run("initdb", "-D", str(self.primary.data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        self.start_server(self.primary)
        port = str(self.primary.port)
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                 "-D", str(self.replica.data), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        self.start_server(self.replica)
        return self

    def stop(self) -> None:
        for server in (self.replica, self.primary):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self.stop_server(server)
        shutil.rmtree(self.root, ignore_errors=True)


def wait_replayed(primary_url: str, replica_url: str, timeout: float = 300) -> float:
    """Until the replica has replayed what the primary has written so far; seconds waited."""
    import psycopg

    t0 = time.monotonic()
    with (
        psycopg.connect(primary_url, autocommit=True) as p,
        psycopg.connect(replica_url, autocommit=True) as r,
    ):
        target = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        while time.monotonic() - t0 < timeout:
            row = r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()
            if row and row[0]:
                return time.monotonic() - t0
            time.sleep(0.05)
    raise RuntimeError("the replica did not catch up")


class LagSampler(threading.Thread):
    """Every `every` seconds: the primary's WAL position, then how long until the replica
    has replayed it (visibility delay, ms) and how many bytes it was behind when asked."""

    def __init__(self, primary_url: str, replica_url: str, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.urls = (primary_url, replica_url)
        self.every = every
        self.delays_ms: list[float] = []
        self.behind_bytes: list[int] = []
        self.halt = threading.Event()

    def run(self) -> None:
        import psycopg

        with (
            psycopg.connect(self.urls[0], autocommit=True) as p,
            psycopg.connect(self.urls[1], autocommit=True) as r,
        ):
            while not self.halt.is_set():
                self._one(p, r)
                time.sleep(self.every)

    def _one(self, p: Any, r: Any) -> None:
        t0 = time.perf_counter()
        target = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        behind = r.execute(
            "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [target]
        ).fetchone()[0]
        self.behind_bytes.append(max(0, int(behind)))
        while not self.halt.is_set():
            done = r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()
            if done[0]:
                self.delays_ms.append((time.perf_counter() - t0) * 1000)
                return
            time.sleep(0.001)

    def stop(self) -> dict[str, Any]:
        self.halt.set()
        self.join(timeout=10)
        delays, behind = sorted(self.delays_ms), sorted(self.behind_bytes)

        def pick(values: list[Any], q: float) -> Any:
            return values[min(len(values) - 1, int(q * len(values)))] if values else 0

        return {
            "samples": len(delays),
            "delay_ms_p50": pick(delays, 0.5),
            "delay_ms_p99": pick(delays, 0.99),
            "delay_ms_max": delays[-1] if delays else 0,
            "behind_bytes_p50": pick(behind, 0.5),
            "behind_bytes_p99": pick(behind, 0.99),
            "behind_bytes_max": behind[-1] if behind else 0,
        }


def probe_replica_read(*, iterations: int = 300, sample: int = 40) -> dict[str, Any]:
    """The benefit centre (GET /api/v1/customers/{no}/bookshelf, in process) read from the
    replica the router picks, against the same read with no replica usable (the primary),
    interleaved; and where the reads went (the router's own counter)."""
    import orjson
    from django.test.utils import override_settings

    from bookshelf.integrations.models import ApiScope
    from config.metrics import REPLICA_READS
    from customers.models import Tier

    from .probes import WsgiCaller, api_token, sample_customers, summary

    caller = WsgiCaller(api_token([ApiScope.READ]))
    out: dict[str, Any] = {"iterations": iterations}
    for label, tier in (("typical", Tier.ORDINARY), ("hnw", Tier.HIGH_NET_WORTH)):
        numbers = sample_customers(tier, sample)
        samples: dict[str, list[float]] = {"replica": [], "primary": []}
        before = REPLICA_READS.labels(database="replica_0", why="replica")._value.get()

        def read(no: str) -> float:
            t0 = time.perf_counter()
            status, body = caller.get(f"/api/v1/customers/{no}/bookshelf")
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 200:
                raise RuntimeError(f"GET bookshelf {no}: {status} {body[:200]!r}")
            orjson.loads(body)
            return elapsed

        for no in numbers:  # warm both paths
            read(no)
            with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=-1):
                read(no)
        for k in range(iterations):
            no = numbers[k % len(numbers)]
            order = ("replica", "primary") if k % 2 == 0 else ("primary", "replica")
            for where in order:
                if where == "replica":
                    samples[where].append(read(no))
                else:
                    with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=-1):
                        samples[where].append(read(no))
        on_replica = REPLICA_READS.labels(database="replica_0", why="replica")._value.get()
        out[label] = {
            "customers": len(numbers),
            "reads_on_replica": int(on_replica - before),
            **{where: summary(values) for where, values in samples.items()},
        }
    return out
