from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bookshelf.reach.selectors import recommendations_evaluate


class Command(BaseCommand):
    help = "Offline hit rate@k of the recommender against a tier-popularity baseline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cutoff", type=date.fromisoformat, default=None)
        parser.add_argument("--horizon-days", type=int, default=90)
        parser.add_argument("--k", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        report = recommendations_evaluate(
            cutoff=options["cutoff"], horizon_days=options["horizon_days"], k=options["k"]
        )
        k = report.k
        self.stdout.write(
            f"cut-off {report.cutoff}, next {report.horizon_days} days, "
            f"{report.customers} customers who used something after it"
        )
        self.stdout.write(f"recommender hit rate@{k}: {report.recommender_rate:.3f}")
        self.stdout.write(f"baseline (tier popularity) hit rate@{k}: {report.baseline_rate:.3f}")
        verdict = "BEATS" if report.recommender_rate > report.baseline_rate else "DOES NOT BEAT"
        self.stdout.write(f"the recommender {verdict} the baseline")
