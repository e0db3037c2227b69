"""Benefits find the customer: rank what a customer can use now, and say why.

Scoring is a pure function of a `RecoContext` (what the customer can use, their profile,
family, policies, recent events, own usage, and what similar customers use). The live path
and the offline evaluation (`evaluation`) both go from a benefit centre (`Bookshelf`) to
`shelf_candidates`, `family_tags` and `reco_context`, then `rank`: they differ only in how
the centre and the signals are loaded (now, or as of a past day). Only benefits the customer
can use now are ever candidates (the benefit centre decides that: tier, eligibility, quota
left, not retired). Weights live in one row product staff tune in the admin
(`RecommendationWeights`). Each recommendation says whether it can be pushed now, and if
not why (`PushAction`: no consent for any push channel, or an add-on not bought yet).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, Value
from django.db.models.functions import Cast, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from benefits.text import translated
from config.cache import safe_delete_many, safe_get, safe_get_many, safe_set
from config.db_batch import Key, Read, fetch_batch
from config.display import join_list
from config.replicas import primary_reads
from customers.models import ConsentPurpose, Customer, ProductLine, ProfileTag, Relation, Tier
from customers.selectors import (
    ConsentSet,
    customer_by_number_read,
    customer_from_rows,
    customer_id_of_read,
    customer_not_found,
)

from ..ledger.models import Redemption, RedemptionStatus
from ..ledger.selectors import (
    Bookshelf,
    Household,
    LeanOwn,
    ShelfEntry,
    bookshelf_from_rows,
    centre_statements,
    usage_recent,
)
from ..shelf.selectors import SHELF_VERSION_KEY, CellView, benefit_tags
from .error_codes import ReachErrorCode
from .models import (
    CustomerValue,
    EventKind,
    PeerUsage,
    RecommendationWeights,
    Segment,
)
from .pushes import PUSH_CONSENT
from .reco_reads import (
    consents_from_rows,
    consents_read,
    events_from_rows,
    events_read,
    segment_from_rows,
    segment_read,
    uses_from_rows,
    uses_read,
)

# What each life event makes relevant: top categories and profile tags.
EVENT_AFFINITY: dict[str, dict[str, set[str]]] = {
    EventKind.CLAIM_FILED: {"categories": {"MED"}, "tags": {"chronic_condition"}},
    EventKind.HOSPITAL_VISIT: {"categories": {"MED", "HLT"}, "tags": {"chronic_condition"}},
    EventKind.POLICY_ANNIVERSARY: {"categories": {"HLT", "WLT"}, "tags": set()},
    EventKind.BIRTHDAY: {"categories": {"GFT"}, "tags": set()},
    EventKind.TRIP_BOOKED: {"categories": {"TRV"}, "tags": {"frequent_traveller"}},
    EventKind.NEW_FAMILY_MEMBER: {"categories": set(), "tags": {"young_children", "new_parent"}},
}
PEER_MIN_SHARE = 0.15
PEER_CACHE_TTL = 3600
# Customers' worth of the whole tier's usage mixed into each age band's, so a small band's
# share leans on its tier instead of on chance.
PEER_PRIOR = 20
# A customer slipping away is won back with what they already liked: the benefits they used
# get the habit weight once more, with the reason said.
WINBACK_SEGMENTS = (Segment.AT_RISK, Segment.DORMANT)


def smoothed_share(*, users: int, size: int, tier_users: int, tier_size: int) -> float:
    """The share of an age band's `size` customers who used a benefit, with `PEER_PRIOR`
    customers' worth of the whole tier's share mixed in."""
    tier_share = tier_users / tier_size if tier_size else 0.0
    return (users + PEER_PRIOR * tier_share) / (size + PEER_PRIOR)


def age_band(age: int) -> int:
    """The decade an age falls in (0 to 90), as peers are grouped."""
    return max(0, min(age // 10 * 10, 90))


@dataclass(frozen=True)
class Candidate:
    """A benefit the customer can use now (or could buy), with what is left of it."""

    benefit_id: int
    code: str
    name_en: str
    name_zh_hans: str
    category_code: str
    tags: frozenset[str]
    remaining: int | None
    quota: int | None
    period_end: date | None
    requires_product_line: str = ""
    price: str | None = None


@dataclass
class RecoContext:
    """Everything scoring reads about one customer on one day."""

    today: date
    tier: int
    age: int
    tags: set[str]
    family_tags: dict[str, str]  # tag -> reason
    product_lines: set[str]
    events: list[tuple[str, date]]  # (kind, day), newest first
    uses: dict[int, int]  # benefit id -> completed uses in the last year
    peers: dict[int, float]  # benefit id -> share of similar customers using it
    candidates: list[Candidate]
    addons: list[Candidate] = field(default_factory=list)
    segment: str = ""  # the customer's value segment (`reach.value`), "" when not known


@dataclass(frozen=True)
class PushAction:
    """Whether the "push" action is open for a recommendation: on which channels, or why not
    (`code` is the error the push would answer with)."""

    available: bool
    channels: tuple[str, ...] = ()
    code: str = ""
    reason: str = ""


PUSH_OPEN = PushAction(available=True)


@dataclass
class Recommendation:
    code: str
    name_en: str
    name_zh_hans: str
    category: str
    score: float
    reasons: list[str]
    remaining: int | None = None
    period_end: date | None = None
    price: str | None = None
    push: PushAction = PUSH_OPEN


WEIGHTS_KEY = "reco:weights"


def weights_get(cached: Any = None) -> RecommendationWeights:
    """The tuning product staff set (cached five minutes); `cached` is what a batched cache
    read already found under WEIGHTS_KEY."""
    if cached is None:
        cached = safe_get(WEIGHTS_KEY)
    if isinstance(cached, RecommendationWeights):
        return cached
    with primary_reads():
        row = RecommendationWeights.objects.order_by("pk").first() or RecommendationWeights()
    safe_set(WEIGHTS_KEY, row, 300)
    return row


def _tag_label(tag: str) -> str:
    return str(ProfileTag(tag).label) if tag in ProfileTag.values else tag


def _name(c: Candidate) -> str:
    return translated(c, "name")


def _event_reason(label: Any, days: int) -> str:
    if not days:
        return _("%(event)s today") % {"event": label}
    return ngettext("%(event)s %(days)s day ago", "%(event)s %(days)s days ago", days) % {
        "event": label,
        "days": days,
    }


def _expiring_reason(left: int, quota: int, days: int) -> str:
    return ngettext(
        "%(left)s of %(quota)s unused, period ends in %(days)s day",
        "%(left)s of %(quota)s unused, period ends in %(days)s days",
        days,
    ) % {"left": left, "quota": quota, "days": days}


def _winback_reason(segment: str) -> str:
    if segment == Segment.DORMANT:
        return _("dormant: a benefit they liked")
    return _("at risk of leaving: a benefit they liked")


def _score(
    c: Candidate, ctx: RecoContext, w: RecommendationWeights, *, explain: bool = True
) -> tuple[float, list[str]]:
    """The score and, when asked, its reasons: ranking scores every candidate, but only the
    few shown are explained (reasons cost translations, and a 100-benefit shelf has many)."""
    score = 0.0
    reasons: list[str] = []
    for tag in sorted(c.tags & ctx.tags):
        score += w.profile_tag
        if explain:
            reasons.append(
                _("has the tag “%(tag)s”: %(benefit)s suits it")
                % {"tag": _tag_label(tag), "benefit": _name(c)}
            )
    for tag in sorted(ctx.family_tags.keys() & c.tags) if ctx.family_tags else ():
        score += w.family
        if explain:
            reasons.append(ctx.family_tags[tag])
    top = c.category_code.split(".")[0]
    for kind, day in ctx.events:
        affinity = EVENT_AFFINITY.get(kind, {})
        if top in affinity.get("categories", set()) or c.tags & affinity.get("tags", set()):
            days = (ctx.today - day).days
            score += w.life_event * (
                1.0 - min(days, w.event_window_days) / (2 * w.event_window_days)
            )
            if explain:
                reasons.append(_event_reason(EventKind(kind).label, days))
            break
    if (
        c.remaining
        and c.quota
        and c.period_end is not None
        and (c.period_end - ctx.today).days <= w.expiring_days
    ):
        score += w.expiring * c.remaining / c.quota
        if explain:
            reasons.append(_expiring_reason(c.remaining, c.quota, (c.period_end - ctx.today).days))
    share = ctx.peers.get(c.benefit_id, 0.0)
    if share:
        score += w.peers * share
        if explain and share >= PEER_MIN_SHARE:
            reasons.append(
                _("popular with %(tier)s customers aged %(low)s-%(high)s (%(pct)s%%)")
                % {
                    "tier": Tier(ctx.tier).label,
                    "low": age_band(ctx.age),
                    "high": age_band(ctx.age) + 9,
                    "pct": round(share * 100),
                }
            )
    used = ctx.uses.get(c.benefit_id, 0)
    if used:
        score += w.habit * min(used, 3) / 3
        if explain:
            reasons.append(
                ngettext(
                    "used %(n)s time in the last year", "used %(n)s times in the last year", used
                )
                % {"n": used}
            )
        if ctx.segment in WINBACK_SEGMENTS:
            score += w.habit
            if explain:
                reasons.append(_winback_reason(ctx.segment))
    else:
        score += w.novelty
        if explain:
            reasons.append(_("not used yet"))
    if c.requires_product_line and c.requires_product_line in ctx.product_lines:
        score += w.product_line
        if explain:
            reasons.append(
                _("comes with the %(line)s policy")
                % {"line": ProductLine(c.requires_product_line).label}
            )
    return round(score, 4), reasons


def _event_bonus(c: Candidate, ctx: RecoContext, w: RecommendationWeights) -> float | None:
    """The life-event part of the score: from the newest event that makes the candidate
    relevant (None: no event does)."""
    top = c.category_code.split(".")[0]
    for kind, day in ctx.events:
        affinity = EVENT_AFFINITY.get(kind, {})
        if top in affinity.get("categories", set()) or c.tags & affinity.get("tags", set()):
            days = (ctx.today - day).days
            return w.life_event * (1.0 - min(days, w.event_window_days) / (2 * w.event_window_days))
    return None


def _scorer(ctx: RecoContext, w: RecommendationWeights) -> Callable[[Candidate], float]:
    """`_score` without its reasons, with what depends only on the customer worked out once:
    ranking scores every candidate of a shelf (a hundred and more for the high-net-worth).
    The same additions in the same order as `_score`, so the same float."""
    tags, family = ctx.tags, set(ctx.family_tags)
    expiring_by = ctx.today + timedelta(days=w.expiring_days)
    winback = ctx.segment in WINBACK_SEGMENTS
    peers, uses, lines = ctx.peers, ctx.uses, ctx.product_lines

    def score(c: Candidate) -> float:
        total = 0.0
        if c.tags:
            for _tag in range(len(c.tags & tags)):
                total += w.profile_tag
            for _tag in range(len(c.tags & family)):
                total += w.family
        if ctx.events:
            bonus = _event_bonus(c, ctx, w)
            if bonus is not None:
                total += bonus
        if c.remaining and c.quota and c.period_end is not None and c.period_end <= expiring_by:
            total += w.expiring * c.remaining / c.quota
        share = peers.get(c.benefit_id, 0.0)
        if share:
            total += w.peers * share
        used = uses.get(c.benefit_id, 0)
        if used:
            total += w.habit * min(used, 3) / 3
            if winback:
                total += w.habit
        else:
            total += w.novelty
        if c.requires_product_line and c.requires_product_line in lines:
            total += w.product_line
        return round(total, 4)

    return score


def pointed_at(c: Candidate, ctx: RecoContext, w: RecommendationWeights) -> bool:
    """Whether something about the customer points at the candidate: `_score` would give it
    a reason besides "not used yet" (a tag, the family, an event, an expiring quota, peers,
    their own use, their policy)."""
    return bool(
        c.tags & ctx.tags
        or c.tags & set(ctx.family_tags)
        or (ctx.events and _event_bonus(c, ctx, w) is not None)
        or (
            c.remaining
            and c.quota
            and c.period_end is not None
            and (c.period_end - ctx.today).days <= w.expiring_days
        )
        or ctx.peers.get(c.benefit_id, 0.0) >= PEER_MIN_SHARE
        or ctx.uses.get(c.benefit_id, 0)
        or (c.requires_product_line and c.requires_product_line in ctx.product_lines)
    )


def rank(
    candidates: list[Candidate],
    ctx: RecoContext,
    weights: RecommendationWeights,
    limit: int,
    *,
    pointed: bool = False,
) -> list[Recommendation]:
    """Deterministic: by score, then code; only the `limit` shown are explained. `pointed`:
    only candidates something about the customer points at (`pointed_at`)."""
    score = _scorer(ctx, weights)
    scored = sorted(((score(c), c) for c in candidates), key=lambda sc: (-sc[0], sc[1].code))
    if pointed:
        scored = [sc for sc in scored if pointed_at(sc[1], ctx, weights)]
    return [
        Recommendation(
            code=c.code,
            name_en=c.name_en,
            name_zh_hans=c.name_zh_hans,
            category=c.category_code,
            score=score_,
            reasons=_score(c, ctx, weights)[1],
            remaining=c.remaining,
            period_end=c.period_end,
            price=c.price,
        )
        for score_, c in scored[:limit]
    ]


# -- from a benefit centre to a context: the live path and the evaluation share these ------
def _candidate(
    entry: ShelfEntry, views: Mapping[int, CellView], tags: Mapping[int, frozenset[str]]
) -> Candidate:
    view = views.get(entry.benefit_id)
    return _candidate_of(
        entry,
        tags,
        allowance=(entry.remaining, entry.quota, entry.period_end),
        requires_product_line=view.requires_product_line if view else "",
    )


def _candidate_of(
    item: ShelfEntry | CellView,
    tags: Mapping[int, frozenset[str]],
    *,
    allowance: tuple[int | None, int | None, date | None],
    requires_product_line: str = "",
    price: str | None = None,
) -> Candidate:
    """A candidate from a centre's entry or a plan's view (its benefit and texts) and what
    is left of it (remaining, quota, period end)."""
    remaining, quota, period_end = allowance
    return Candidate(
        benefit_id=item.benefit_id,
        code=item.code,
        name_en=item.name_en,
        name_zh_hans=item.name_zh_hans,
        category_code=item.category_code,
        tags=tags.get(item.benefit_id, frozenset()),
        remaining=remaining,
        quota=quota,
        period_end=period_end,
        requires_product_line=requires_product_line,
        price=price,
    )


def _own_candidates(lean: LeanOwn, tags: Mapping[int, frozenset[str]]) -> list[Candidate]:
    """A lean centre's own-tier candidates, from its plan's views and what each one's cell
    leaves (no entry made)."""
    candidates = []
    for view in lean.plan.views:
        left = lean.allowance(view)
        if left.remaining == 0:
            continue
        candidates.append(
            _candidate_of(
                view,
                tags,
                allowance=(left.remaining, left.quota, left.period_end),
                requires_product_line=view.requires_product_line,
            )
        )
    return candidates


def shelf_candidates(shelf: Bookshelf, tags: Mapping[int, frozenset[str]]) -> list[Candidate]:
    """What a benefit centre lets the customer use now, once per benefit: the first entry
    with uses left in the centre's order (own tier, then purchases, then family shares)."""
    views = {v.benefit_id: v for v in shelf.cells.get(shelf.customer.tier, [])}
    candidates = _own_candidates(shelf.lean, tags) if shelf.lean is not None else []
    seen: set[int] = {c.benefit_id for c in candidates}
    for entry in shelf.entries:
        if entry.remaining == 0 or entry.benefit_id in seen:
            continue
        seen.add(entry.benefit_id)
        candidates.append(_candidate(entry, views, tags))
    return candidates


