from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bookshelf.ledger.selectors import is_partitioned, partitions_list
from bookshelf.ledger.services import redemption_partitions_ensure


class Command(BaseCommand):
    help = (
        "Create the monthly partitions of the redemption table ahead of time (PostgreSQL). "
        "Beat runs it monthly; safe to run any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months-ahead", type=int, default=3, help="Months after this one to prepare."
        )
        parser.add_argument(
            "--from",
            dest="start",
            type=date.fromisoformat,
            default=None,
            help="Also create the months from this day's month (YYYY-MM-DD), e.g. for a load.",
        )
        parser.add_argument("--list", action="store_true", help="List the partitions and rows.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not is_partitioned():
            self.stdout.write(
                _("The redemption table is not partitioned here (SQLite): nothing to do.")
            )
            return
        if not 0 <= options["months_ahead"] <= 120:
            raise CommandError(_("--months-ahead is 0 to 120."))
        created = redemption_partitions_ensure(
            months_ahead=options["months_ahead"], start=options["start"]
        )
        if created:
            self.stdout.write(_("Created: %(names)s") % {"names": ", ".join(created)})
        else:
            self.stdout.write(_("Every partition was already there."))
        if options["list"]:
            for part in partitions_list(with_rows=True):
                span = f"{part.start} .. {part.end}" if part.start else "DEFAULT"
                self.stdout.write(f"  {part.name:<36} {span:<26} ~{part.rows} rows")
