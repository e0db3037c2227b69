"""Offline evaluation of the recommender: replay a held-out slice of the redemption history.

For each customer who used something in the `horizon` days after a cut-off, rebuild their
benefit centre as it stood at the start of the cut-off day, recommend from it and count a hit
when one of the top k was used in the horizon; compare with a baseline that ranks the same
candidates by tier popularity alone.

The recommender is the production one: the benefit centre comes from the ledger's pure
assembly (`bookshelf_assemble`, the live read's own rules: tier, eligibility, family shares,
policy years, purchases, what is left), and candidates, family tags, the context and the
ranking are the functions the live path calls (`recommendations`). Only the loading differs:
the state as of the cut-off is counted from the history, for every evaluated customer at once,
in a fixed number of queries (aggregated in SQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from config.replicas import analytics_reads
from customers.models import Customer, FamilyLink, Policy, PolicyStatus

from ..ledger.models import Purchase, Redemption, RedemptionStatus, Source
from ..ledger.selectors import (
    Balances,
    Household,
    ShelfEntry,
    bookshelf_assemble,
    policy_facts,
    purchase_entry,
)
from ..shelf.selectors import CellView, benefit_tags, benefit_view, shelf_cells_and_purchasable
from .models import CustomerEvent, RecommendationWeights
from .recommendations import (
    Candidate,
    age_band,
    rank,
    reco_context,
    shelf_candidates,
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


# -- what stood at the cut-off ----------------------------------------------------------------
def _standing(cutoff: date) -> QuerySet[Redemption]:
    """Uses made before the cut-off that still counted on it: completed, or cancelled later."""
    return Redemption.objects.filter(created_at__date__lt=cutoff).filter(
        Q(status=RedemptionStatus.COMPLETED) | Q(cancelled_at__date__gte=cutoff)
    )


def uses_before(cutoff: date, *, days: int = 365) -> dict[int, dict[int, int]]:
    """Customer id -> benefit id -> their uses in the `days` before the cut-off (habits)."""
    history: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        _standing(cutoff)
        .filter(created_at__date__gte=cutoff - timedelta(days=days))
        .values("beneficiary_id", "benefit_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        history[row["beneficiary_id"]][row["benefit_id"]] = row["n"]
    return history


def used_after(cutoff: date, *, days: int) -> dict[int, set[int]]:
    """Customer id -> the benefits they used in the `days` from the cut-off (the truth)."""
    future: dict[int, set[int]] = defaultdict(set)
    for cid, bid in (
        Redemption.objects.filter(
            status=RedemptionStatus.COMPLETED,
            created_at__date__gte=cutoff,
            created_at__date__lt=cutoff + timedelta(days=days),
        )
        .values_list("beneficiary_id", "benefit_id")
        .distinct()
    ):
        future[cid].add(bid)
    return future


def balances_as_of(cutoff: date) -> Balances:
    """(used, family used) of every tier balance whose period runs on the cut-off, counted
    from the uses standing before it: a family use spends the holder's allowance too."""
    rows = (
        _standing(cutoff)
        .filter(source__in=[Source.TIER, Source.FAMILY], period_start__isnull=False)
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=cutoff))
        .values("holder_id", "benefit_id", "period_start")
        .annotate(used=Count("id"), family_used=Count("id", filter=Q(source=Source.FAMILY)))
        .order_by()
    )
    balances: Balances = {}
    for r in rows:
        start = r["period_start"]
        if start is not None:  # never: filtered above (the column is nullable)
            balances[(r["holder_id"], r["benefit_id"], start)] = (r["used"], r["family_used"])
    return balances


