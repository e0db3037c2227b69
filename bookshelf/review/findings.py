"""Reviewing a chunk of benefits: usage rate and NPS per benefit and tier, low-usage streaks
over the previous reviews' windows, what the window's uses cost (the sum of their unit costs,
read in the same GROUP BY as the uses), and a verdict; the chunk's findings are replaced in
one transaction, so a redelivered task gives the same result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from benefits.models import Benefit
from config.replicas import analytics_alias

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
    cost: Decimal | None = None  # the window's uses' unit costs; None: none had a price
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


@dataclass
class _Chunk:
    """What the chunk's queries found, read once for all its benefits."""

    run: ReviewRun
    window: Window
    windows: list[Window]  # this review's window first, then the previous reviews'
    benefits: list[Benefit]
    cells: dict[int, dict[int, _Cell]]  # benefit -> tier -> its cell
    nps: dict[int, list[int]]  # benefit -> [responses, promoters, detractors], all tiers
    kept: dict[int, datetime]  # benefit -> when staff last chose to keep it
    pending: set[int]  # benefits with an open retirement proposal from another run

    @property
    def ids(self) -> list[int]:
        return [b.pk for b in self.benefits]


@dataclass(frozen=True)
class _Thresholds:
    """What the run judges a benefit against: its top-level category's thresholds."""

    min_rate: float
    needed: int  # low reviews in a row before a retirement is proposed
    min_eligible: int
    grace_days: int
    min_responses: int
    promote_nps: int
    max_cost_per_user: Decimal | None  # None: a run from before costs were reviewed

    @classmethod
    def of(cls, run: ReviewRun, benefit: Benefit) -> _Thresholds:
        t = review_thresholds_for(run, benefit.category.top_code)
        return cls(
            min_rate=float(t["min_usage_rate"]),
            needed=int(t["consecutive_reviews"]),
            min_eligible=int(t["min_eligible"]),
            grace_days=int(t["grace_days"]),
            min_responses=int(t["min_responses"]),
            promote_nps=int(t["promote_nps"]),
            max_cost_per_user=(
                Decimal(str(t["max_cost_per_user"])) if "max_cost_per_user" in t else None
            ),
        )

    def judged_rate(self, cell: _Cell, k: int) -> float | None:
        return cell.judged_rate(k, self.min_eligible, self.min_rate)

    def costly(self, cost: Decimal | None, users: int) -> bool:
        """The window's uses cost more per active user than the category allows."""
        if self.max_cost_per_user is None or cost is None or not users:
            return False
        return cost > self.max_cost_per_user * users

    def kept_by_nps(self, nps: int | None, responses: int) -> bool:
        return nps is not None and responses >= self.min_responses and nps >= self.promote_nps


@transaction.atomic
def review_chunk_compute(*, run_id: int, benefit_ids: list[int]) -> int:
    """Review these benefits for the run and replace their findings. Safe to repeat.

    One transaction and a fixed number of queries, whatever the number of benefits: each
    step below is one query (or one GROUP BY) for the whole chunk."""
    run = ReviewRun.objects.get(pk=run_id)
    if run.status == ReviewStatus.DONE:
        return 0
    _use_review_work_mem()
    benefits = list(
        Benefit.objects.filter(pk__in=benefit_ids)
        .select_related("category", "eligibility")
        .order_by("pk")
    )
    if not benefits:
        return 0
    chunk = _chunk_read(run, benefits)
    findings: list[ReviewFinding] = []
    for benefit in benefits:
        thresholds = _Thresholds.of(run, benefit)
        tier_cells = sorted(chunk.cells[benefit.pk].values(), key=lambda c: c.tier)
        findings.extend(_tier_findings(chunk, benefit, tier_cells, thresholds))
        findings.append(_benefit_finding(chunk, benefit, tier_cells, thresholds))
    ReviewFinding.objects.filter(run=run, benefit_id__in=chunk.ids).delete()
    ReviewFinding.objects.bulk_create(findings)
    return len(benefits)


def _use_review_work_mem(using: str = DEFAULT_DB_ALIAS) -> None:
    if connections[using].vendor == "postgresql":
        # Sorts and hashes of a few million rows: in memory, for this transaction only.
        with connections[using].cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REVIEW_WORK_MEM}'")


