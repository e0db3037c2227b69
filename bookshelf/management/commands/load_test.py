from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bookshelf.devtools.loadtest import LoadPlan, benchmarks_write, load_report, load_run


class Command(BaseCommand):
    help = (
        "Load test on loopback: gunicorn + PostgreSQL, an open-loop generator at a fixed rate "
        "(Poisson arrivals) for a fixed time (bookshelf reads, recommendations, redemptions), "
        "latency from each request's scheduled time, then check the quotas."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=200)
        parser.add_argument("--users", type=int, default=20, help="The generator's connections.")
        parser.add_argument("--rate", type=float, default=50.0, help="Requests/s (Poisson).")
        parser.add_argument("--duration", type=int, default=60, help="Seconds.")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Drop and recreate the database first, then migrate and seed the demo "
            "(only for a database whose name ends in 'load').",
        )
        parser.add_argument("--benchmarks", type=Path, help="Write the table into this file.")
        parser.add_argument("--max-error-rate", type=float, default=0.001)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The load test runs against PostgreSQL: set DATABASE_URL.")
        if not 1 <= options["duration"] <= 600 or not 1 <= options["users"] <= 200:
            raise CommandError("Keep it bounded: 1-600 seconds, 1-200 users.")
        plan = LoadPlan(
            customers=options["customers"],
            users=options["users"],
            rate=options["rate"],
            duration=options["duration"],
            workers=options["workers"],
            seed=options["seed"],
        )
        if options["fresh"]:
            self._recreate_database()
            call_command("migrate", verbosity=0)
            call_command("seed_demo", customers=max(plan.customers, 12), no_progress=True)
        result = load_run(plan=plan, log=self.stdout.write)
        command = (
            f"make load LOAD_CUSTOMERS={plan.customers} LOAD_USERS={plan.users} "
            f"LOAD_RATE={plan.rate:g} LOAD_DURATION={plan.duration} LOAD_WORKERS={plan.workers}"
        )
        report = load_report(result, command=command)
        self.stdout.write(report)
        if options["benchmarks"]:
            benchmarks_write(options["benchmarks"], report)
        problems = []
        if result.error_rate >= options["max_error_rate"]:
            problems.append(
                f"error rate {result.error_rate:.3%} (limit {options['max_error_rate']:.3%}): "
                + "; ".join(result.failures_sample)
            )
        if not result.audit.exact:
            problems.append("quotas are not exact")
        if problems:
            raise CommandError(" / ".join(problems))
        self.stdout.write(self.style.SUCCESS("load test passed: quotas exact"))

    def _recreate_database(self) -> None:
        import psycopg

        name = connection.settings_dict["NAME"]
        if not str(name).endswith("load"):
            raise CommandError(f"--fresh drops the database: {name!r} does not end in 'load'.")
        params = connection.get_connection_params()
        params["dbname"] = "postgres"
        connection.close()
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
