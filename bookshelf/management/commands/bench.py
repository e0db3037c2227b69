from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookshelf.devtools.scale.bench import Bench, Config, Size, default_command


class Command(BaseCommand):
    help = (
        "The benchmark suite: seeds (or reuses) PostgreSQL databases at the given sizes, "
        "measures every goal against the nearest limit in the same run, prints one table and "
        "writes BENCHMARKS.md. Exits 1 if a goal fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=1_000_000)
        parser.add_argument("--redemptions", type=int, default=20_000_000)
        parser.add_argument(
            "--small",
            default="10000:200000",
            help="customers:redemptions of the small database for 'flat with size'.",
        )
        parser.add_argument(
            "--tenth",
            default=None,
            help="customers:redemptions of the database for the review's memory "
            "(default: a tenth of the full size).",
        )
        parser.add_argument("--db", default="bookshelf_scale", help="Full-size database name.")
        parser.add_argument(
            "--database-url-base",
            default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"),
            help="Server URL the databases are created on (without the database name).",
        )
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("REDIS_URL", ""),
            help="Redis for the cache (default REDIS_URL; empty: per-process memory).",
        )
        parser.add_argument("--out", default="BENCHMARKS.md", help="Report path ('' for none).")
        parser.add_argument("--rounds", type=int, default=3, help="Rounds of the read probes.")
        parser.add_argument("--iterations", type=int, default=400, help="Reads per probe.")
        parser.add_argument(
            "--smoke",
            action="store_true",
            help="A small run for CI: speed goals are shown, not judged; correctness is.",
        )
        parser.add_argument("--command-line", default="", help="How the run was started.")

    def handle(self, *args: Any, **options: Any) -> None:
        main = Size(options["customers"], options["redemptions"])
        tenth = (
            Size.parse(options["tenth"])
            if options["tenth"]
            else Size(max(12, main.customers // 10), main.redemptions // 10)
        )
        config = Config(
            main=main,
            small=Size.parse(options["small"]),
            tenth=tenth,
            db=options["db"],
            url_base=options["database_url_base"],
            redis_url=options["redis_url"],
            out=Path(options["out"]) if options["out"] else None,
            smoke=options["smoke"],
            rounds=options["rounds"],
            iterations=options["iterations"],
            command=options["command_line"] or default_command(),
        )
        ok = Bench(config, say=lambda text: self.stdout.write(text)).run()
        if not ok:
            raise CommandError("A goal failed: see the table above.")