@contextmanager
def _counting() -> Iterator[str]:
    """Where the chunk's counts are read: the primary (in the chunk's own transaction), or,
    with BOOKSHELF_ANALYTICS_ON_REPLICA, a replica in a read-only transaction of its own
    (windows in the past: a replica within the lag limit counts the same)."""
    using = analytics_alias()
    if using == DEFAULT_DB_ALIAS:
        yield using
        return
    with transaction.atomic(using=using):
        _use_review_work_mem(using)
        yield using


def _chunk_read(run: ReviewRun, benefits: list[Benefit]) -> _Chunk:
    """The chunk's numbers, in the order the queries run: cells, who could use each benefit,
    who used it, how they liked it, what staff decided."""
    window = run_window(run)
    every = int(run.thresholds["default"]["review_every_days"])
    depth = max(_Thresholds.of(run, b).needed for b in benefits)
    windows = [window.earlier(k, every) for k in range(depth)]
    ids = [b.pk for b in benefits]
    cells = _tier_cells(ids, depth)
    with _counting() as using:  # the heavy GROUP BYs: on a replica if the settings say so
        _count_eligible(run, benefits, cells, window, using)
        _count_users(cells, ids, windows, using)
        nps_days = int(run.thresholds["default"]["nps_days"])
        nps = _count_feedback(cells, ids, window, nps_days, using)
    kept, pending = _staff_decisions(run, ids)
    return _Chunk(run, window, windows, benefits, cells, nps, kept, pending)


def _tier_cells(ids: list[int], depth: int) -> dict[int, dict[int, _Cell]]:
    """Cells per benefit and tier: one per tier that holds the benefit, empty so far."""
    cells: dict[int, dict[int, _Cell]] = defaultdict(dict)
    for benefit_id, tier in ShelfCell.objects.filter(benefit_id__in=ids).values_list(
        "benefit_id", "tier"
    ):
        cells[benefit_id][tier] = _Cell(tier=tier, users=[0] * depth)
    return cells


def _rule_of(benefit: Benefit) -> tuple[str, int | None, int | None]:
    rules = getattr(benefit, "eligibility", None)
    if rules is None:
        return ("", None, None)
    return (rules.requires_product_line or "", rules.min_age, rules.max_age)


def _count_eligible(
    run: ReviewRun,
    benefits: list[Benefit],
    cells: dict[int, dict[int, _Cell]],
    window: Window,
    using: str,
) -> None:
    """Who could use it: customers per tier passing the benefit's eligibility rules."""
    eligible = eligible_for_run(run, [_rule_of(b) for b in benefits], window.end, using=using)
    for b in benefits:
        counts = eligible[_rule_of(b)]
        for tier, held_cell in cells[b.pk].items():
            held_cell.eligible = counts.get(tier, 0)


