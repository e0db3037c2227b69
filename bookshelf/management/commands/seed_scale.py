from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from bookshelf.devtools.scale.seed import ScaleSeeder, SeedError, database_is_postgres, tables_reset


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with scale data through COPY: customers in a tier pyramid with "
        "families and policies, the catalog, two years of redemptions, balances, NPS answers "
        "and demand signals (e.g. --customers 1000000 --redemptions 20000000)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=1_000_000)
        parser.add_argument("--redemptions", type=int, default=20_000_000)
        parser.add_argument("--seed", type=int, default=7, help="Random seed (reproducible).")
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="The last day of history."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Empty the shelf's tables first (destructive)."
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not database_is_postgres():
            raise CommandError(
                _(
                    "seed_scale needs PostgreSQL (it writes with COPY and a partitioned "
                    "redemption table): set DATABASE_URL=postgres://... The embedded SQLite "
                    "default is for the demo: use manage.py seed_demo."
                )
            )
        if options["customers"] < 12 or options["redemptions"] < 0:
            raise CommandError(_("Use at least 12 customers and no negative redemptions."))
        quiet = options["no_progress"] or options["verbosity"] == 0

        def progress(total: int, desc: str) -> Any:
            return tqdm(total=total, desc=desc, disable=quiet, unit="", leave=False, smoothing=0.1)

        if options["reset"]:
            tables_reset()
        seeder = ScaleSeeder(
            customers=options["customers"],
            redemptions=options["redemptions"],
            seed=options["seed"],
            today=options["today"],
            progress=progress,
            say=(lambda text: None) if quiet else (lambda text: self.stderr.write(text)),
        )
        try:
            report = seeder.run()
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        for name, value in report.as_meta().items():
            self.stdout.write(f"{name:>15}: {value}")
        self.stdout.write(
            self.style.SUCCESS(_("Scale data ready in %(s)ss.") % {"s": f"{report.seconds:.0f}"})
        )
