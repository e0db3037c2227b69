"""A private primary and a streaming replica for the replica tests: a pytest plugin.

`make test` runs the replica tests as their own session: `python -m pytest -p
tests.replication.cluster tests/replication`. Before Django reads its settings, this plugin
starts, from the installed PostgreSQL binaries (/usr/lib/postgresql/*/bin), a primary
(`initdb`, WAL for replication) and a replica of it (`pg_basebackup -R`, hot standby) in a
temporary directory, each on a free port of its own, and points DATABASE_URL and
DATABASE_REPLICA_URLS at them. The machine's own server and its pg_hba.conf (which allows no
replication) are left untouched. Both stop, and the directory goes, when the session ends.
No binaries, no start: the session fails (never skips).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NAME = "bookshelf"
SERVER_SETTINGS = [
    "listen_addresses=127.0.0.1",
    "wal_level=replica",
    "max_wal_senders=4",
    "hot_standby=on",
    "fsync=off",  # a throwaway server: durability is not what is tested
    "full_page_writes=off",
    "shared_buffers=64MB",
    "max_connections=60",
    "wal_receiver_status_interval=1s",
]


def binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise pytest.UsageError(
            "The replica tests need PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)."
        )
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

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{NAME}"


class Cluster:
    """The two servers, run as the `postgres` user when started by root (initdb refuses
    root)."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="bookshelf-replication-"))
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
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def options(self, server: Server) -> str:
        settings = [f"port={server.port}", f"unix_socket_directories={self.root}"]
        return " ".join(f"-c {s}" for s in [*settings, *SERVER_SETTINGS])

    def start_server(self, server: Server) -> None:
        self.run("pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "-t", "60",
                 "-o", self.options(server), "start")  # fmt: skip

    def stop_server(self, server: Server) -> None:
        self.run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")

    def start(self) -> None:
        self.run("initdb", "-D", str(self.primary.data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        self.start_server(self.primary)
        port = str(self.primary.port)
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                 "-D", str(self.replica.data), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        self.start_server(self.replica)

    def stop(self) -> None:
        for server in (self.replica, self.primary):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self.stop_server(server)
        shutil.rmtree(self.root, ignore_errors=True)


_cluster: Cluster | None = None


def cluster() -> Cluster:
    if _cluster is None:
        raise RuntimeError("run the replica tests with -p tests.replication.cluster")
    return _cluster


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    """Before pytest-django sets Django up: the servers, and the settings pointing at them."""
    global _cluster
    _cluster = Cluster()
    try:
        _cluster.start()
    except subprocess.CalledProcessError as exc:
        _cluster.stop()
        raise pytest.UsageError(f"could not start the replica cluster: {exc.stderr}") from exc
    os.environ["DATABASE_URL"] = _cluster.primary.url
    os.environ["DATABASE_REPLICA_URLS"] = _cluster.replica.url


def pytest_report_header(config: Any) -> list[str]:
    c = cluster()
    return [f"replication: primary :{c.primary.port}, streaming replica :{c.replica.port}"]


def pytest_unconfigure(config: Any) -> None:
    if _cluster is not None:
        _cluster.stop()
