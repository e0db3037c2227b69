"""The living shelf: review usage, propose retiring what customers don't use and pulling in
what they ask for, and act on product staff's answers.

One service for the command, the scheduled task and the admin:

- `review_run_open` takes the run for a window, keyed by (window end, window days), so a
  review run twice, or a task retried after a worker died, is one row;
- `review_chunk_compute` reviews a chunk of benefits: a few GROUP BY queries over
  redemptions, feedback and customers (never a loop over events), then replaces the chunk's
  findings in one transaction. The Celery task fans chunks out to several workers;
- `review_run_finish` turns findings and grouped demand signals into proposals (written with
  get_or_create under unique keys) and closes the run;
- `proposal_approve` / `proposal_decline` / `proposals_auto_retire` act on proposals; a
  retirement goes through `benefits.services.benefit_retire` (never a delete) and tells the
  agents of customers who used the benefit recently, once each.

Usage rate of a benefit in a tier = distinct holders who used it in the window (uses paid
for by the tier allowance, the holder's own or shared with family; purchased uses are not
counted) / customers now in that tier who could use it. "Could use it" applies the
benefit's eligibility rules in SQL: the product line a holder must hold in force and the age
range (age on the window's last day). Approximation: tiers are today's, while uses count
against the tier the holder had when using it (the redemption's snapshot).

A benefit's usage is low when its rate is below the threshold in every tier that holds it.
It is proposed for retirement when its usage was low in this review and the previous
reviews (N in a row), it has been on the shelf longer than the grace period, and its NPS
is not high. The previous reviews' windows are recomputed from the redemptions (one query,
a filtered count per window), so a missed or failed run never resets the count.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import USABLE_STATUSES, Benefit, BenefitStatus
from benefits.services import benefit_put_on_shelf, benefit_put_under_review, benefit_retire
from config.exceptions import Conflict, DomainError
from customers.models import PolicyStatus, Tier

from .error_codes import ReviewErrorCode
from .models import (
    AgentNotification,
    DemandSignal,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Redemption,
    RedemptionFeedback,
    RedemptionStatus,
    ReviewFinding,
    ReviewRun,
    ReviewSettings,
    ReviewStatus,
    ShelfCell,
    Source,
    Verdict,
)

log = logging.getLogger(__name__)

NOTIFY_BATCH = 1000
# In one process (the command) nothing is shared: up to this many benefits per chunk, so the
# window is read once. The Celery fan-out uses BOOKSHELF_REVIEW_CHUNK (fewer, for workers).
IN_PROCESS_CHUNK = 1000
REVIEW_WORK_MEM = "64MB"
ELIGIBLE_CACHE_SECONDS = 6 * 3600


# -- settings and windows ---------------------------------------------------------------------


def review_settings_default() -> ReviewSettings:
    """The default row (seeded by a migration; recreated with the defaults if deleted)."""
    row = ReviewSettings.objects.filter(category__isnull=True).order_by("pk").first()
    if row is None:
        row = ReviewSettings.objects.create()
    return row


def review_thresholds_snapshot() -> dict[str, Any]:
    default = review_settings_default()
    by_category = {
        row.category.path_code: row.thresholds()  # type: ignore[union-attr]
        for row in ReviewSettings.objects.filter(category__isnull=False).select_related("category")
    }
    return {"default": default.thresholds(), "categories": by_category}


def review_thresholds_for(run: ReviewRun, top_code: str) -> dict[str, Any]:
    """The thresholds the run applies to a benefit of this top-level category."""
    snapshot = run.thresholds
    return snapshot.get("categories", {}).get(top_code) or snapshot["default"]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Window:
    """The days [end - days, end): `end` itself is not in the window."""

    end: date
    days: int

    @property
    def start_at(self) -> datetime:
        return _midnight(self.end - timedelta(days=self.days))

    @property
    def end_at(self) -> datetime:
        return _midnight(self.end)

    def earlier(self, reviews_back: int, every_days: int) -> Window:
        return Window(self.end - timedelta(days=reviews_back * every_days), self.days)


def run_window(run: ReviewRun) -> Window:
    return Window(run.window_end, run.window_days)


# -- opening a run ----------------------------------------------------------------------------


def review_run_open(
    *, window_end: date | None = None, window_days: int | None = None
) -> tuple[ReviewRun, bool]:
    """The run for this window: created with a snapshot of the thresholds, or the one that
    exists. A failed run is reopened so it can be finished."""
    default = review_settings_default()
    window_end = window_end or timezone.localdate()
    window_days = window_days or default.window_days
    if window_days < 1 or window_days > 730:
        raise DomainError(
            ReviewErrorCode.INVALID_WINDOW,
            _("The window is 1 to 730 days."),
            field="window_days",
        )
    try:
        with transaction.atomic():
            run, created = ReviewRun.objects.get_or_create(
                window_end=window_end,
                window_days=window_days,
                defaults={"thresholds": review_thresholds_snapshot()},
            )
    except IntegrityError:  # another worker opened it at the same moment
        run, created = ReviewRun.objects.get(window_end=window_end, window_days=window_days), False
    if not created and run.status == ReviewStatus.FAILED:
        ReviewRun.objects.filter(pk=run.pk, status=ReviewStatus.FAILED).update(
            status=ReviewStatus.RUNNING, error=""
        )
        run.refresh_from_db()
    return run, created


def review_benefit_ids(*, run: ReviewRun) -> list[int]:
    """The benefits to review: usable and held by at least one tier, in primary-key order."""
    held = ShelfCell.objects.filter(benefit=OuterRef("pk"))
    return list(
        Benefit.objects.filter(status__in=USABLE_STATUSES)
        .filter(Exists(held))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def review_chunks(*, run: ReviewRun, size: int | None = None) -> list[list[int]]:
    size = size or settings.BOOKSHELF_REVIEW_CHUNK
    ids = review_benefit_ids(run=run)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


# -- reviewing a chunk ------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _eligible_counts(
    rules: Iterable[tuple[str, int | None, int | None]], on: date
) -> dict[tuple[str, int | None, int | None], dict[int, int]]:
    """Customers per tier who pass each distinct eligibility rule (the product line the
    holder must hold in force, the age range on `on - 1 day`).

    One GROUP BY over the customers, joined once to their in-force product lines, with a
    count per rule: the customers are read once whatever the number of rules (a query per
    rule, or an `IN (policies)` per rule, rescanned them at a million customers). Plain SQL
    that SQLite runs too."""
    distinct = sorted(set(rules), key=lambda r: (r[0], r[1] or -1, r[2] or -1))
    out: dict[tuple[str, int | None, int | None], dict[int, int]] = {r: {} for r in distinct}
    if not distinct:
        return out
    day = on - timedelta(days=1)
    lines = sorted({line for line, _min, _max in distinct if line})
    line_columns = "".join(
        f", MAX(CASE WHEN product_line = %s THEN 1 ELSE 0 END) AS line_{i}"
        for i in range(len(lines))
    )
    params: list[Any] = []
    counts: list[str] = []
    for line, min_age, max_age in distinct:
        conditions = ["1 = 1"]
        if line:
            conditions.append(f"p.line_{lines.index(line)} = 1")
        if min_age is not None:
            conditions.append("c.birth_date <= %s")
            params.append(_years_before(day, min_age))
        if max_age is not None:
            conditions.append("c.birth_date > %s")
            params.append(_years_before(day, max_age + 1))
        counts.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END)")
    if lines:
        join = (
            f"LEFT JOIN (SELECT customer_id{line_columns} FROM customers_policy "  # noqa: S608
            "WHERE status = %s GROUP BY customer_id) p ON p.customer_id = c.id"
        )
        # The counts' placeholders come first in the text, then the join's.
        params = [*params, *lines, PolicyStatus.IN_FORCE.value]
    else:
        join = ""
    sql = f"SELECT c.tier, {', '.join(counts)} FROM customers_customer c {join} GROUP BY c.tier"  # noqa: S608 - built from placeholders only
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for tier, *numbers in rows:
        for rule, number in zip(distinct, numbers, strict=True):
            out[rule][tier] = int(number or 0)
    return out


def _run_rules(run: ReviewRun) -> list[tuple[str, int | None, int | None]]:
    """The distinct eligibility rules of every benefit the run reviews."""
    rows = (
        Benefit.objects.filter(pk__in=review_benefit_ids(run=run))
        .values_list(
            "eligibility__requires_product_line", "eligibility__min_age", "eligibility__max_age"
        )
        .distinct()
    )
    return [(line or "", low, high) for line, low, high in rows]


def _eligible_for_run(
    run: ReviewRun, rules: list[tuple[str, int | None, int | None]], on: date
) -> dict[tuple[str, int | None, int | None], dict[int, int]]:
    """Eligible customers per rule and tier, counted once per run for all its chunks: the
    first chunk counts them for every rule the run needs and shares them through the cache
    (Redis when configured), so workers sharing a review don't each read every customer.
    Whoever misses (no cache, evicted) counts again: the same numbers."""
    key = f"review:{run.pk}:{on.isoformat()}:eligible"
    try:
        shared = cache.get(key)
    except Exception:
        shared = None
    if shared is not None and all(rule in shared for rule in rules):
        return dict(shared)
    counts = _eligible_counts([*rules, *_run_rules(run)], on)
    try:
        cache.set(key, counts, timeout=ELIGIBLE_CACHE_SECONDS)
    except Exception:
        log.warning("review: could not share the eligible counts")
    return counts


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

    eligible = _eligible_for_run(run, [rule_of(b) for b in benefits], window.end)
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
    nps_start = _midnight(window.end - timedelta(days=int(default["nps_days"])))
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


# -- finishing a run: proposals ---------------------------------------------------------------


def _retire_evidence(run: ReviewRun, finding: ReviewFinding) -> dict[str, Any]:
    t = review_thresholds_for(run, finding.benefit.category.top_code)
    tiers = ReviewFinding.objects.filter(
        run=run, benefit_id=finding.benefit_id, tier__isnull=False
    ).order_by("tier")
    return {
        "best_rate": finding.rate,
        "threshold": float(t["min_usage_rate"]),
        "low_reviews": finding.low_streak,
        "needed": int(t["consecutive_reviews"]),
        "window_days": run.window_days,
        "nps": finding.nps,
        "responses": finding.responses,
        "tiers": {
            str(f.tier): {"eligible": f.eligible, "users": f.users, "uses": f.uses, "rate": f.rate}
            for f in tiers
        },
    }


def _propose_retirements(run: ReviewRun, now: datetime) -> int:
    made = 0
    candidates = (
        ReviewFinding.objects.filter(run=run, tier__isnull=True, verdict=Verdict.RETIRE)
        .select_related("benefit", "benefit__category")
        .order_by("benefit__code")
    )
    for finding in candidates:
        benefit = finding.benefit
        days = int(review_thresholds_for(run, benefit.category.top_code)["response_days"])
        _proposal, created = Proposal.objects.get_or_create(
            run=run,
            kind=ProposalKind.RETIRE,
            key=f"benefit:{benefit.code}",
            defaults={
                "benefit": benefit,
                "category": benefit.category,
                "title": str(benefit)[:500],
                "evidence": _retire_evidence(run, finding),
                "deadline": now + timedelta(days=days),
                "created_at": now,
            },
        )
        if created:
            made += 1
            if benefit.status == BenefitStatus.ON_SHELF:
                benefit_put_under_review(
                    benefit=benefit,
                    reason=_("Proposed for retirement by the shelf review of %(end)s.")
                    % {"end": run.window_end.isoformat()},
                )
    return made


def _propose_pulls(run: ReviewRun, now: datetime) -> int:
    window = run_window(run)
    threshold = int(run.thresholds["default"]["demand_threshold"])
    base = DemandSignal.objects.filter(
        created_at__gte=window.start_at, created_at__lt=window.end_at
    )
    groups: list[tuple[str, Q, dict[str, Any]]] = []
    by_benefit: Any = (
        base.filter(benefit__isnull=False)
        .values("benefit_id", "benefit__code", "benefit__category_id")
        .annotate(n=Count("id"), customers=Count("customer_id", distinct=True))
        .filter(n__gte=threshold)
        .order_by("benefit__code")
    )
    for row in by_benefit:
        groups.append(
            (
                f"benefit:{row['benefit__code']}",
                Q(benefit_id=row["benefit_id"]),
                {
                    "benefit_id": row["benefit_id"],
                    "category_id": row["benefit__category_id"],
                    "requests": row["n"],
                    "customers": row["customers"],
                },
            )
        )
    by_text: Any = (
        base.filter(benefit__isnull=True)
        .values("category_id", "category__path_code", "text_key")
        .annotate(n=Count("id"), customers=Count("customer_id", distinct=True))
        .filter(n__gte=threshold)
        .order_by("category__path_code", "text_key")
    )
    for row in by_text:
        groups.append(
            (
                f"text:{row['category__path_code'] or '-'}:{row['text_key']}"[:250],
                Q(benefit__isnull=True, category_id=row["category_id"], text_key=row["text_key"]),
                {
                    "benefit_id": None,
                    "category_id": row["category_id"],
                    "requests": row["n"],
                    "customers": row["customers"],
                },
            )
        )

    made = 0
    for key, condition, info in groups:
        settled = (
            Proposal.objects.filter(kind=ProposalKind.PULL, key=key)
            .exclude(run=run)
            .filter(
                Q(status__in=[ProposalStatus.PENDING, ProposalStatus.APPROVED])
                | Q(status=ProposalStatus.DECLINED, decided_at__gte=window.start_at)
            )
        )
        if settled.exists():
            continue
        signals = base.filter(condition)
        tiers = {
            ("none" if tier is None else str(tier)): n
            for tier, n in signals.values("tier_snapshot")
            .annotate(n=Count("id"))
            .order_by("tier_snapshot")
            .values_list("tier_snapshot", "n")
        }
        sample: Any = (
            signals.values("text").annotate(n=Count("id")).order_by("-n", "text").first() or {}
        )
        _proposal, created = Proposal.objects.get_or_create(
            run=run,
            kind=ProposalKind.PULL,
            key=key,
            defaults={
                "benefit_id": info["benefit_id"],
                "category_id": info["category_id"],
                "title": (sample.get("text") or key)[:500],
                "requests": info["requests"],
                "customers": info["customers"],
                "tiers": tiers,
                "evidence": {"threshold": threshold, "window_days": run.window_days},
                "created_at": now,
            },
        )
        made += int(created)
    return made


@transaction.atomic
def review_run_finish(*, run_id: int) -> ReviewRun:
    """Make the run's proposals and close it. Safe to repeat: a done run is left alone."""
    run = ReviewRun.objects.select_for_update().get(pk=run_id)
    if run.status == ReviewStatus.DONE:
        return run
    now = timezone.now()
    _propose_retirements(run, now)
    _propose_pulls(run, now)
    run.retire_proposals = run.proposals.filter(kind=ProposalKind.RETIRE).count()
    run.pull_proposals = run.proposals.filter(kind=ProposalKind.PULL).count()
    run.benefits_reviewed = run.findings.filter(tier__isnull=True).count()
    run.status = ReviewStatus.DONE
    run.finished_at = now
    run.error = ""
    run.save(
        update_fields=[
            "retire_proposals",
            "pull_proposals",
            "benefits_reviewed",
            "status",
            "finished_at",
            "error",
        ]
    )
    return run


