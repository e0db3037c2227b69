"""Demand groups: which wish a request is, and whether the customer's tier already holds it.

A new request is segmented and normalised (`demand_text`), then joins the group whose
wordings are most like it, found through the groups' term index in one query; if none is
alike enough it starts a group, under a lock so that two requests of a new wish at once make
one group. Product staff merge and split groups; a regrouping (`demand_regroup`) recomputes
the old requests with today's synonyms and keeps what staff placed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from benefits.models import USABLE_STATUSES, Benefit, Category

from ..shelf.selectors import age_allowed
from . import demand_text as dt
from .models import DemandGroup, DemandGroupTerm, DemandSignal, DemandSynonym

# How many groups sharing terms with a request are compared with it (most terms shared first).
CANDIDATES = 40
# The key of the PostgreSQL advisory lock taken while a new group is made.
GROUP_CREATE_LOCK = 0x16DE_0001
REGROUP_BATCH = 500


@lru_cache(maxsize=4)
def _compiled(pairs: tuple[tuple[str, str], ...]) -> dt.Synonyms:
    return dt.Synonyms.build(pairs)


def demand_synonyms() -> dt.Synonyms:
    """The synonym table as staff left it: one query; compiled once per version of it."""
    pairs = tuple(DemandSynonym.objects.order_by("term").values_list("term", "canonical"))
    return _compiled(pairs)


def demand_synonyms_seed() -> int:
    """The starter synonyms (as the migration seeds them), for a database without them."""
    made = DemandSynonym.objects.bulk_create(
        [DemandSynonym(term=t, canonical=c) for t, c in dt.STARTER_SYNONYMS],
        ignore_conflicts=True,
    )
    return len(made)


# A benefit's name fields, in both languages: the one place the grouping reads them (after
# the move to translated fields, `name_en` and `name_zh_hans`: change them here only).
BENEFIT_NAME_FIELDS = ("name_en", "name_zh_hans")


def benefit_names(benefit: Any) -> list[str]:
    """A benefit's names in both languages, as the request matching reads them."""
    return [n for n in (getattr(benefit, f, "") for f in BENEFIT_NAME_FIELDS) if n]


@lru_cache(maxsize=4096)
def _name_words(name: str, synonyms: dt.Synonyms) -> tuple[str, ...]:
    return dt.words(name, synonyms)


def _age_fits(benefit: Benefit, age: int | None) -> bool:
    """The shelf's age rule (bookshelf.shelf.eligibility) for this customer; unknown age fits."""
    rules = getattr(benefit, "eligibility", None)
    if age is None or rules is None:
        return True
    return age_allowed(age, min_age=rules.min_age, max_age=rules.max_age)


def tier_shelf(tier: int) -> list[Benefit]:
    """The usable benefits of a tier's shelf, with their names and age rule (one query)."""
    return list(
        Benefit.objects.filter(shelf_cells__tier=tier, status__in=USABLE_STATUSES)
        .select_related("eligibility")
        .only("pk", "code", *BENEFIT_NAME_FIELDS, "eligibility__min_age", "eligibility__max_age")
        .order_by("code")
    )


def held_benefit_for(
    tokens: tuple[str, ...],
    tier: int | None,
    synonyms: dt.Synonyms,
    age: int | None = None,
    shelf: list[Benefit] | None = None,
) -> Benefit | None:
    """The benefit of this tier's shelf that the request names, if any (one query, none when
    the caller passes the tier's `shelf`): among several, one the customer's age lets them
    use, then the closest name, then by code."""
    if tier is None or not tokens:
        return None
    best, best_rank = None, None
    for benefit in tier_shelf(tier) if shelf is None else shelf:
        scores = [
            dt.held_score(tokens, _name_words(name, synonyms), synonyms.concepts)
            for name in benefit_names(benefit)
        ]
        found = [s for s in scores if s is not None]
        if not found:
            continue
        rank = (_age_fits(benefit, age), max(found))
        if best_rank is None or rank > best_rank:  # ties: the first by code
            best, best_rank = benefit, rank
    return best


def customer_age(customer: Any, day: Any) -> int | None:
    """The customer's age on that day, for the held benefit's age rule (None: not known)."""
    if customer is None or getattr(customer, "birth_date", None) is None:
        return None
    return int(customer.age_on(day))


def _candidates(tokens: tuple[str, ...]) -> list[DemandGroup]:
    """The groups sharing most terms with the request: one query."""
    terms = sorted(dt.index_terms([tokens]))
    return list(
        DemandGroup.objects.filter(terms__term__in=terms)
        .annotate(shared=Count("terms"))
        .only("pk", "variants", "label", "category_id")
        .order_by("-shared", "pk")[:CANDIDATES]
    )


