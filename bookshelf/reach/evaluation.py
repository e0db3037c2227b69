"""Offline evaluation of the recommender: replay a held-out slice of the redemption history.

For each customer, recommend from what was known before a cut-off date and count a hit when
one of the top k was used in the `horizon` days after it; compare with a baseline that ranks
the same usable benefits by tier popularity alone. Aggregates in SQL, ranks with the same
`rank()` the live path uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone

from customers.models import Customer, FamilyLink, Policy, PolicyStatus

from ..ledger.models import Redemption, RedemptionStatus
from ..shelf.selectors import (
    benefit_tags,
    eligibility_problem,
    period_bounds,
    shelf_cells_for_tiers,
)
from .recommendations import (
    Candidate,
    RecoContext,
    age_band,
    rank,
    smoothed_share,
    weights_get,
)


@dataclass
class EvalReport:
    cutoff: date
    horizon_days: int
    k: int
    customers: int
    recommender_hits: int
    baseline_hits: int

    @property
    def recommender_rate(self) -> float:
        return self.recommender_hits / self.customers if self.customers else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline_hits / self.customers if self.customers else 0.0


def recommendations_evaluate(
    *, cutoff: date | None = None, horizon_days: int = 90, k: int = 5
) -> EvalReport:
    cutoff = cutoff or timezone.localdate() - timedelta(days=horizon_days)
    since = cutoff - timedelta(days=365)
    end = cutoff + timedelta(days=horizon_days)
    done = Redemption.objects.filter(status=RedemptionStatus.COMPLETED)

    history: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        done.filter(created_at__date__gte=since, created_at__date__lt=cutoff)
        .values("beneficiary_id", "benefit_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        history[row["beneficiary_id"]][row["benefit_id"]] = row["n"]
    period_uses: dict[tuple[int, int, date], int] = defaultdict(int)
    for prow in (
        done.filter(created_at__date__lt=cutoff, period_start__isnull=False)
        .exclude(source="purchase")
        .values("holder_id", "benefit_id", "period_start")
        .annotate(n=Count("id"))
        .order_by()
    ):
        start = prow["period_start"]
        if start is not None:
            period_uses[(prow["holder_id"], prow["benefit_id"], start)] = prow["n"]
    future: dict[int, set[int]] = defaultdict(set)
    for cid, bid in (
        done.filter(created_at__date__gte=cutoff, created_at__date__lt=end)
        .values_list("beneficiary_id", "benefit_id")
        .distinct()
    ):
        future[cid].add(bid)

    customers = list(Customer.objects.filter(pk__in=list(future)))
    lines: dict[int, set[str]] = defaultdict(set)
    anchors: dict[int, date] = {}
    for cid, line, start in Policy.objects.filter(
        customer__in=customers, status=PolicyStatus.IN_FORCE
    ).values_list("customer_id", "product_line", "start_date"):
        lines[cid].add(line)
        anchors[cid] = min(anchors.get(cid, start), start)
    kids: dict[int, list[int]] = defaultdict(list)
    for link in FamilyLink.objects.filter(customer__in=customers).select_related("relative"):
        if link.relation == "child":
            kids[link.customer_id].append(link.relative.age_on(cutoff))

    # What customers of each tier, and of each tier and age band, used before the cut-off.
    tier_sizes: dict[int, int] = defaultdict(int)
    band_sizes: dict[tuple[int, int], int] = defaultdict(int)
    everyone = list(Customer.objects.only("pk", "tier", "birth_date"))
    band_of = {}
    for c in everyone:
        band = age_band(c.age_on(cutoff))
        band_of[c.pk] = (c.tier, band)
        tier_sizes[c.tier] += 1
        band_sizes[(c.tier, band)] += 1
    tier_users: dict[tuple[int, int], int] = defaultdict(int)
    band_users: dict[tuple[int, int, int], int] = defaultdict(int)
    for cid, used in history.items():
        if cid not in band_of:
            continue
        tier, band = band_of[cid]
        for bid in used:
            tier_users[(tier, bid)] += 1
            band_users[(tier, band, bid)] += 1

    weights = weights_get()
    tags = benefit_tags()
    cells = shelf_cells_for_tiers({c.tier for c in customers})
    rec_hits = base_hits = 0
    for customer in customers:
        age = customer.age_on(cutoff)
        band = age_band(age)
        candidates = []
        for view in cells.get(customer.tier, []):
            if eligibility_problem(
                view, holder_lines=lines[customer.pk], beneficiary=customer, today=cutoff
            ):
                continue
            start, period_end = period_bounds(view.period, cutoff, anchors.get(customer.pk))
            spent = period_uses.get((customer.pk, view.benefit_id, start), 0)
            remaining = None if view.quota is None else view.quota - spent
            if remaining == 0:
                continue
            candidates.append(
                Candidate(
                    benefit_id=view.benefit_id,
                    code=view.code,
                    name=view.name,
                    name_zh=view.name_zh,
                    category_code=view.category_code,
                    tags=tags.get(view.benefit_id, frozenset()),
                    remaining=remaining,
                    quota=view.quota,
                    period_end=period_end,
                    requires_product_line=view.requires_product_line,
                )
            )
        family = {"young_children": "child"} if any(a < 12 for a in kids[customer.pk]) else {}
        size = band_sizes.get((customer.tier, band), 0)
        ctx = RecoContext(
            today=cutoff,
            tier=customer.tier,
            age=age,
            tags=set(customer.tags or []),
            family_tags=family,
            product_lines=lines[customer.pk],
            events=[],
            uses=history.get(customer.pk, {}),
            peers={
                c.benefit_id: smoothed_share(
                    users=band_users[(customer.tier, band, c.benefit_id)],
                    size=size,
                    tier_users=tier_users[(customer.tier, c.benefit_id)],
                    tier_size=tier_sizes[customer.tier],
                )
                for c in candidates
            },
            candidates=candidates,
        )
        got = future[customer.pk]
        ours = {r.code for r in rank(candidates, ctx, weights, k)}
        popular = sorted(
            candidates,
            key=lambda c: (-tier_users[(customer.tier, c.benefit_id)], c.code),
        )[:k]
        code_ids = {c.code: c.benefit_id for c in candidates}
        rec_hits += any(code_ids[code] in got for code in ours)
        base_hits += any(c.benefit_id in got for c in popular)
    return EvalReport(
        cutoff=cutoff,
        horizon_days=horizon_days,
        k=k,
        customers=len(customers),
        recommender_hits=rec_hits,
        baseline_hits=base_hits,
    )