def _count_users(
    cells: dict[int, dict[int, _Cell]], ids: list[int], windows: list[Window], using: str
) -> None:
    """Who used it: one GROUP BY over redemptions, a filtered distinct count per window."""
    window, depth = windows[0], len(windows)
    usage: Any = (
        Redemption.objects.using(using)
        .filter(
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
            # An INCLUDE column of the same index: the cost costs no extra scan.
            cost=Sum("unit_cost", filter=Q(created_at__gte=window.start_at)),
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
        used.cost = row["cost"]
        used.users = [row[f"users_{k}"] for k in range(depth)]


def _count_feedback(
    cells: dict[int, dict[int, _Cell]],
    ids: list[int],
    window: Window,
    nps_days: int,
    using: str,
) -> dict[int, list[int]]:
    """How they liked it: NPS answers over a longer horizon (few answers for rare benefits),
    per tier into the cells and per benefit over all tiers (returned)."""
    nps_start = midnight(window.end - timedelta(days=nps_days))
    feedback: Any = (
        RedemptionFeedback.objects.using(using)
        .filter(benefit_id__in=ids, created_at__gte=nps_start, created_at__lt=window.end_at)
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
    return benefit_nps


def _staff_decisions(run: ReviewRun, ids: list[int]) -> tuple[dict[int, datetime], set[int]]:
    """Staff decisions: a benefit kept by staff starts counting again with the first window
    that begins after the decision; a benefit with an open proposal is not proposed again.
    Returns (benefit -> when last kept, benefits with a proposal pending from another run)."""
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
    return kept, pending


def _tier_findings(
    chunk: _Chunk, benefit: Benefit, tier_cells: list[_Cell], t: _Thresholds
) -> list[ReviewFinding]:
    """The per-tier findings: each tier's rate against the threshold, judged or too few;
    a judged tier whose uses cost more per user than allowed is costly (unless its NPS
    keeps it), before low usage."""
    findings = []
    for cell in tier_cells:
        judged = t.judged_rate(cell, 0)
        nps = _nps(cell.responses, cell.promoters, cell.detractors)
        verdict = (
            Verdict.TOO_FEW
            if judged is None
            else Verdict.COSTLY
            if t.costly(cell.cost, cell.users[0]) and not t.kept_by_nps(nps, cell.responses)
            else Verdict.LOW
            if judged < t.min_rate
            else Verdict.HEALTHY
        )
        findings.append(
            ReviewFinding(
                run=chunk.run,
                benefit=benefit,
                tier=cell.tier,
                eligible=cell.eligible,
                users=cell.users[0],
                uses=cell.uses,
                cost=cell.cost,
                rate=cell.rate(),
                responses=cell.responses,
                promoters=cell.promoters,
                detractors=cell.detractors,
                nps=nps,
                low_streak=_streak(
                    [t.judged_rate(cell, k) for k in range(t.needed)],
                    t.min_rate,
                    chunk.windows,
                    chunk.kept.get(benefit.pk),
                ),
                verdict=verdict,
            )
        )
    return findings


def _benefit_finding(
    chunk: _Chunk, benefit: Benefit, tier_cells: list[_Cell], t: _Thresholds
) -> ReviewFinding:
    """The benefit as a whole: its best tier decides (among the tiers that can be judged)."""
    peaks: list[float | None] = []
    for k in range(t.needed):
        judged_rates = (t.judged_rate(c, k) for c in tier_cells)
        rates = [r for r in judged_rates if r is not None]
        peaks.append(max(rates) if rates else None)
    responses, promoters, detractors = chunk.nps[benefit.pk]
    nps = _nps(responses, promoters, detractors)
    low_streak = _streak(peaks, t.min_rate, chunk.windows, chunk.kept.get(benefit.pk))
    users = sum(c.users[0] for c in tier_cells)
    costs = [c.cost for c in tier_cells if c.cost is not None]
    cost = sum(costs, Decimal("0.00")) if costs else None
    return ReviewFinding(
        run=chunk.run,
        benefit=benefit,
        tier=None,
        eligible=sum(c.eligible for c in tier_cells),
        users=users,
        uses=sum(c.uses for c in tier_cells),
        cost=cost,
        rate=peaks[0],
        responses=responses,
        promoters=promoters,
        detractors=detractors,
        nps=nps,
        low_streak=low_streak,
        verdict=_benefit_verdict(
            chunk,
            benefit,
            t,
            peak=peaks[0],
            low_streak=low_streak,
            kept=t.kept_by_nps(nps, responses),
            costly=t.costly(cost, users),
        ),
    )


def _benefit_verdict(
    chunk: _Chunk,
    benefit: Benefit,
    t: _Thresholds,
    *,
    peak: float | None,
    low_streak: int,
    kept: bool,
    costly: bool,
) -> str:
    """The benefit-level verdict, first match wins:

    1. too few to judge (no tier can be judged);
    2. healthy: usage at or above the threshold and not costly;
    3. kept by its NPS (at least `promote_nps` over at least `min_responses` answers):
       healthy if its usage is, else promote: a loved benefit stays whatever it costs;
    4. already proposed (an open retirement proposal of another review);
    5. costly for its use: the window's cost per active user is above the category's
       `max_cost_per_user` (proposed for retirement or a smaller quota, unless new: the
       grace period holds for cost too). Cost comes before low usage: it is the stronger
       reason, and a costly benefit is proposed without waiting for low reviews in a row;
    6. low usage of a new benefit (grace); 7. low long enough: retire; 8. low."""
    grace_until = (benefit.on_shelf_since or timezone.now()) + timedelta(days=t.grace_days)
    if peak is None:
        return Verdict.TOO_FEW
    if peak >= t.min_rate and not costly:
        return Verdict.HEALTHY
    if kept:
        return Verdict.HEALTHY if peak >= t.min_rate else Verdict.PROMOTE
    if benefit.pk in chunk.pending:
        return Verdict.PENDING
    if costly:
        return Verdict.COSTLY
    if grace_until > chunk.window.end_at:
        return Verdict.GRACE
    if low_streak >= t.needed:
        return Verdict.RETIRE
    return Verdict.LOW
