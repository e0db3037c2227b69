from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from bookshelf.review.models import Verdict
from bookshelf.review.services import review_run
from config.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Review the shelf over a window: usage and NPS per benefit and tier, retirement and "
        "pull proposals. The same service the weekly Celery task runs; the same window twice "
        "is one review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--window-days", type=int, default=None, help="Days of use to count (default 90)."
        )
        parser.add_argument(
            "--window-end",
            type=date.fromisoformat,
            default=None,
            help="The day after the window, YYYY-MM-DD (default today).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be proposed; store nothing."
        )
        parser.add_argument("--chunk-size", type=int, default=None, help="Benefits per chunk.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["no_progress"] or options["verbosity"] == 0
        bar = tqdm(desc=_("benefits"), disable=quiet, leave=False, unit="")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = review_run(
                window_end=options["window_end"],
                window_days=options["window_days"],
                dry_run=options["dry_run"],
                chunk_size=options["chunk_size"],
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        run = report.run
        if report.already_done:
            self.stdout.write(_("This window was already reviewed: nothing changed."))
        self.stdout.write(
            _(
                "%(run)s: %(n)s benefits reviewed, "
                "%(retire)s retirement and %(pull)s pull proposals."
            )
            % {
                "run": run,
                "n": run.benefits_reviewed,
                "retire": run.retire_proposals,
                "pull": run.pull_proposals,
            }
        )
        shown = {Verdict.RETIRE, Verdict.PROMOTE, Verdict.PENDING}
        for finding in report.findings:
            if finding.verdict in shown or options["verbosity"] > 1:
                rate = "-" if finding.rate is None else f"{finding.rate:.1%}"
                nps = "-" if finding.nps is None else str(finding.nps)
                self.stdout.write(
                    f"  {finding.benefit.code:<14} {finding.get_verdict_display():<28} "
                    f"rate {rate:>6}  users {finding.users:>5}  uses {finding.uses:>6}  NPS {nps}"
                )
        for proposal in report.proposals:
            self.stdout.write(f"  [{proposal.get_kind_display()}] {proposal.title}")
        if report.dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was stored.")))