def addon_candidates(shelf: Bookshelf, tags: Mapping[int, frozenset[str]]) -> list[Candidate]:
    """The paid add-ons the benefit centre says the customer could buy."""
    return [
        _candidate_of(v, tags, allowance=(None, None, None), price=v.price)
        for v in shelf.purchasable
    ]


def family_tags(household: Household, today: date) -> dict[str, str]:
    """Family composition read from the household: young children, elderly parents (who also
    make the family `senior`), each with the reason shown."""
    found: dict[str, str] = {}
    for relative, relation in household.relatives:
        age = relative.age_on(today)
        if relation == Relation.CHILD and age < 12:
            found["young_children"] = _("a child aged %(age)s in the family") % {"age": age}
        if relation == Relation.PARENT and age >= 65:
            found["elderly_parents"] = _("a parent aged %(age)s in the family") % {"age": age}
            found.setdefault("senior", found["elderly_parents"])
    return found


def reco_context(
    *,
    shelf: Bookshelf,
    candidates: list[Candidate],
    events: list[tuple[str, date]],
    uses: dict[int, int],
    peers: dict[int, float],
) -> RecoContext:
    """Everything scoring reads, from the customer's benefit centre (on its day) and the
    signals loaded beside it: their events, own uses and peers' shares."""
    customer, today = shelf.customer, shelf.today
    return RecoContext(
        today=today,
        tier=customer.tier,
        age=customer.age_on(today),
        tags=set(customer.tags or []),
        family_tags=family_tags(shelf.household, today),
        product_lines=set(shelf.household.lines_of(customer.pk)),
        events=events,
        uses=uses,
        peers=peers,
        candidates=candidates,
    )


