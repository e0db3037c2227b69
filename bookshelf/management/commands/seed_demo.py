from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from bookshelf.devtools.demo import DemoBuilder, demo_present
from customers.models import Customer


class Command(BaseCommand):
    help = "Build a realistic, reproducible demo shelf: catalog, customers, families, history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=500, help="How many customers.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (reproducible).")
        parser.add_argument("--no-progress", action="store_true", help="Hide progress bars.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. The demo logins have a public password: "
            "never on a database real people use.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "seed_demo creates logins with a public password, so it runs only with "
                    "DEBUG on (the dev settings, as `make run` uses). Pass --force to run it "
                    "anyway on a throwaway database."
                )
            )
        n = options["customers"]
        if n < 12:
            raise CommandError(_("Use at least 12 customers, so every tier has some."))
        if demo_present():
            self.stdout.write(
                _(
                    "The demo shelf is already here (%(n)s customers): nothing was added. "
                    "Start from an empty database to seed again."
                )
                % {"n": Customer.objects.count()}
            )
            return
        quiet = options["no_progress"] or options["verbosity"] == 0

        def progress(total: int, desc: str) -> Any:
            return tqdm(total=total, desc=desc, disable=quiet, unit="", leave=False)

        report = DemoBuilder(customers=n, seed=options["seed"], progress=progress).run()
        for name, value in vars(report).items():
            self.stdout.write(f"{name:>15}: {value}")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo shelf ready. Logins: admin, agent, agent2, supervisor, product; "
                    "password bookshelf-demo."
                )
            )
        )
