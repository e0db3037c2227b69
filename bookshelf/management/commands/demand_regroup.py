from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from bookshelf.review.models import DemandSignal
from bookshelf.review.services import demand_regroup


class Command(BaseCommand):
    help = (
        "Regroup the demand signals with today's synonym table: every group's words are "
        "recomputed, each request joins the most alike group, requests placed by staff (a "
        "merge or a split) stay where they are. Keyset batches, one transaction each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only-ungrouped",
            action="store_true",
            help="Only the requests without a group (written in bulk, or before groups).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["no_progress"] or options["verbosity"] == 0
        total = DemandSignal.objects.count()
        bar = tqdm(total=total, desc=_("requests"), disable=quiet, leave=False, unit="")
        try:
            report = demand_regroup(only_ungrouped=options["only_ungrouped"], progress=bar.update)
        finally:
            bar.close()
        self.stdout.write(
            _(
                "%(n)s requests read, %(changed)s regrouped, %(kept)s kept where staff put "
                "them, %(removed)s empty groups removed."
            )
            % {
                "n": report.signals,
                "changed": report.regrouped,
                "kept": report.kept,
                "removed": report.groups_removed,
            }
        )
