"""`make bench` on a streaming replica: the benefit centre read from a replica against the same
read from the primary, and the replication lag while redemptions contend on the primary.

The machine's PostgreSQL allows no replication connections and is left as it is, so this part
runs on a private primary with a streaming replica (`replication.Cluster`, the installed
binaries, a temporary directory), seeded at the bench's small size: the replica's cost is per
read (the router's check, the read-your-writes lookup), not a function of the data's size.
"""

from __future__ import annotations

from typing import Any

import psycopg

from .replication import Cluster, LagSampler, wait_replayed

GOAL_REPLICA_READ = 1.25  # the read from a replica vs the same read from the primary, at most
REPLICA_DB = "bookshelf_replica"
# Both servers alike (the replica is a copy of the primary's settings); fsync off on both, a
# throwaway data set.
BENCH_SERVER_SETTINGS = ["shared_buffers=256MB", "fsync=off", "full_page_writes=off"]


def measure_replica(bench: Any) -> dict[str, Any]:
    # The small size, unless too small for the contention probe's customers (the smoke run's).
    small = bench.config.size("small")
    size = small if small.customers >= 10_000 else bench.config.size("main")
    cluster = Cluster(settings=BENCH_SERVER_SETTINGS).start()
    try:
        primary, replica = cluster.primary.url(REPLICA_DB), cluster.replica.url(REPLICA_DB)
        with psycopg.connect(cluster.primary.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{REPLICA_DB}"')
        bench.env_extra[REPLICA_DB] = {
            "DATABASE_URL": primary,
            "DATABASE_REPLICA_URLS": replica,
            "CACHE_KEY_PREFIX": f"bench-replica-{cluster.primary.port}",
        }
        bench.say(f"    seeding the private primary: {size.label()}")
        bench.manage(REPLICA_DB, "migrate", "--no-input", "-v0", log="migrate-replica")
        bench.manage(REPLICA_DB, "seed_scale", "--customers", str(size.customers),
                     "--redemptions", str(size.redemptions), "--no-progress",
                     log="seed-replica")  # fmt: skip
        caught_up = wait_replayed(primary, replica)
        bench.say("    the benefit centre, replica vs primary")
        read = bench.probe_db(
            REPLICA_DB, "replica_read", log="replica", iterations=bench.config.iterations
        )
        bench.say("    redemptions under contention on the primary, lag sampled on the replica")
        sampler = LagSampler(primary, replica)
        sampler.start()
        try:
            contention = bench.probe_db(REPLICA_DB, "contention", log="replica")
        finally:
            lag = sampler.stop()
    finally:
        cluster.stop()
    for kind in ("typical", "hnw"):
        for where in ("replica", "primary"):
            read[kind][where].pop("samples", None)
    return {
        "size": size.label(),
        "caught_up_seconds": caught_up,
        "read": read,
        "lag": lag,
        "contention": {k: contention[k] for k in ("requests", "threads", "api_rps", "raw_rps")},
    }


def replica_goals(r: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(number, title, measured, limit, ratio, goal, passed) rows; "9c": judged in smoke too."""
    rows: list[tuple[Any, ...]] = []
    for kind, title in (("typical", "typical"), ("hnw", "high-net-worth")):
        x = r["read"][kind]
        ratio = x["replica"]["p50"] / x["primary"]["p50"]
        rows.append((
            "9",
            f"Benefit centre from a streaming replica vs from the primary, {title}, p50",
            f"{x['replica']['p50']:.2f} ms",
            f"{x['primary']['p50']:.2f} ms",
            f"{ratio:.2f}x",
            f"≤ {GOAL_REPLICA_READ:g}x",
            ratio <= GOAL_REPLICA_READ,
        ))  # fmt: skip
    sent = sum(r["read"][k]["reads_on_replica"] for k in ("typical", "hnw"))
    asked = sum(r["read"][k]["replica"]["n"] for k in ("typical", "hnw"))
    rows.append((
        "9c",
        "Reads the router sent to the replica (of those that could go)",
        f"{sent}",
        f"{asked} timed + warm-up",
        "",
        "≥ every timed read",
        sent >= asked,
    ))  # fmt: skip
    lag = r["lag"]
    rows.append((
        "9c",
        f"Replication lag while {r['contention']['requests']} redemptions contend "
        f"({r['contention']['threads']} clients): write-to-replayed p50 / p99 / max",
        f"{lag['delay_ms_p50']:.1f} / {lag['delay_ms_p99']:.1f} / {lag['delay_ms_max']:.1f} ms",
        "5000 ms (the lag limit)",
        f"{lag['behind_bytes_max']:,} B behind at most",
        "p99 under the limit",
        lag["samples"] > 0 and lag["delay_ms_p99"] < 5000,
    ))  # fmt: skip
    return rows


def replica_markdown(r: dict[str, Any]) -> list[str]:
    lag = r["lag"]
    lines = [
        "## On a streaming replica",
        "",
        "A private primary and a streaming replica of it (`initdb` and `pg_basebackup -R` "
        "from the installed PostgreSQL binaries, in a temporary directory: the machine's own "
        "server allows no replication), seeded with "
        f"{r['size']} (the replica caught up {r['caught_up_seconds']:.1f} s after the seed). "
        "The benefit centre read goes through the whole stack in process with "
        "`DATABASE_REPLICA_URLS` set: the router checks the replica's lag (at most once a "
        "second), looks up the customer's read-your-writes mark in Redis and reads the "
        "replica; the same read with no replica usable reads the primary; the two alternate "
        "request by request. Then the contention probe's redemptions run against the primary "
        f"while a sampler takes the primary's WAL position every 20 ms ({lag['samples']} "
        "samples) and times how long the replica takes to replay it.",
        "",
        "| Customer | Replica p50 | Replica p99 | Primary p50 | Primary p99 | Reads on the "
        "replica |",
        "|---|---|---|---|---|---|",
    ]
    for kind in ("typical", "hnw"):
        x = r["read"][kind]
        lines.append(
            f"| {kind} | {x['replica']['p50']:.2f} ms | {x['replica']['p99']:.2f} ms | "
            f"{x['primary']['p50']:.2f} ms | {x['primary']['p99']:.2f} ms | "
            f"{x['reads_on_replica']} |"
        )
    lines += [
        "",
        "| Lag during contention | p50 | p99 | max |",
        "|---|---|---|---|",
        f"| write to replayed | {lag['delay_ms_p50']:.1f} ms | {lag['delay_ms_p99']:.1f} ms | "
        f"{lag['delay_ms_max']:.1f} ms |",
        f"| bytes behind | {lag['behind_bytes_p50']:,} | {lag['behind_bytes_p99']:,} | "
        f"{lag['behind_bytes_max']:,} |",
    ]
    return lines