def purchases_as_of(customers: dict[int, Customer], cutoff: date) -> dict[int, list[ShelfEntry]]:
    """Each customer's purchases bought before the cut-off and valid on it, with the uses
    they had given by then, as benefit-centre entries (soonest expiry first, as live)."""
    bought = list(
        Purchase.objects.filter(
            customer_id__in=list(customers), valid_from__lt=cutoff, valid_until__gte=cutoff
        )
        .select_related("benefit__category", "benefit__eligibility")
        .order_by("valid_until", "id")
    )
    spent = dict(
        _standing(cutoff)
        .filter(purchase_id__in=[p.pk for p in bought])
        .values("purchase_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("purchase_id", "n")
    )
    entries: dict[int, list[ShelfEntry]] = defaultdict(list)
    for purchase in bought:
        used = spent.get(purchase.pk, 0)
        if used >= purchase.uses_granted:
            continue
        entries[purchase.customer_id].append(
            purchase_entry(
                benefit_view(purchase.benefit),
                purchase_id=purchase.pk,
                holder=customers[purchase.customer_id],
                granted=purchase.uses_granted,
                used=used,
                valid_from=purchase.valid_from,
                valid_until=purchase.valid_until,
            )
        )
    return entries


def households_as_of(customers: Iterable[Customer], cutoff: date) -> dict[int, Household]:
    """Every customer's household (relatives with their relation, in order of customer
    number, as the live read has them; the members' product lines and policy-year anchors
    from the policies in force that had started by the cut-off): two queries in all."""
    by_id = {c.pk: c for c in customers}
    relatives: dict[int, list[tuple[Customer, str]]] = defaultdict(list)
    for link in (
        FamilyLink.objects.filter(customer_id__in=list(by_id))
        .select_related("relative")
        .order_by("customer_id", "relative__customer_no")
    ):
        relatives[link.customer_id].append((link.relative, link.relation))
    members = set(by_id) | {rel.pk for family in relatives.values() for rel, _r in family}
    lines, anchors = policy_facts(
        list(
            Policy.objects.filter(
                customer_id__in=list(members),
                status=PolicyStatus.IN_FORCE,
                start_date__lte=cutoff,
            ).values_list("customer_id", "product_line", "start_date")
        )
    )
    households = {}
    for cid, customer in by_id.items():
        ids = [cid, *(rel.pk for rel, _r in relatives[cid])]
        households[cid] = Household(
            customer=customer,
            relatives=relatives[cid],
            product_lines={m: lines[m] for m in ids if m in lines},
            anchors={m: anchors[m] for m in ids if m in anchors},
        )
    return households


def events_before(
    customer_ids: list[int], cutoff: date, *, days: int
) -> dict[int, list[tuple[str, date]]]:
    """Each customer's events in the `days` before the cut-off, newest first (as live)."""
    events: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for cid, kind, at in (
        CustomerEvent.objects.filter(
            customer_id__in=customer_ids,
            occurred_at__date__gte=cutoff - timedelta(days=days),
            occurred_at__date__lt=cutoff,
        )
        .order_by("customer_id", "-occurred_at", "-id")
        .values_list("customer_id", "kind", "occurred_at")
    ):
        events[cid].append((kind, timezone.localdate(at)))
    return events


@dataclass
class PeerCounts:
    """How many customers of each tier (and tier and age band on the cut-off) used each
    benefit before it: the peers' shares, smoothed as the nightly refresh smooths them, and
    the baseline's tier popularity."""

    tier_sizes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    band_sizes: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    tier_users: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    band_users: dict[tuple[int, int, int], int] = field(default_factory=lambda: defaultdict(int))

    def shares(self, *, tier: int, band: int, candidates: list[Candidate]) -> dict[int, float]:
        """Each candidate's smoothed share among the customer's peers (tier, age band)."""
        return {
            c.benefit_id: smoothed_share(
                users=self.band_users[(tier, band, c.benefit_id)],
                size=self.band_sizes.get((tier, band), 0),
                tier_users=self.tier_users[(tier, c.benefit_id)],
                tier_size=self.tier_sizes[tier],
            )
            for c in candidates
        }

    def popular_first(self, *, tier: int, candidates: list[Candidate], k: int) -> list[Candidate]:
        """The baseline: the candidates most customers of the tier used, then by code."""
        return sorted(candidates, key=lambda c: (-self.tier_users[(tier, c.benefit_id)], c.code))[
            :k
        ]


def peer_counts(history: dict[int, dict[int, int]], cutoff: date) -> PeerCounts:
    """Every customer's tier and age band on the cut-off, and who used what before it."""
    counts = PeerCounts()
    band_of: dict[int, tuple[int, int]] = {}
    for customer in Customer.objects.only("pk", "tier", "birth_date").order_by():
        band = age_band(customer.age_on(cutoff))
        band_of[customer.pk] = (customer.tier, band)
        counts.tier_sizes[customer.tier] += 1
        counts.band_sizes[(customer.tier, band)] += 1
    for cid, used in history.items():
        if cid not in band_of:
            continue
        tier, band = band_of[cid]
        for bid in used:
            counts.tier_users[(tier, bid)] += 1
            counts.band_users[(tier, band, bid)] += 1
    return counts


# -- the replay -------------------------------------------------------------------------------
@dataclass
class Replay:
    """The state as of the cut-off, loaded for every evaluated customer at once."""

    cutoff: date
    weights: RecommendationWeights
    tags: dict[int, frozenset[str]]
    cells: dict[int, list[CellView]]
    purchasable: list[CellView]
    households: dict[int, Household]
    balances: Balances
    purchases: dict[int, list[ShelfEntry]]
    events: dict[int, list[tuple[str, date]]]
    history: dict[int, dict[int, int]]
    peers: PeerCounts


def replay_load(customers: list[Customer], cutoff: date) -> Replay:
    """The state as of the cut-off for these customers, whatever their number, in a fixed
    number of queries (fewer when the shelf, its tags and the weights are cached)."""
    weights = weights_get()
    households = households_as_of(customers, cutoff)
    tiers = {m.tier for h in households.values() for m in h.members}
    cells, purchasable = shelf_cells_and_purchasable(tiers)
    history = uses_before(cutoff)
    return Replay(
        cutoff=cutoff,
        weights=weights,
        tags=benefit_tags(),
        cells=cells,
        purchasable=purchasable,
        households=households,
        balances=balances_as_of(cutoff),
        purchases=purchases_as_of({c.pk: c for c in customers}, cutoff),
        events=events_before([c.pk for c in customers], cutoff, days=weights.event_window_days),
        history=history,
        peers=peer_counts(history, cutoff),
    )


def replay_customer(replay: Replay, customer: Customer, *, k: int) -> tuple[list[int], list[int]]:
    """The benefit ids the recommender and the baseline put in their top k for the customer,
    from the customer's benefit centre as of the cut-off."""
    shelf = bookshelf_assemble(
        household=replay.households[customer.pk],
        cells=replay.cells,
        purchasable=replay.purchasable,
        balances=replay.balances,
        purchases=replay.purchases.get(customer.pk, []),
        today=replay.cutoff,
    )
    candidates = shelf_candidates(shelf, replay.tags)
    ctx = reco_context(
        shelf=shelf,
        candidates=candidates,
        events=replay.events.get(customer.pk, []),
        uses=replay.history.get(customer.pk, {}),
        peers=replay.peers.shares(
            tier=customer.tier, band=age_band(customer.age_on(replay.cutoff)), candidates=candidates
        ),
    )
    ids = {c.code: c.benefit_id for c in candidates}
    ours = [ids[r.code] for r in rank(candidates, ctx, replay.weights, k)]
    popular = replay.peers.popular_first(tier=customer.tier, candidates=candidates, k=k)
    return ours, [c.benefit_id for c in popular]


def recommendations_evaluate(
    *, cutoff: date | None = None, horizon_days: int = 90, k: int = 5
) -> EvalReport:
    """Hit rate at k of the recommender and of the tier-popularity baseline, for everyone who
    used something in the `horizon_days` from the cut-off (by default that many days ago)."""
    cutoff = cutoff or timezone.localdate() - timedelta(days=horizon_days)
    with analytics_reads():  # read-only, over the past: a replica if the settings say so
        future = used_after(cutoff, days=horizon_days)
        customers = list(Customer.objects.filter(pk__in=list(future)).order_by("pk"))
        replay = replay_load(customers, cutoff)
    rec_hits = base_hits = 0
    for customer in customers:
        ours, popular = replay_customer(replay, customer, k=k)
        got = future[customer.pk]
        rec_hits += any(bid in got for bid in ours)
        base_hits += any(bid in got for bid in popular)
    return EvalReport(
        cutoff=cutoff,
        horizon_days=horizon_days,
        k=k,
        customers=len(customers),
        recommender_hits=rec_hits,
        baseline_hits=base_hits,
    )
