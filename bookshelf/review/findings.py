"""Reviewing a chunk of benefits: usage rate and NPS per benefit and tier, low-usage streaks
over the previous reviews' windows, and a verdict; the chunk's findings are replaced in one
transaction, so a redelivered task gives the same result."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from benefits.models import Benefit

from ..ledger.models import Redemption, RedemptionFeedback, RedemptionStatus, Source
from ..shelf.models import ShelfCell
from .eligible import eligible_for_run
from .models import (
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReviewFinding,
    ReviewRun,
    ReviewStatus,
    Verdict,
)
from .thresholds import Window, midnight, review_thresholds_for, run_window

REVIEW_WORK_MEM = "64MB"


def _nps(responses: int, promoters: int, detractors: int) -> int | None:
    if not responses:
        return None
    return round(100 * (promoters - detractors) / responses)


@dataclass
class _Cell:
    tier: int
    eligible: int = 0
    users: list[int] = field(default_factory=list)  # per review back, 0 = this one
    uses: int = 0
    responses: int = 0
    promoters: int = 0
    detractors: int = 0

    def rate(self, k: int = 0) -> float | None:
        return self.users[k] / self.eligible if self.eligible else None

    def judged_rate(self, k: int, min_eligible: int, threshold: float) -> float | None:
        """The rate, when it can be trusted: enough customers could use it, or, in a small
        tier, enough of them did use it. Low usage in a handful of customers is noise."""
        rate = self.rate(k)
        if rate is None or (self.eligible < min_eligible and rate < threshold):
            return None
        return rate


def _streak(
    rates: list[float | None], threshold: float, windows: list[Window], kept_at: datetime | None
) -> int:
    """How many reviews in a row, this one first, saw usage below the threshold. A window
    that began before staff last chose to keep the benefit does not count."""
    n = 0
    for k, rate in enumerate(rates):
        if rate is None or rate >= threshold:
            break
        if kept_at is not None and windows[k].start_at < kept_at:
            break
        n += 1
    return n


@transaction.atomic
def review_chunk_compute(*, run_id: int, benefit_ids: list[int]) -> int:
    """Review these benefits for the run and replace their findings. Safe to repeat."""
    run = ReviewRun.objects.get(pk=run_id)
    if run.status == ReviewStatus.DONE:
        return 0
    if connection.vendor == "postgresql":
        # Sorts and hashes of a few million rows: in memory, for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REVIEW_WORK_MEM}'")
    window = run_window(run)
    default = run.thresholds["default"]
    every = int(default["review_every_days"])
    benefits = list(
        Benefit.objects.filter(pk__in=benefit_ids)
        .select_related("category", "eligibility")
        .order_by("pk")
    )
    if not benefits:
        return 0
    ids = [b.pk for b in benefits]
    depth = max(
        int(review_thresholds_for(run, b.category.top_code)["consecutive_reviews"])
        for b in benefits
    )
    windows = [window.earlier(k, every) for k in range(depth)]

    cells: dict[int, dict[int, _Cell]] = defaultdict(dict)
    for benefit_id, tier in ShelfCell.objects.filter(benefit_id__in=ids).values_list(
        "benefit_id", "tier"
    ):
        cells[benefit_id][tier] = _Cell(tier=tier, users=[0] * depth)

    # Who could use it: customers per tier passing the benefit's eligibility rules.
    def rule_of(b: Benefit) -> tuple[str, int | None, int | None]:
        rules = getattr(b, "eligibility", None)
        if rules is None:
            return ("", None, None)
        return (rules.requires_product_line or "", rules.min_age, rules.max_age)

    eligible = eligible_for_run(run, [rule_of(b) for b in benefits], window.end)
    for b in benefits:
        counts = eligible[rule_of(b)]
        for tier, held_cell in cells[b.pk].items():
            held_cell.eligible = counts.get(tier, 0)

    # Who used it: one GROUP BY over redemptions, a filtered distinct count per window.
    usage: Any = (
        Redemption.objects.filter(
            benefit_id__in=ids,
            status=RedemptionStatus.COMPLETED,
            source__in=[Source.TIER, Source.FAMILY],
            created_at__gte=windows[-1].start_at,
            created_at__lt=window.end_at,
        )
        .values("benefit_id", "tier_snapshot")
        .annotate(
            # Counted on a column of the review's covering index (never null, like the key):
            # the index answers the whole query alone.
            uses=Count("holder_id", filter=Q(created_at__gte=window.start_at)),
            **{
                f"users_{k}": Count(
                    "holder_id",
                    distinct=True,
                    filter=Q(created_at__gte=w.start_at, created_at__lt=w.end_at),
                )
                for k, w in enumerate(windows)
            },
        )
        .order_by()
    )
    for row in usage:
        used = cells[row["benefit_id"]].get(row["tier_snapshot"])
        if used is None:  # used under a tier that no longer holds it
            continue
        used.uses = row["uses"]
        used.users = [row[f"users_{k}"] for k in range(depth)]

    # How they liked it: NPS answers over a longer horizon (few answers for rare benefits).
    nps_start = midnight(window.end - timedelta(days=int(default["nps_days"])))
    feedback: Any = (
        RedemptionFeedback.objects.filter(
            benefit_id__in=ids, created_at__gte=nps_start, created_at__lt=window.end_at
        )
        .values("benefit_id", "tier_snapshot")
        .annotate(
            n=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by()
    )
    benefit_nps: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in feedback:
        totals = benefit_nps[row["benefit_id"]]
        totals[0] += row["n"]
        totals[1] += row["promoters"]
        totals[2] += row["detractors"]
        rated = cells[row["benefit_id"]].get(row["tier_snapshot"])
        if rated is not None:
            rated.responses, rated.promoters, rated.detractors = (
                row["n"],
                row["promoters"],
                row["detractors"],
            )

    # Staff decisions: a benefit kept by staff starts counting again with the first window
    # that begins after the decision; a benefit with an open proposal is not proposed again.
    kept = dict(
        Proposal.objects.filter(
            kind=ProposalKind.RETIRE, benefit_id__in=ids, status=ProposalStatus.DECLINED
        )
        .values("benefit_id")
        .annotate(last=Max("decided_at"))
        .order_by()
        .values_list("benefit_id", "last")
    )
    pending = set(
        Proposal.objects.filter(
            kind=ProposalKind.RETIRE, benefit_id__in=ids, status=ProposalStatus.PENDING
        )
        .exclude(run=run)
        .values_list("benefit_id", flat=True)
    )

    findings: list[ReviewFinding] = []
    for b in benefits:
        t = review_thresholds_for(run, b.category.top_code)
        threshold = float(t["min_usage_rate"])
        needed = int(t["consecutive_reviews"])
        tier_cells = sorted(cells[b.pk].values(), key=lambda c: c.tier)
        kept_at = kept.get(b.pk)
        min_eligible = int(t["min_eligible"])

        for cell in tier_cells:
            rate = cell.rate()
            judged = cell.judged_rate(0, min_eligible, threshold)
            verdict = (
                Verdict.TOO_FEW
                if judged is None
                else Verdict.LOW
                if judged < threshold
                else Verdict.HEALTHY
            )
            findings.append(
                ReviewFinding(
                    run=run,
                    benefit=b,
                    tier=cell.tier,
                    eligible=cell.eligible,
                    users=cell.users[0],
                    uses=cell.uses,
                    rate=rate,
                    responses=cell.responses,
                    promoters=cell.promoters,
                    detractors=cell.detractors,
                    nps=_nps(cell.responses, cell.promoters, cell.detractors),
                    low_streak=_streak(
                        [cell.judged_rate(k, min_eligible, threshold) for k in range(needed)],
                        threshold,
                        windows,
                        kept_at,
                    ),
                    verdict=verdict,
                )
            )

        # The benefit as a whole: its best tier decides (among the tiers that can be judged).
        peaks: list[float | None] = []
        for k in range(needed):
            judged_rates = (c.judged_rate(k, min_eligible, threshold) for c in tier_cells)
            rates = [r for r in judged_rates if r is not None]
            peaks.append(max(rates) if rates else None)
        responses, promoters, detractors = benefit_nps[b.pk]
        nps = _nps(responses, promoters, detractors)
        low_streak = _streak(peaks, threshold, windows, kept_at)
        grace_until = (b.on_shelf_since or timezone.now()) + timedelta(days=int(t["grace_days"]))
        if peaks[0] is None:
            verdict = Verdict.TOO_FEW
        elif peaks[0] >= threshold:
            verdict = Verdict.HEALTHY
        elif (
            nps is not None
            and responses >= int(t["min_responses"])
            and nps >= int(t["promote_nps"])
        ):
            verdict = Verdict.PROMOTE
        elif grace_until > window.end_at:
            verdict = Verdict.GRACE
        elif b.pk in pending:
            verdict = Verdict.PENDING
        elif low_streak >= needed:
            verdict = Verdict.RETIRE
        else:
            verdict = Verdict.LOW
        findings.append(
            ReviewFinding(
                run=run,
                benefit=b,
                tier=None,
                eligible=sum(c.eligible for c in tier_cells),
                users=sum(c.users[0] for c in tier_cells),
                uses=sum(c.uses for c in tier_cells),
                rate=peaks[0],
                responses=responses,
                promoters=promoters,
                detractors=detractors,
                nps=nps,
                low_streak=low_streak,
                verdict=verdict,
            )
        )
    ReviewFinding.objects.filter(run=run, benefit_id__in=ids).delete()
    ReviewFinding.objects.bulk_create(findings)
    return len(benefits)