# -- the live path ---------------------------------------------------------------------------
def _peer_key(tier: int, band: int) -> str:
    return f"reco:peers:{tier}:{band}"


def peer_shares(*, tier: int, band: int, cached: Any = None) -> dict[int, float]:
    """What share of the customer's peers (tier, age band) used each benefit; `cached` as for
    `weights_get`."""
    key = _peer_key(tier, band)
    if cached is None:
        cached = safe_get(key)
    if cached is not None:
        return dict(cached)
    with primary_reads():  # cached for everyone: never a lagging replica's copy
        shares = dict(
            PeerUsage.objects.filter(tier=tier, age_band=band).values_list("benefit_id", "share")
        )
    safe_set(key, shares, PEER_CACHE_TTL)
    return shares


# The peers' shares change only when the nightly job recomputes them, which sets a new
# version here: a process keeps the shares it read under the version it read them at, and a
# read that brought the version with its first cache round trip needs no second one.
PEERS_VERSION_KEY = "reco:peers:version"
PEERS_VERSION_TTL = 7 * 24 * 3600  # set again by every nightly run, and when found missing
_peers_memo: dict[Any, Any] = {"version": None}


def _peers_version_new() -> None:
    """A new version of the peers' shares: every process reads them afresh (any value new
    is safe; a version found missing is started the same way)."""
    safe_set(PEERS_VERSION_KEY, secrets.token_hex(8), PEERS_VERSION_TTL)