def review_run_fail(*, run_id: int, error: str) -> None:
    ReviewRun.objects.filter(pk=run_id).exclude(status=ReviewStatus.DONE).update(
        status=ReviewStatus.FAILED, error=error[:2000]
    )


# -- the whole review in one process (the command) --------------------------------------------


@dataclass
class ReviewReport:
    run: ReviewRun
    already_done: bool
    dry_run: bool
    findings: list[ReviewFinding]
    proposals: list[Proposal]


class _DryRunRollback(Exception):
    pass


def review_run(
    *,
    window_end: date | None = None,
    window_days: int | None = None,
    dry_run: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> ReviewReport:
    """Run the whole review here, chunk by chunk: the same steps the Celery task fans out.

    `progress(done, total)` is called after each chunk. A dry run does every step in a
    transaction that is rolled back: nothing is stored, proposed, retired or sent.
    """
    report: ReviewReport | None = None

    def steps() -> ReviewReport:
        run, _created = review_run_open(window_end=window_end, window_days=window_days)
        already = run.status == ReviewStatus.DONE
        if not already:
            chunks = review_chunks(run=run, size=chunk_size or IN_PROCESS_CHUNK)
            total = sum(len(c) for c in chunks)
            done = 0
            try:
                for ids in chunks:
                    review_chunk_compute(run_id=run.pk, benefit_ids=ids)
                    done += len(ids)
                    if progress is not None:
                        progress(done, total)
                run = review_run_finish(run_id=run.pk)
            except Exception as exc:
                if not dry_run:
                    review_run_fail(run_id=run.pk, error=repr(exc))
                raise
        return ReviewReport(
            run=run,
            already_done=already,
            dry_run=dry_run,
            findings=list(
                run.findings.filter(tier__isnull=True)
                .select_related("benefit")
                .order_by("benefit__code")
            ),
            proposals=list(run.proposals.order_by("kind", "key")),
        )

    if not dry_run:
        return steps()
    try:
        with transaction.atomic():
            report = steps()
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    assert report is not None
    return report


# -- acting on proposals ----------------------------------------------------------------------


def _notify_agents_of_retirement(proposal: Proposal, benefit: Benefit, now: datetime) -> int:
    """One notification per agent whose customers used the benefit recently; once ever per
    proposal (unique (agent, event_key)), however often this runs."""
    days = int(review_thresholds_for(proposal.run, benefit.category.top_code)["notify_recent_days"])
    rows = (
        Redemption.objects.filter(
            benefit=benefit,
            status=RedemptionStatus.COMPLETED,
            created_at__gte=now - timedelta(days=days),
            beneficiary__agent__isnull=False,
        )
        .values("beneficiary__agent_id")
        .annotate(customers=Count("beneficiary_id", distinct=True))
        .order_by("beneficiary__agent_id")
    )
    event_key = f"benefit_retired:{benefit.code}:{proposal.pk}"
    batch: list[AgentNotification] = []
    sent = 0
    for row in rows.iterator(chunk_size=NOTIFY_BATCH):
        batch.append(
            AgentNotification(
                agent_id=row["beneficiary__agent_id"],
                kind=NotificationKind.BENEFIT_RETIRED,
                event_key=event_key,
                benefit=benefit,
                customers=row["customers"],
                created_at=now,
            )
        )
        if len(batch) >= NOTIFY_BATCH:
            sent += len(AgentNotification.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        sent += len(AgentNotification.objects.bulk_create(batch, ignore_conflicts=True))
    return sent


def _locked_pending(proposal: Proposal, kind: str | None = None) -> Proposal:
    locked = Proposal.objects.select_for_update().select_related("run").get(pk=proposal.pk)
    if locked.status != ProposalStatus.PENDING:
        raise Conflict(
            ReviewErrorCode.PROPOSAL_ALREADY_DECIDED,
            _("This proposal has already been answered."),
        )
    if kind is not None and locked.kind != kind:
        raise Conflict(
            ReviewErrorCode.PROPOSAL_NOT_RETIREMENT, _("This is not a retirement proposal.")
        )
    return locked


def _retire(proposal: Proposal, *, status: str, by: Any, note: str, now: datetime) -> Proposal:
    assert proposal.benefit_id is not None  # a constraint: retirements name their benefit
    benefit = Benefit.objects.select_related("category").get(pk=proposal.benefit_id)
    if benefit.status != BenefitStatus.RETIRED:
        reason = (
            _("Retired automatically: nobody answered the shelf review's proposal in time.")
            if status == ProposalStatus.AUTO_RETIRED
            else _("Retired on the shelf review's proposal.")
        )
        if note:
            reason = f"{reason} {note}"
        benefit_retire(benefit=benefit, reason=reason, by=by)
    proposal.status = status
    proposal.decided_at = now
    proposal.decided_by = by if getattr(by, "pk", None) else None
    proposal.note = note[:500]
    proposal.save(update_fields=["status", "decided_at", "decided_by", "note"])
    _notify_agents_of_retirement(proposal, benefit, now)
    return proposal


@transaction.atomic
def proposal_approve(*, proposal: Proposal, by: Any = None, note: str = "") -> Proposal:
    """Product staff say yes: retire the benefit (never deleted), or accept the pull
    (the new benefit is then created and placed by product staff in the catalog)."""
    locked = _locked_pending(proposal)
    now = timezone.now()
    if locked.kind == ProposalKind.RETIRE:
        return _retire(locked, status=ProposalStatus.APPROVED, by=by, note=note, now=now)
    locked.status = ProposalStatus.APPROVED
    locked.decided_at = now
    locked.decided_by = by if getattr(by, "pk", None) else None
    locked.note = note[:500]
    locked.save(update_fields=["status", "decided_at", "decided_by", "note"])
    return locked


@transaction.atomic
def proposal_decline(*, proposal: Proposal, by: Any = None, note: str = "") -> Proposal:
    """Product staff keep the benefit (it goes back on the shelf) or dismiss the request."""
    locked = _locked_pending(proposal)
    now = timezone.now()
    if (
        locked.kind == ProposalKind.RETIRE
        and locked.benefit is not None
        and locked.benefit.status == BenefitStatus.UNDER_REVIEW
    ):
        benefit_put_on_shelf(benefit=locked.benefit, by=by)
    locked.status = ProposalStatus.DECLINED
    locked.decided_at = now
    locked.decided_by = by if getattr(by, "pk", None) else None
    locked.note = note[:500]
    locked.save(update_fields=["status", "decided_at", "decided_by", "note"])
    return locked


def proposals_auto_retire(*, now: datetime | None = None) -> int:
    """Retire the benefits of retirement proposals nobody answered by their deadline.
    Each in its own transaction; a proposal answered meanwhile is skipped."""
    now = now or timezone.now()
    due = list(
        Proposal.objects.filter(
            kind=ProposalKind.RETIRE, status=ProposalStatus.PENDING, deadline__lte=now
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    retired = 0
    for pk in due:
        with transaction.atomic():
            proposal = (
                Proposal.objects.select_for_update().select_related("run").filter(pk=pk).first()
            )
            if proposal is None or proposal.status != ProposalStatus.PENDING:
                continue
            _retire(proposal, status=ProposalStatus.AUTO_RETIRED, by=None, note="", now=now)
            retired += 1
    return retired


def tier_label(value: int | None) -> str:
    if value is None:
        return str(_("All tiers"))
    return str(Tier(value).label)
