"""The benchmark suite (`manage.py bench`, `make bench`).

Every speed is reported as a ratio against the nearest physical limit measured in the same
run (psycopg running the equivalent hand-written SQL), because absolute times drift on
shared machines. The suite:

1. reads the benefit centre through the WSGI stack for ordinary and high-net-worth customers,
   against the raw SQL + orjson floor, interleaved request by request;
2. compares those medians at the full size with the same at a small size;
3. fires concurrent redemptions through gunicorn and checks quotas and idempotency held;
4. times `review_shelf` against one hand-written GROUP BY, and its peak memory at the full
   size against a tenth of it (each review runs in its own process: wait4's ru_maxrss);
5. times the tier recalculation against one hand-written UPDATE ... FROM;
6. times the recommendations against the bookshelf read, once they exist;
7. times the customer value profiles against one hand-written UPDATE ... FROM.

Databases are created, migrated and seeded (`seed_scale`) when missing or of another size, and
kept for the next run. Each measurement runs in a subprocess with that database's settings.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

from .openloop import openloop_table
from .probes import percentile
from .profile_redeem import redeem_profile_table
from .replica_bench import measure_replica, replica_goals, replica_markdown

BASE_DIR = Path(settings.BASE_DIR)

GOAL_READ_TYPICAL = 5.0
GOAL_READ_HNW = 3.0
# The benefit centre against the floor under any implementation of it: the one-statement
# floor (its per-customer rows by one statement, plus the cached shelf) plus the framework
# floor (/healthz through the same stack), p50 (issue: close to the floor).
GOAL_READ_FLOOR = 2.0
GOAL_FLAT = 1.3
GOAL_REVIEW_TIME = 1.5
GOAL_REVIEW_MEMORY = 1.2
GOAL_TIERS = 2.0
GOAL_RECOMMENDATIONS = 1.5
# Open-loop load on one gunicorn server (bookshelf.devtools.scale.openloop).
GOAL_CAPACITY = 0.5  # the benefit centre's capacity vs /healthz's, at least
GOAL_TAIL = 5.0  # the benefit centre's p99 vs its p50 at half its capacity, at most
GOAL_FRESH = 3.0  # a fresh (or recycled) worker's first request vs a warm one, at most
GOAL_REDEMPTIONS = 0.4  # redemptions per second vs the hand-written transaction, at least
GOAL_VALUES = 2.0


@dataclass(frozen=True)
class Size:
    customers: int
    redemptions: int

    @classmethod
    def parse(cls, text: str) -> Size:
        customers, redemptions = text.split(":")
        return cls(int(customers), int(redemptions))

    def label(self) -> str:
        return f"{human(self.customers)} customers / {human(self.redemptions)} redemptions"


def human(n: float) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size:
            value = n / size
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return str(int(n))


@dataclass
class Config:
    main: Size
    small: Size
    tenth: Size
    db: str
    url_base: str
    redis_url: str
    out: Path | None
    smoke: bool = False
    rounds: int = 3
    iterations: int = 400
    command: str = ""
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench_")))

    def db_name(self, which: str) -> str:
        return self.db if which == "main" else f"{self.db}_{which}"

    def size(self, which: str) -> Size:
        return {"main": self.main, "small": self.small, "tenth": self.tenth}[which]


@dataclass
class Goal:
    number: str
    title: str
    measured: str
    limit: str
    ratio: str
    goal: str
    passed: bool | None  # None: not judged (not built, or informational)
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "n/a"
        return "PASS" if self.passed else "FAIL"


class Bench:
    def __init__(self, config: Config, say: Callable[[str], Any]) -> None:
        self.config = config
        self.say = say
        self.results: dict[str, Any] = {"datasets": {}}
        self.goals: list[Goal] = []
        # Settings of a database outside the url base (the private primary with a replica).
        self.env_extra: dict[str, dict[str, str]] = {}

    # -- plumbing -------------------------------------------------------------------------------
    def url(self, db: str) -> str:
        return self.config.url_base.rstrip("/") + "/" + db

    def env(self, db: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.url(db),
                # The production settings, as deployed: DEBUG off; persistent connections as a
                # production deployment (or pgbouncer) has; throttling on but never refusing.
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                # Its own throwaway key: the inherited one is the dev settings' public key,
                # which the production settings refuse.
                "DJANGO_SECRET_KEY": "bench-only-secret-key-" + db,
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_CONN_MAX_AGE": "600",
                "API_THROTTLE_RATE": "100000000/min",
                "CACHE_KEY_PREFIX": f"bench-{db}",
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "plain",
                # Synthetic data: this process's keys (the environment's, or dev's derived
                # ones) encrypt and read the benchmark customers' phone and ID numbers.
                "PII_ENCRYPTION_KEYS": env.get(
                    "PII_ENCRYPTION_KEYS", ",".join(settings.PII_ENCRYPTION_KEYS)
                ),
                "PII_HASH_KEY": env.get("PII_HASH_KEY", settings.PII_HASH_KEY),
                "BENCH_GUNICORN_LOG": str(self.config.log_dir / f"gunicorn-{db}.log"),
            }
        )
        if self.config.redis_url:
            env["REDIS_URL"] = self.config.redis_url
        else:
            env.pop("REDIS_URL", None)
        env.update(self.env_extra.get(db, {}))
        return env

    def manage(self, db: str, *args: str, log: str) -> tuple[float, int, str]:
        """Run `manage.py args` for one database; wall seconds and peak RSS (KiB) of that
        process alone (wait4 reports the child's own rusage)."""
        out_path = self.config.log_dir / f"{log}.out"
        err_path = self.config.log_dir / f"{log}.err"
        with open(out_path, "w") as out, open(err_path, "w") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=BASE_DIR,
                env=self.env(db),
                stdout=out,
                stderr=err,
            )
            _pid, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            tail = err_path.read_text()[-3000:]
            raise RuntimeError(f"manage.py {' '.join(args)} failed on {db}:\n{tail}")
        return seconds, usage.ru_maxrss, out_path.read_text()

    def probe(self, which: str, name: str, **kwargs: Any) -> dict[str, Any]:
        return self.probe_db(self.config.db_name(which), name, log=which, **kwargs)

    def probe_db(self, db: str, name: str, *, log: str, **kwargs: Any) -> dict[str, Any]:
        _s, _rss, out = self.manage(
            db, "bench_probe", name, "--kwargs", json.dumps(kwargs), log=f"probe-{name}-{log}"
        )
        return json.loads(out.strip().splitlines()[-1])

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    # -- the databases --------------------------------------------------------------------------
    def database_meta(self, name: str) -> dict[str, Any] | None:
        with self.admin() as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            ).fetchone()
        if row is None:
            return None
        text = row[0] or ""
        return (
            json.loads(text.removeprefix("seed_scale ")) if text.startswith("seed_scale ") else {}
        )

    def ensure(self, which: str) -> None:
        name = self.config.db_name(which)
        size = self.config.size(which)
        meta = self.database_meta(name)
        fits = (
            meta
            and meta.get("customers") == size.customers
            and meta.get("redemptions_asked") == size.redemptions
        )
        if not fits:
            self.say(f"Seeding {name}: {size.label()} (kept for the next run)")
            with self.admin() as conn:
                if meta is not None:
                    conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            self.manage(name, "migrate", "--no-input", "-v0", log=f"migrate-{which}")
            self.manage(
                name,
                "seed_scale",
                "--customers",
                str(size.customers),
                "--redemptions",
                str(size.redemptions),
                "--no-progress",
                log=f"seed-{which}",
            )
            meta = self.database_meta(name)
        else:
            # The schema may have moved on since the data was seeded.
            self.manage(name, "migrate", "--no-input", "-v0", log=f"migrate-{which}")
        assert meta is not None
        self.results["datasets"][which] = {"database": name, **meta}
        self.say(
            f"  {name}: {human(meta['customers'])} customers, {human(meta['redemptions'])} "
            f"redemptions, seeded in {meta['seconds']:.0f}s"
        )

    # -- the measurements -----------------------------------------------------------------------
    def measure_reads(self) -> None:
        pooled: dict[str, dict[str, dict[str, list[float]]]] = {}
        info: dict[str, Any] = {}
        for r in range(self.config.rounds):
            order = ["main", "small"] if r % 2 == 0 else ["small", "main"]
            for which in order:
                self.say(f"  read, round {r + 1}/{self.config.rounds}, {which}")
                data = self.probe(which, "read", iterations=self.config.iterations)
                for kind in ("typical", "hnw"):
                    slot = pooled.setdefault(which, {}).setdefault(kind, {})
                    for name in ("app", "raw", "one", "healthz"):
                        slot.setdefault(name, []).extend(data[kind][name]["samples"])
                    info.setdefault(which, {})[kind] = {
                        k: data[kind][k] for k in ("entries_min", "entries_median", "entries_max")
                    }
        reads: dict[str, Any] = {}
        for which, kinds in pooled.items():
            for kind, slot in kinds.items():
                reads.setdefault(which, {})[kind] = {
                    **info[which][kind],
                    "n": len(slot["app"]),
                    "app_p50": percentile(slot["app"], 0.5),
                    "app_p99": percentile(slot["app"], 0.99),
                    "raw_p50": percentile(slot["raw"], 0.5),
                    "raw_p99": percentile(slot["raw"], 0.99),
                    "one_p50": percentile(slot["one"], 0.5),
                    "one_p99": percentile(slot["one"], 0.99),
                    "healthz_p50": percentile(slot["healthz"], 0.5),
                    "healthz_p99": percentile(slot["healthz"], 0.99),
                }
        self.results["reads"] = reads

    def measure_contention(self) -> None:
        self.say("  redemptions under contention (gunicorn, 8 clients)")
        self.results["contention"] = self.probe("main", "contention")

    def measure_review(self) -> None:
        end = self.results["datasets"]["main"]["today"]
        review: dict[str, Any] = {}
        for which in ("main", "tenth"):
            day = self.results["datasets"][which]["today"]
            walls: list[float] = []
            rss: list[int] = []
            sqls: list[float] = []
            for k in range(2):
                self.say(f"  review_shelf on {which}, pass {k + 1}/2")
                if which == "main":
                    sqls.append(self.probe(which, "review_sql", window_end=day)["seconds"])
                seconds, peak, _out = self.manage(
                    self.config.db_name(which),
                    "review_shelf",
                    "--dry-run",
                    "--no-progress",
                    "--window-end",
                    day,
                    "-v0",
                    log=f"review-{which}-{k}",
                )
                walls.append(seconds)
                rss.append(peak)
            review[which] = {
                "seconds": min(walls),
                "all_seconds": walls,
                "peak_rss_kib": max(rss),
                "sql_seconds": min(sqls) if sqls else None,
                "all_sql_seconds": sqls,
            }
        review["window_end"] = end
        self.results["review"] = review

    def measure_tiers(self) -> None:
        self.say("  tier recalculation vs UPDATE ... FROM")
        self.results["tiers"] = self.probe("main", "tiers")

    def measure_values(self) -> None:
        self.say("  customer value profiles vs UPDATE ... FROM")
        self.results["value_profiles"] = self.probe("main", "value_profiles")

    def measure_recommendations(self) -> None:
        self.say("  recommendations (if built)")
        self.results["recommendations"] = self.probe("main", "recommendations")

    def measure_redeem_profile(self) -> None:
        self.say("  where a redemption's milliseconds go (stage clock and cProfile)")
        kwargs = {"redemptions": 20} if self.config.smoke else {}
        self.results["redeem_profile"] = self.probe("main", "redeem_profile", **kwargs)

    def measure_openloop(self) -> None:
        self.say("  open-loop load on gunicorn: capacity of /healthz, the centre, recommendations")
        kwargs = {"step_seconds": 1.0, "fresh": False, "rounds": 1} if self.config.smoke else {}
        self.results["openloop"] = self.probe("main", "openloop", **kwargs)

    def measure_plans(self) -> None:
        self.say("  EXPLAIN (ANALYZE, BUFFERS) of the hot queries")
        self.results["plans"] = self.probe("main", "explain")["plans"]

    # -- judging ---------------------------------------------------------------------------------
    def judge(self) -> None:
        reads = self.results["reads"]
        smoke = self.config.smoke

        def speed(passed: bool) -> bool | None:
            return None if smoke else passed

        for kind, limit, title in (
            ("typical", GOAL_READ_TYPICAL, "Bookshelf read, typical customer"),
            ("hnw", GOAL_READ_HNW, "Bookshelf read, high-net-worth customer"),
        ):
            r = reads["main"][kind]
            p50 = r["app_p50"] / r["raw_p50"]
            p99 = r["app_p99"] / r["raw_p99"]
            self.goals.append(
                Goal(
                    "1",
                    f"{title} ({r['entries_median']:.0f} benefits), p50 / p99",
                    f"{r['app_p50']:.2f} / {r['app_p99']:.2f} ms",
                    f"{r['raw_p50']:.2f} / {r['raw_p99']:.2f} ms",
                    f"{p50:.2f}x / {p99:.2f}x",
                    f"≤ {limit:g}x",
                    speed(p50 <= limit and p99 <= limit),
                )
            )
        for kind, title in (("typical", "typical"), ("hnw", "high-net-worth")):
            r = reads["main"][kind]
            floor = r["one_p50"] + r["healthz_p50"]
            ratio = r["app_p50"] / floor
            self.goals.append(
                Goal(
                    "1",
                    f"Bookshelf read, {title}, p50 vs one statement + /healthz",
                    f"{r['app_p50']:.2f} ms",
                    f"{r['one_p50']:.2f} + {r['healthz_p50']:.2f} ms",
                    f"{ratio:.2f}x",
                    f"≤ {GOAL_READ_FLOOR:g}x",
                    speed(ratio <= GOAL_READ_FLOOR),
                )
            )
        for kind, title in (("typical", "typical"), ("hnw", "high-net-worth")):
            big, small = reads["main"][kind], reads["small"][kind]
            ratio = big["app_p50"] / small["app_p50"]
            self.goals.append(
                Goal(
                    "2",
                    f"Flat with size: read median, {title}, "
                    f"{human(self.config.main.customers)} vs {human(self.config.small.customers)}",
                    f"{big['app_p50']:.2f} ms",
                    f"{small['app_p50']:.2f} ms",
                    f"{ratio:.2f}x",
                    f"≤ {GOAL_FLAT:g}x",
                    speed(ratio <= GOAL_FLAT),
                )
            )
        c = self.results["contention"]
        self.goals.append(
            Goal(
                "3",
                f"Redemptions under contention: {c['requests']} requests, {c['threads']} clients",
                f"{c['api_rps']:.0f} req/s",
                f"{c['raw_rps']:.0f} tx/s",
                f"{c['api_rps'] / c['raw_rps']:.2f}x",
                f"≥ {GOAL_REDEMPTIONS:g}x",
                speed(c["api_rps"] / c["raw_rps"] >= GOAL_REDEMPTIONS),
            )
        )
        self.goals.append(
            Goal(
                "3",
                "Over-quota successes / replays that spent twice",
                f"{c['over_quota']} / {c['spent_twice']}",
                f"{c['uses_left']} uses left, {c['successes']} spent",
                "",
                "0 / 0",
                c["over_quota"] == 0 and c["spent_twice"] == 0 and c["inconsistent_replays"] == 0,
            )
        )
        rv = self.results["review"]
        ratio = rv["main"]["seconds"] / rv["main"]["sql_seconds"]
        self.goals.append(
            Goal(
                "4",
                f"Shelf review over {human(self.results['datasets']['main']['redemptions'])} "
                "redemptions with costs (wall, incl. process start)",
                f"{rv['main']['seconds']:.1f} s",
                f"{rv['main']['sql_seconds']:.1f} s",
                f"{ratio:.2f}x",
                f"≤ {GOAL_REVIEW_TIME:g}x",
                speed(ratio <= GOAL_REVIEW_TIME),
            )
        )
        mem = rv["main"]["peak_rss_kib"] / rv["tenth"]["peak_rss_kib"]
        self.goals.append(
            Goal(
                "4",
                f"Review peak memory at {human(self.results['datasets']['main']['redemptions'])} "
                f"vs {human(self.results['datasets']['tenth']['redemptions'])} redemptions",
                f"{rv['main']['peak_rss_kib'] / 1024:.0f} MiB",
                f"{rv['tenth']['peak_rss_kib'] / 1024:.0f} MiB",
                f"{mem:.2f}x",
                f"≤ {GOAL_REVIEW_MEMORY:g}x",
                mem <= GOAL_REVIEW_MEMORY if not smoke else None,
            )
        )
        t = self.results["tiers"]
        ratio = t["job_seconds"] / t["sql_seconds"]
        self.goals.append(
            Goal(
                "5",
                f"Tier recalculation of {human(t['customers'])} customers "
                f"({t['job']['upgrades']} upgrades)",
                f"{t['job_seconds']:.1f} s",
                f"{t['sql_seconds']:.1f} s",
                f"{ratio:.2f}x",
                f"≤ {GOAL_TIERS:g}x",
                speed(ratio <= GOAL_TIERS),
            )
        )
        rec = self.results["recommendations"]
        if rec.get("built"):
            r50 = rec["recommendations"]["p50"]
            b50 = rec["bookshelf"]["p50"]
            self.goals.append(
                Goal(
                    "6",
                    "Recommendations median vs the bookshelf read",
                    f"{r50:.2f} ms",
                    f"{b50:.2f} ms",
                    f"{r50 / b50:.2f}x",
                    f"≤ {GOAL_RECOMMENDATIONS:g}x",
                    speed(r50 / b50 <= GOAL_RECOMMENDATIONS),
                )
            )
        else:
            self.goals.append(Goal("6", "Recommendations", "not built yet", "", "", "≤ 2x", None))
        self.judge_openloop(speed)
        for number, title, measured, limit, ratio, goal, met in replica_goals(
            self.results["replica"]
        ):
            passed = met if number == "9c" else speed(bool(met))
            self.goals.append(Goal("9", title, measured, limit, ratio, goal, passed))
        v = self.results["value_profiles"]
        ratio = v["job_seconds"] / v["sql_seconds"]
        self.goals.append(
            Goal(
                "7",
                f"Customer value profiles of {human(v['customers'])} customers "
                f"({v['batches']} batches)",
                f"{v['job_seconds']:.1f} s",
                f"{v['sql_seconds']:.1f} s",
                f"{ratio:.2f}x",
                f"≤ {GOAL_VALUES:g}x",
                speed(ratio <= GOAL_VALUES),
            )
        )

    def judge_openloop(self, speed: Callable[[bool], bool | None]) -> None:
        load = self.results["openloop"]["endpoints"]
        centre, healthz = load["benefit centre"], load["/healthz"]
        ratio = centre["capacity"] / healthz["capacity"] if healthz["capacity"] else 0.0
        self.goals.append(
            Goal(
                "8",
                "Open loop: benefit-centre capacity vs /healthz, same server",
                f"{centre['capacity']:.0f} req/s",
                f"{healthz['capacity']:.0f} req/s",
                f"{ratio:.2f}x",
                f"≥ {GOAL_CAPACITY:g}x",
                speed(ratio >= GOAL_CAPACITY),
            )
        )
        half = centre["half"] or {}
        tail = half["p99"] / half["p50"] if half.get("p50") else float("inf")
        self.goals.append(
            Goal(
                "8",
                f"Open loop: benefit-centre p99 vs p50 at 50% ({centre['capacity'] / 2:.0f} req/s)",
                f"{half.get('p99', 0):.1f} ms",
                f"{half.get('p50', 0):.1f} ms",
                f"{tail:.1f}x",
                f"≤ {GOAL_TAIL:g}x",
                speed(tail <= GOAL_TAIL),
            )
        )
        fresh = self.results["openloop"].get("fresh_worker")
        if fresh:
            after = fresh["after"]
            worst = max(after["first_vs_warm"], after["recycled_vs_warm"])
            self.goals.append(
                Goal(
                    "8",
                    "First request of a fresh / recycled worker vs a warm one",
                    f"{after['first']:.1f} / {after['after_recycle']:.1f} ms",
                    f"{after['warm_p50']:.1f} ms",
                    f"{after['first_vs_warm']:.1f}x / {after['recycled_vs_warm']:.1f}x",
                    f"≤ {GOAL_FRESH:g}x",
                    speed(worst <= GOAL_FRESH),
                )
            )

    # -- the report ------------------------------------------------------------------------------
    def table(self) -> str:
        head = ["#", "What", "Measured", "Limit, same run", "Ratio", "Goal", "Result"]
        rows = [
            [g.number, g.title, g.measured, g.limit, g.ratio, g.goal, g.verdict] for g in self.goals
        ]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]

        def line(cells: list[str]) -> str:
            return (
                "| "
                + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
                + " |"
            )

        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        return "\n".join([line(head), sep, *(line(r) for r in rows)])

    def machine(self) -> dict[str, str]:
        cpu = "unknown"
        try:
            for text in Path("/proc/cpuinfo").read_text().splitlines():
                if text.startswith("model name"):
                    cpu = text.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        memory = "unknown"
        try:
            for text in Path("/proc/meminfo").read_text().splitlines():
                if text.startswith("MemTotal"):
                    memory = f"{int(text.split()[1]) / 1024 / 1024:.1f} GiB"
        except OSError:
            pass
        with psycopg.connect(self.url(self.config.db_name("main"))) as conn:
            row = conn.execute("SELECT version()").fetchone()
            version = str(row[0]) if row else "unknown"
            pg_settings: dict[str, str] = dict(
                conn.execute(
                    "SELECT name, setting || COALESCE(unit, '') FROM pg_settings WHERE name IN "
                    "('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit', "
                    "'synchronous_commit', 'effective_cache_size')"
                ).fetchall()
            )
        import django

        return {
            "cpu": cpu,
            "cores": str(os.cpu_count()),
            "memory": memory,
            "os": f"{platform.system()} {platform.release()}",
            "postgresql": version.split(" on ")[0],
            "postgresql settings": ", ".join(f"{k}={v}" for k, v in sorted(pg_settings.items())),
            "python": platform.python_version(),
            "django": django.get_version(),
            "redis": "on (" + self.config.redis_url + ")" if self.config.redis_url else "off",
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        }

    def markdown(self, machine: dict[str, str], started: datetime, seconds: float) -> str:
        r = self.results
        ds = r["datasets"]
        reads = r["reads"]
        c = r["contention"]
        rv = r["review"]
        t = r["tiers"]
        lines = [
            "# Benchmarks",
            "",
            "Measured by `make bench` on "
            f"{started:%Y-%m-%d %H:%M} UTC in {seconds / 60:.0f} minutes. Every speed is a ratio "
            "against the nearest physical limit measured in the same run on the same machine "
            "(psycopg running the equivalent hand-written SQL), because absolute times drift on "
            "shared machines. The goals were set before measuring and are not tuned to results.",
            "",
            "Reproduce:",
            "",
            "```",
            self.config.command,
            "```",
            "",
            "## Results",
            "",
            self.table(),
            "",
            "## Machine",
            "",
            *[f"- **{k}**: {v}" for k, v in machine.items()],
            "",
            "## Data",
            "",
            "| Database | Customers | Redemptions | Policies | Balances | NPS answers | "
            "seed_scale time |",
            "|---|---|---|---|---|---|---|",
        ]
        for which in ("main", "small", "tenth"):
            d = ds[which]
            lines.append(
                f"| `{d['database']}` | {d['customers']:,} | {d['redemptions']:,} | "
                f"{d['policies']:,} | {d['balances']:,} | {d['feedback']:,} | "
                f"{d['seconds']:.0f} s |"
            )
        main = ds["main"]
        lines += [
            "",
            f"The full-size data ({main['benefits']} benefits, {main['hnw_benefits']} of them "
            f"on the high-net-worth shelf, {main['family_links']:,} family links, "
            f"{main['purchases']:,} purchases, {main['demand_signals']:,} demand signals, "
            f"{main.get('usage_months', 0):,} rows of the monthly usage rollup, "
            f"{main['partitions']} monthly partitions, {main.get('suppliers', 0)} suppliers, "
            f"{main.get('contract_prices', 0)} contract prices: every use carries its supplier "
            "and unit cost, null for the benefits without a price) was written by `seed_scale` in "
            f"{main['seconds'] / 60:.1f} minutes (target: under 15): "
            + ", ".join(f"{k} {v:.0f}s" for k, v in main["phases"].items())
            + ".",
            "",
            "## How each figure is measured",
            "",
            "**1. Bookshelf read.** `GET /api/v1/customers/{no}/bookshelf` is sent to the "
            "project's WSGI application called in-process with a real WSGI environ (the whole "
            "middleware stack, routing, bearer-token authentication, throttling, the view and "
            "JSON rendering; only gunicorn's socket is left out), production settings, "
            "persistent database connections and Redis as the cache. The limit is, in the same "
            "process and alternating request by request, psycopg fetching the same rows with "
            "hand-written SQL (customer, family, policies, the tiers' shelf cells, balances, "
            "purchases, purchasable benefits) and serialising them with orjson. "
            "Against the floor: the *one-statement floor* is one hand-written statement "
            "answering every per-customer row of the centre (customer, family, the household's "
            "policies and balances, purchases, open requests, used-up budgets) as one row of "
            "JSON arrays, plus one Redis GET of the shelf version (the cached shelf: its cells "
            "are in the process's memory, as the app keeps them), serialised with orjson; the "
            "*framework floor* is `GET /healthz` through the same WSGI stack. All four are "
            "timed in the same loop, their order rotated request by request. "
            f"{r['reads']['main']['typical']['n']} requests per kind over "
            f"{self.config.rounds} rounds, 40 customers of each kind.",
            "",
            "| Size | Customer | Benefits on the shelf (min/median/max) | App p50 | App p99 | "
            "SQL p50 | SQL p99 | One statement p50 | /healthz p50 |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for which in ("main", "small"):
            for kind in ("typical", "hnw"):
                x = reads[which][kind]
                lines.append(
                    f"| {human(ds[which]['customers'])} | {kind} | {x['entries_min']}/"
                    f"{x['entries_median']:.0f}/{x['entries_max']} | {x['app_p50']:.2f} ms | "
                    f"{x['app_p99']:.2f} ms | {x['raw_p50']:.2f} ms | {x['raw_p99']:.2f} ms | "
                    f"{x['one_p50']:.2f} ms | {x['healthz_p50']:.2f} ms |"
                )
        lines += [
            "",
            "**2. Flat with size.** The same medians on a "
            f"{self.config.small.label()} database, measured in the same rounds (alternating "
            "order).",
            "",
            f"**3. Redemptions under contention.** gunicorn ({c['gunicorn_workers']} gthread "
            f"workers) on loopback, {c['threads']} client threads with keep-alive. "
            f"{c['pairs']} customers each with a yearly-quota benefit that has 2 to 6 uses left "
            f"({c['uses_left']} in all) are asked for 3 uses more than they have; every request "
            "is sent twice with the same Idempotency-Key, all shuffled. Answers: "
            + ", ".join(f"{n}× {s}" for s, n in sorted(c["statuses"].items()))
            + f". Over-quota successes are counted from the redemption rows and balances "
            f"afterwards; a replay that spent twice is a key with two redemption rows; "
            f"{c['inconsistent_replays']} keys got two different answers. The limit: the same "
            "transaction hand-written in psycopg (idempotency row, conditional UPDATE of the "
            "balance, insert of the redemption, the usage rollup's upsert, stored answer) from "
            "the same number of threads "
            f"on other customers of the same shape: {c['raw_requests']} attempts in "
            f"{c['raw_seconds']:.2f} s.",
            "",
            "Where the milliseconds of one redemption go, in-process through the WSGI "
            "application (the same stack, no socket), on customers the probe above did not "
            "touch: the stage clock (Python's `sys.monitoring` on the functions that open each "
            "stage) times the stages, cProfile the functions.",
            "",
            redeem_profile_table(r["redeem_profile"]),
            "**4. Shelf review.** `manage.py review_shelf --dry-run` (every step, then rolled "
            "back so the run can be repeated) over the 90-day window ending on the seed's day, "
            "in its own process; wall time includes starting Django. The limit is one "
            "hand-written statement computing the same rates (customers per tier passing each "
            "benefit's eligibility rule, distinct users in this window and the previous "
            "review's, uses and the sum of their unit costs, NPS answers) plus the "
            "demand-signal grouping. Best of two passes. "
            "Peak memory is the review process's ru_maxrss (wait4): "
            f"{rv['main']['peak_rss_kib'] / 1024:.0f} MiB at "
            f"{human(ds['main']['redemptions'])}, {rv['tenth']['peak_rss_kib'] / 1024:.0f} MiB "
            f"at {human(ds['tenth']['redemptions'])}. Wall times: "
            + ", ".join(f"{x:.1f}s" for x in rv["main"]["all_seconds"])
            + "; SQL: "
            + ", ".join(f"{x:.1f}s" for x in rv["main"]["all_sql_seconds"])
            + ".",
            "",
            f"**5. Tier recalculation.** {t['stale']:,} customers (1% of VIPs) are first given a "
            "stale tier one step low. One hand-written `UPDATE ... FROM` applies the rules "
            f"(premium sums, thresholds, the same reason text, overrides) in a transaction that "
            f"is rolled back ({t['sql_updated']:,} rows); then `customer_tiers_recalculate` "
            f"runs for real: {t['job']['upgrades']:,} upgrades recorded with their TierChange "
            f"rows and webhook events, in {t['job']['batches']:,} batches.",
            "",
        ]
        rec = r["recommendations"]
        if rec.get("built"):
            lines.append(
                "**6. Recommendations.** Median over "
                f"{rec['recommendations']['n']} calls ({rec['through']}) against the bookshelf "
                "read of the same customers, alternating: "
                f"{rec['recommendations']['p50']:.2f} ms (p99 {rec['recommendations']['p99']:.2f}"
                f" ms) against {rec['bookshelf']['p50']:.2f} ms (p99 "
                f"{rec['bookshelf']['p99']:.2f} ms). A recommendation reads the same shelf, "
                "then the customer's uses of the last twelve months (the monthly usage rollup) "
                "and recent events, and ranks every usable benefit."
            )
        else:
            lines.append(
                "**6. Recommendations.** Not built yet: the suite runs this goal as soon as "
                "`bookshelf.recommendations` exists."
            )
        v = r["value_profiles"]
        lines += [
            "",
            "**7. Customer value profiles.** `customer_values_refresh` runs once so every "
            "customer has a row; one hand-written `UPDATE bookshelf_customervalue ... FROM` "
            "(the same aggregates of policies in force and of the last year's uses as "
            "beneficiary, over all customers at once, the same CASE scores and segments) runs "
            f"in a transaction that is rolled back ({v['sql_updated']:,} rows); then the job "
            f"runs again for real: {v['batches']:,} statements of up to 50,000 customers in key "
            f"order (first run {v['first_seconds']:.1f} s). Segments: "
            + ", ".join(f"{k} {n:,}" for k, n in v["segments"].items())
            + ".",
        ]
        lines += [
            "",
            "## Open-loop load",
            "",
            "gunicorn as deployed (`deploy/gunicorn.conf.py`: "
            f"{r['openloop']['workers']} sync workers, warm-up on) on loopback against the "
            "full-size database; requests leave on a fixed Poisson schedule made before the run "
            "over a pool of kept-alive connections, and each latency is measured from the "
            "request's *scheduled* time, so a server that falls behind cannot slow the clock "
            "(no coordinated omission); a request still unsent at the end is a failure. "
            "Capacity is the highest rate whose p99 stays under 10x the endpoint's unloaded "
            "median with nothing failed (after a short warm run over eight connections, so every "
            "worker has served the endpoint: doubling, then three bisections); then a run at half "
            "of it. Each endpoint is searched three times, the endpoints in turn, and the "
            "search of median capacity is reported (one search swings with the shared machine). "
            "The generator runs on the same two cores as the server.",
            "",
            openloop_table(r["openloop"]),
        ]
        lines += ["", *replica_markdown(r["replica"])]
        lines += ["", "## Query plans", ""]
        lines.append(
            "`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)` on the full-size database, of the SQL "
            "Django runs (captured, not retyped)."
        )
        for title, plan in r["plans"].items():
            lines += ["", f"### {title}", "", "```", plan, "```"]
        return "\n".join(lines) + "\n"

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> bool:
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        self.say(f"Logs: {self.config.log_dir}")
        for which in ("main", "small", "tenth"):
            self.ensure(which)
        machine = self.machine()
        self.say("Measuring")
        self.measure_reads()
        self.measure_contention()
        self.measure_redeem_profile()
        self.measure_review()
        self.measure_tiers()
        self.measure_values()
        self.measure_recommendations()
        self.measure_openloop()
        self.measure_plans()
        self.say("  the benefit centre on a streaming replica; replication lag under contention")
        self.results["replica"] = measure_replica(self)
        self.judge()
        seconds = time.perf_counter() - t0
        self.say("")
        self.say(self.table())
        if self.config.out is not None:
            self.config.out.write_text(self.markdown(machine, started, seconds))
            self.say(f"\nWritten to {self.config.out}")
        (self.config.log_dir / "results.json").write_text(
            json.dumps(self.results, default=str, indent=1)
        )
        failed = [g for g in self.goals if g.passed is False]
        return not failed


def default_command() -> str:
    return shlex.join([Path(sys.executable).name, "manage.py", *sys.argv[1:]])