def peer_shares_at(*, tier: int, band: int, version: Any) -> dict[int, float]:
    """`peer_shares`, from this process's memo while the peers' `version` (None: unknown)
    is the one they were read at."""
    global _peers_memo
    memo = _peers_memo
    if version is not None and memo["version"] == version and (tier, band) in memo:
        return dict(memo[(tier, band)])
    shares = peer_shares(tier=tier, band=band)
    if version is None:
        _peers_version_new()  # missing (or the cache is down: then this does nothing)
    else:
        if memo["version"] != version:
            memo = _peers_memo = {"version": version}
        memo[(tier, band)] = dict(shares)
    return shares


def recent_uses(*, customer: Customer, today: date) -> dict[int, int]:
    """Completed uses in the last twelve months, from the monthly rollup (`ledger.usage`)."""
    return usage_recent(customer_id=customer.pk, today=today)


def recent_events(*, customer: Customer, today: date, days: int) -> list[tuple[str, date]]:
    """The customer's events in the window, newest first: the statement the live read sends
    in its batch (`reco_reads.events_read`), on its own."""
    (rows,) = fetch_batch([events_read(customer.pk, today, days)])
    return events_from_rows(rows)


@dataclass
class RecommendationSet:
    customer: Customer
    recommendations: list[Recommendation]
    you_might_add: list[Recommendation]
    consents: ConsentSet | None = None