def _match(
    tokens: tuple[str, ...], groups: list[DemandGroup], synonyms: dt.Synonyms
) -> DemandGroup | None:
    by_pk = {g.pk: g for g in groups}
    ordered = sorted(groups, key=lambda g: g.pk)  # ties go to the oldest group
    found = dt.best_match(tokens, ((g.pk, g.variants) for g in ordered), concepts=synonyms.concepts)
    return None if found is None else by_pk[found]


def _group_index(group: DemandGroup, variants: Iterable[Iterable[str]]) -> None:
    DemandGroupTerm.objects.bulk_create(
        [
            DemandGroupTerm(group=group, term=term)
            for term in sorted(dt.index_terms(tuple(v) for v in variants))
        ],
        ignore_conflicts=True,
    )


def _create_lock() -> None:
    """One new group at a time (PostgreSQL: a transaction-level advisory lock; SQLite
    serialises writers itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GROUP_CREATE_LOCK])


def demand_group_for(
    *, tokens: tuple[str, ...], text: str, category: Category | None, synonyms: dt.Synonyms
) -> DemandGroup | None:
    """The group of a request: the most alike existing one, or a new one. A fixed number of
    queries: one when a group is found; when none is, the lock, the same lookup again (a
    request of the same new wish may have made it meanwhile), the group and its terms."""
    if not tokens:
        return None
    found = _match(tokens, _candidates(tokens), synonyms)
    if found is not None:
        return found
    with transaction.atomic():
        _create_lock()
        found = _match(tokens, _candidates(tokens), synonyms)
        if found is not None:
            return found
        group = DemandGroup.objects.create(
            label=text[:200],
            category=category,
            key=" ".join(tokens)[:200],
            seeds=[text[:200]],
            variants=[list(tokens)],
        )
        _group_index(group, [tokens])
    return group


# -- staff: merge, split ------------------------------------------------------------------


def demand_groups_merge(*, into: DemandGroup, others: Iterable[DemandGroup]) -> int:
    """Merge groups into one: their requests move (and are kept there by a regrouping), their
    wordings join its own so new requests worded like theirs come to it. Returns the number
    of requests moved."""
    moved = 0
    with transaction.atomic():
        target = DemandGroup.objects.select_for_update().get(pk=into.pk)
        seeds, variants = list(target.seeds), [list(v) for v in target.variants]
        for other in DemandGroup.objects.filter(pk__in=[g.pk for g in others]).order_by("pk"):
            if other.pk == target.pk:
                continue
            moved += DemandSignal.objects.filter(group=other).update(
                group=target, group_manual=True
            )
            seeds += [s for s in other.seeds if s not in seeds]
            variants += [list(v) for v in other.variants if list(v) not in variants]
            other.delete()
        target.seeds, target.variants = seeds[: dt.MAX_VARIANTS], variants[: dt.MAX_VARIANTS]
        target.save(update_fields=["seeds", "variants", "updated_at"])
        _group_index(target, target.variants)
        DemandSignal.objects.filter(group=target).update(group_manual=True)
    return moved


def demand_group_split(*, signal_ids: Iterable[int], label: str = "") -> DemandGroup | None:
    """Move the chosen requests into a new group of their own (kept there by a regrouping);
    its wordings are theirs, so it also takes new requests worded like them."""
    with transaction.atomic():
        signals = list(
            DemandSignal.objects.select_for_update().filter(pk__in=list(signal_ids)).order_by("pk")
        )
        if not signals:
            return None
        synonyms = demand_synonyms()
        seeds: list[str] = []
        variants: list[tuple[str, ...]] = []
        for signal in signals:
            tokens = dt.words(signal.text, synonyms)
            if tokens and tokens not in variants:
                seeds.append(signal.text[:200])
                variants.append(tokens)
        first = signals[0]
        group = DemandGroup.objects.create(
            label=(label or first.text)[:200],
            category=first.category,
            key=" ".join(variants[0] if variants else ())[:200],
            seeds=seeds[: dt.MAX_VARIANTS],
            variants=[list(v) for v in variants[: dt.MAX_VARIANTS]],
        )
        _group_index(group, group.variants)
        DemandSignal.objects.filter(pk__in=[s.pk for s in signals]).update(
            group=group, group_manual=True
        )
    return group


# -- recomputing ----------------------------------------------------------------------------


@dataclass
class RegroupReport:
    signals: int = 0
    regrouped: int = 0
    kept: int = 0  # placed by staff: left where they are
    groups_removed: int = 0


def _batches(queryset: Any, size: int) -> Iterator[list[Any]]:
    """Keyset batches by primary key: flat memory, no OFFSET."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def demand_signal_regroup(
    signal: DemandSignal, synonyms: dt.Synonyms, shelves: dict[int, list[Benefit]] | None = None
) -> bool:
    """Recompute one request's words, group and held benefit; True if anything changed.
    A request placed by staff keeps its group. `shelves` keeps each tier's shelf across the
    requests of a regrouping (read once per tier, not once per request)."""
    tokens = dt.words(signal.text, synonyms)
    key = " ".join(tokens)[:200]
    held = None
    tier = signal.tier_snapshot
    if signal.benefit_id is None and signal.customer_id is not None and tier is not None:
        age = customer_age(signal.customer, timezone.localtime(signal.created_at).date())
        if shelves is not None and tier not in shelves:
            shelves[tier] = tier_shelf(tier)
        shelf = shelves[tier] if shelves is not None else None
        held = held_benefit_for(tokens, tier, synonyms, age, shelf)
    group_id = signal.group_id
    if not signal.group_manual and signal.benefit_id is None:
        group = demand_group_for(
            tokens=tokens, text=signal.text, category=signal.category, synonyms=synonyms
        )
        group_id = group.pk if group else None
    new = (key, group_id, held.pk if held else None)
    if new == (signal.text_key, signal.group_id, signal.held_benefit_id):
        return False
    signal.text_key, signal.group_id, signal.held_benefit_id = new
    signal.save(update_fields=["text_key", "group", "held_benefit"])
    return True


