"""A private primary and a streaming replica for the replica tests: a pytest plugin.

`make test` runs the replica tests as their own session: `python -m pytest -p
tests.replication.cluster tests/replication`. Before Django reads its settings, this plugin
starts a primary and a streaming replica of it (`bookshelf.devtools.scale.replication.Cluster`:
the installed PostgreSQL binaries, `initdb` and `pg_basebackup`, a temporary directory, free
ports) and points DATABASE_URL and DATABASE_REPLICA_URLS at them. The machine's own server and
its pg_hba.conf (which allows no replication) are left untouched. Both stop, and the
directory goes, when the session ends. No binaries, no start: the session fails (never skips).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from bookshelf.devtools.scale.replication import FAST_UNSAFE, Cluster

NAME = "bookshelf"
_cluster: Cluster | None = None


def cluster() -> Cluster:
    if _cluster is None:
        raise RuntimeError("run the replica tests with -p tests.replication.cluster")
    return _cluster


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    """Before pytest-django sets Django up: the servers, and the settings pointing at them."""
    global _cluster
    try:
        _cluster = Cluster(settings=[*FAST_UNSAFE, "shared_buffers=64MB"])
        _cluster.start()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        if _cluster is not None:
            _cluster.stop()
        detail = getattr(exc, "stderr", "") or str(exc)
        raise pytest.UsageError(f"could not start the replica cluster: {detail}") from exc
    os.environ["DATABASE_URL"] = _cluster.primary.url(NAME)
    os.environ["DATABASE_REPLICA_URLS"] = _cluster.replica.url(NAME)


def pytest_report_header(config: Any) -> list[str]:
    c = cluster()
    return [f"replication: primary :{c.primary.port}, streaming replica :{c.replica.port}"]


def pytest_unconfigure(config: Any) -> None:
    if _cluster is not None:
        _cluster.stop()