def push_actions(consents: ConsentSet) -> tuple[PushAction, PushAction]:
    """The push action of a benefit the customer can use, and of an add-on they could buy."""
    channels = tuple(ch for ch, purpose in PUSH_CONSENT.items() if consents.valid(purpose))
    if channels:
        usable = PushAction(available=True, channels=channels)
    else:
        usable = PushAction(
            available=False,
            code=ReachErrorCode.CONSENT_REQUIRED.value,
            reason=_("No consent for any push channel (%(purposes)s): ask the customer first.")
            % {"purposes": join_list(ConsentPurpose(p).label for p in PUSH_CONSENT.values())},
        )
    addon = PushAction(
        available=False,
        code=ReachErrorCode.PUSH_NOT_USABLE.value,
        reason=_("Not on the customer's shelf yet: an add-on is pushed once it is bought."),
    )
    return usable, addon


def customer_segment(customer: Customer) -> str:
    """The customer's value segment from last night's profile ("" before the first)."""
    (rows,) = fetch_batch([segment_read(customer.pk)])
    return segment_from_rows(rows)


_UNSET: Any = object()
# This process's benefit tags and the shelf version they were read at: a read whose cache
# round trip (weights, peers) also brought that version needs no version check of its own.
_tags_memo: tuple[Any, dict[int, frozenset[str]]] = (None, {})


