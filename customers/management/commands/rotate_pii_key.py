from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from customers.models import Customer
from customers.services import customer_pii_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every customer's phone and ID number with the first key of "
        "PII_ENCRYPTION_KEYS (and recompute the lookup hashes), in batches. Rotate a key: put "
        "the new key first in PII_ENCRYPTION_KEYS, restart every process, run this, then drop "
        "the old key. Safe to run again after an interruption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Customers per batch.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError(_("The batch size must be at least 1."))
        quiet = options["no_progress"] or options["verbosity"] == 0
        with tqdm(
            total=Customer.objects.count(), desc=_("customers"), disable=quiet, leave=False
        ) as bar:
            report = customer_pii_reencrypt(batch_size=batch_size, progress=bar.update)
        for name, value in asdict(report).items():
            self.stdout.write(f"{name:>12}: {value}")
        self.stdout.write(_("Every customer now uses the first key: older keys can be removed."))
