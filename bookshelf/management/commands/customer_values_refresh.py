from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from bookshelf.reach.services import customer_values_refresh
from customers.models import Customer


class Command(BaseCommand):
    help = (
        "Recompute every customer's value profile (scores, segment, lifetime value) in SQL, "
        "in batches (the nightly job, run by hand)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=50_000, help="Customers per statement."
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError(_("The batch size must be at least 1."))
        quiet = options["no_progress"] or options["verbosity"] == 0
        with tqdm(
            total=Customer.objects.count(), desc=_("customers"), disable=quiet, leave=False
        ) as bar:
            report = customer_values_refresh(batch_size=batch_size, progress=bar.update)
        self.stdout.write(f"{'customers':>12}: {report.customers}")
        self.stdout.write(f"{'batches':>12}: {report.batches}")
        for segment, n in report.segments.items():
            self.stdout.write(f"{segment:>12}: {n}")