def _benefit_tags_at(version: Any) -> dict[int, frozenset[str]]:
    """Which profile tags each benefit suits, at the shelf `version` the caller just read
    (None: not known, ask the shelf cache)."""
    global _tags_memo
    if version is not None and _tags_memo[0] == version:
        return _tags_memo[1]
    tags = benefit_tags()
    if version is not None:
        _tags_memo = (version, tags)
    return tags


@dataclass
class CustomerSignals:
    """What the one statement read about the customer besides their benefit centre."""

    shelf: Bookshelf
    events: list[tuple[str, date]]
    uses: dict[int, int]
    segment: str
    consents: ConsentSet


def _signal_reads(
    who: Key, today: date, at: datetime, event_days: int, segment: bool
) -> list[Read]:
    reads = [
        *centre_statements(who, today),
        events_read(who, today, event_days),
        uses_read(who, today),
        consents_read(who, at),
    ]
    if segment:
        reads.append(segment_read(who))
    return reads


def _signals_from_rows(
    customer: Customer, rows: list[Any], *, today: date, at: datetime, segment: bool
) -> CustomerSignals:
    n = len(rows) - (4 if segment else 3)
    return CustomerSignals(
        shelf=bookshelf_from_rows(customer, rows[:n], today=today, lean=True),
        events=events_from_rows(rows[n]),
        uses=uses_from_rows(rows[n + 1]),
        consents=consents_from_rows(customer.pk, at, rows[n + 2]),
        segment=segment_from_rows(rows[n + 3]) if segment else "",
    )


def customer_signals(
    *, customer: Customer, today: date, event_days: int, with_segment: bool
) -> CustomerSignals:
    """The benefit centre, the events of the window, the year's uses, the value segment (when
    asked) and the consents: every per-customer read in one statement (`fetch_batch`)."""
    at = timezone.now()
    rows = fetch_batch(_signal_reads(Key.of(customer.pk), today, at, event_days, with_segment))
    return _signals_from_rows(customer, rows, today=today, at=at, segment=with_segment)


def recommendations_for_customer(
    *,
    customer: Customer,
    limit: int = 5,
    today: date | None = None,
    value: CustomerValue | None = _UNSET,
) -> RecommendationSet:
    """Ranked, explained, always usable: the agent's and the app's "what suits them now".
    `value`: the customer's value profile when the caller already read it (the desk), else
    its segment is read here (in the same statement)."""
    today = today or timezone.localdate()
    band = age_band(customer.age_on(today))
    peer_key = _peer_key(customer.tier, band)
    # The tuning, the peers' shares and the shelf version in one cache round trip.
    cached = safe_get_many([WEIGHTS_KEY, peer_key, SHELF_VERSION_KEY])
    weights = weights_get(cached.get(WEIGHTS_KEY))
    signals = customer_signals(
        customer=customer,
        today=today,
        event_days=weights.event_window_days,
        with_segment=value is _UNSET,
    )
    if value is not _UNSET:
        signals.segment = value.segment if value is not None else ""
    peers = peer_shares(tier=customer.tier, band=band, cached=cached.get(peer_key))
    return _recommended(signals, weights, peers, cached.get(SHELF_VERSION_KEY), limit)


def recommendations_by_number(
    *, customer_no: str, limit: int = 5, today: date | None = None
) -> RecommendationSet:
    """The same for a caller who may see any customer (an API client): the customer is read
    in the statement of their signals (404 if there is none, or was erased); the peers'
    shares, which need the customer's tier and age, come from the process's memo under the
    peers' version read with the weights (a second cache round trip only when it moved)."""
    today = today or timezone.localdate()
    cached = safe_get_many([WEIGHTS_KEY, SHELF_VERSION_KEY, PEERS_VERSION_KEY])
    weights = weights_get(cached.get(WEIGHTS_KEY))
    at = timezone.now()
    reads = _signal_reads(customer_id_of_read(0), today, at, weights.event_window_days, True)
    found, *rows = fetch_batch([customer_by_number_read(customer_no, profile=True), *reads])
    customer = customer_from_rows(found, profile=True)
    if customer.erased_at is not None:
        raise customer_not_found()
    signals = _signals_from_rows(customer, rows, today=today, at=at, segment=True)
    band = age_band(customer.age_on(today))
    peers = peer_shares_at(tier=customer.tier, band=band, version=cached.get(PEERS_VERSION_KEY))
    return _recommended(signals, weights, peers, cached.get(SHELF_VERSION_KEY), limit)