def _groups_refresh(synonyms: dt.Synonyms) -> None:
    """Every group's words recomputed from its seeds with today's synonyms, and reindexed."""
    for groups in _batches(DemandGroup.objects.all(), REGROUP_BATCH):
        with transaction.atomic():
            for group in groups:
                variants: list[list[str]] = []
                for seed in group.seeds:
                    words = list(dt.words(seed, synonyms))
                    if words and words not in variants:
                        variants.append(words)
                group.variants = variants
                group.key = " ".join(variants[0] if variants else [])[:200]
            DemandGroup.objects.bulk_update(groups, ["variants", "key"])
            DemandGroupTerm.objects.filter(group__in=groups).delete()
            for group in groups:
                _group_index(group, group.variants)


def _regroup(signals: Any, synonyms: dt.Synonyms, progress: Any = None) -> RegroupReport:
    """Regroup these requests in keyset batches (one transaction each), oldest first."""
    report = RegroupReport()
    shelves: dict[int, list[Benefit]] = {}
    for batch in _batches(signals.select_related("customer"), REGROUP_BATCH):
        with transaction.atomic():
            for signal in batch:
                report.signals += 1
                report.kept += int(signal.group_manual)
                report.regrouped += int(demand_signal_regroup(signal, synonyms, shelves))
        if progress is not None:
            progress(len(batch))
    return report


def demand_regroup(*, only_ungrouped: bool = False, progress: Any = None) -> RegroupReport:
    """Regroup the requests with today's synonyms, in keyset batches (one transaction each),
    oldest first as they came: the groups' words are recomputed from their seeds, each
    request joins the most alike group (or starts one), requests placed by staff stay, and
    groups left empty are removed. With `only_ungrouped`, only the requests without a group
    (written in bulk past the service, or before groups existed)."""
    synonyms = demand_synonyms()
    if only_ungrouped:
        return _regroup(ungrouped(DemandSignal.objects.all()), synonyms, progress)
    _groups_refresh(synonyms)
    report = _regroup(DemandSignal.objects.all(), synonyms, progress)
    report.groups_removed = (
        DemandGroup.objects.filter(signals__isnull=True).delete()[1].get(DemandGroup._meta.label, 0)
    )
    return report


def ungrouped(signals: Any) -> Any:
    """The requests among these that have no group yet and name no benefit."""
    return signals.filter(group__isnull=True, benefit__isnull=True)


def demand_group_missing(signals: Any) -> int:
    """Group the requests among these that have none yet (written in bulk past the service,
    e.g. by the demo and the scale seeder, or before groups existed). Returns how many.
    With none to group (requests are grouped when they are made) it is one query: the synonym
    table, OpenCC and jieba (seconds to load) are left alone."""
    pending = ungrouped(signals)
    if not pending.exists():
        return 0
    return _regroup(pending, demand_synonyms()).signals


# How far back, and how many, the desk's "asked for what they hold" lines go.
ASKED_HELD_DAYS = 180
ASKED_HELD_LINES = 3
# How many of their latest such requests are read to find those lines (one per benefit).
ASKED_HELD_READ = 50


def demand_asked_held(*, customer: Any, now: Any) -> list[DemandSignal]:
    """The customer's recent requests for a benefit their tier already holds, newest first,
    one per benefit (its latest request), with the benefit (one query): for the agent to
    show them how."""
    recent = (
        DemandSignal.objects.filter(
            customer=customer,
            held_benefit__isnull=False,
            tier_snapshot=customer.tier,
            created_at__gte=now - timedelta(days=ASKED_HELD_DAYS),
        )
        .select_related("held_benefit")
        .order_by("-created_at", "-id")[:ASKED_HELD_READ]
    )
    lines: dict[int, DemandSignal] = {}
    for signal in recent:
        if signal.held_benefit_id is not None and signal.held_benefit_id not in lines:
            lines[signal.held_benefit_id] = signal
    return list(lines.values())[:ASKED_HELD_LINES]