def _recommended(
    signals: CustomerSignals, weights: Any, peers: dict[int, float], version: Any, limit: int
) -> RecommendationSet:
    shelf = signals.shelf
    tags = _benefit_tags_at(version)
    candidates = shelf_candidates(shelf, tags)
    ctx = reco_context(
        shelf=shelf, candidates=candidates, events=signals.events, uses=signals.uses, peers=peers
    )
    ctx.segment = signals.segment
    usable, addon = push_actions(signals.consents)
    recommendations = rank(candidates, ctx, weights, limit)
    ranked_addons = rank(addon_candidates(shelf, tags), ctx, weights, 3, pointed=True)
    for r in recommendations:
        r.push = usable
    for r in ranked_addons:
        r.push = addon
    return RecommendationSet(
        customer=shelf.customer,
        recommendations=recommendations,
        you_might_add=ranked_addons,
        consents=signals.consents,
    )


# -- the peer signal, refreshed by a nightly job -----------------------------------------------
def peer_usage_refresh(*, today: date | None = None, days: int = 365) -> int:
    """Recompute PeerUsage from the last year of redemptions, in SQL (GROUP BY): for every
    tier, age band and benefit the tier used, the band's share smoothed towards the tier's."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    year = today.year
    band_expr = Cast((Value(year) - ExtractYear("holder__birth_date")) / 10 * 10, IntegerField())
    used = (
        Redemption.objects.filter(
            status=RedemptionStatus.COMPLETED,
            created_at__date__gte=since,
            created_at__date__lte=today,
        )
        .annotate(band=band_expr)
        .values("tier_snapshot", "band", "benefit_id")
        .annotate(users=Count("holder_id", distinct=True))
        .order_by()
    )
    band_users: dict[tuple[int, int, int], int] = defaultdict(int)
    tier_users: dict[tuple[int, int], int] = defaultdict(int)
    for r in used:
        band = age_band(max(r["band"] or 0, 0))
        band_users[(r["tier_snapshot"], band, r["benefit_id"])] += r["users"]
        tier_users[(r["tier_snapshot"], r["benefit_id"])] += r["users"]
    sizes: dict[tuple[int, int], int] = defaultdict(int)
    tier_sizes: dict[int, int] = defaultdict(int)
    customer_band = Cast((Value(year) - ExtractYear("birth_date")) / 10 * 10, IntegerField())
    for row in (
        Customer.objects.annotate(band=customer_band)
        .values("tier", "band")
        .annotate(n=Count("id"))
        .order_by()
    ):
        sizes[(row["tier"], age_band(max(row["band"] or 0, 0)))] += row["n"]
        tier_sizes[row["tier"]] += row["n"]
    now = timezone.now()
    rows = []
    for (tier, benefit_id), t_users in tier_users.items():
        for (size_tier, band), size in sizes.items():
            if size_tier != tier:
                continue
            users = band_users.get((tier, band, benefit_id), 0)
            rows.append(
                PeerUsage(
                    tier=tier,
                    age_band=band,
                    benefit_id=benefit_id,
                    users=users,
                    customers=size,
                    share=smoothed_share(
                        users=users, size=size, tier_users=t_users, tier_size=tier_sizes[tier]
                    ),
                    computed_at=now,
                )
            )
    with transaction.atomic():
        PeerUsage.objects.all().delete()
        PeerUsage.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    safe_delete_many([_peer_key(t, b) for t in Tier.values for b in range(0, 100, 10)])
    _peers_version_new()
    return len(rows)


__all__: list[Any] = [
    "PushAction",
    "RecommendationSet",
    "addon_candidates",
    "family_tags",
    "peer_usage_refresh",
    "push_actions",
    "rank",
    "reco_context",
    "recommendations_for_customer",
    "shelf_candidates",
]
