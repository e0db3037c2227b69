"""The benefit centre: every benefit a customer can use now, by source, with what is left.

`bookshelf_for_customer` is the hot path. It runs a fixed number of queries whatever the
number of benefits and family members: family links, in-force policies of the household,
quota balances of the household, the customer's purchases; shelf cells come from a per-tier
cache that any change to the shelf invalidates (`bookshelf.shelf`). What is left of each
benefit is worked out by `allowance`, the same computation the redemption spends with.

Its queries are hand-written SQL (portable: SQLite and PostgreSQL) returning tuples: building
an ORM query costs several times what the indexed lookup itself costs, on every request
(`make bench`, goal 1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.utils import timezone

from benefits.text import short_form
from config.db_batch import Key, Read, fetch_batch
from customers.models import Customer

from ..shelf.selectors import (
    CellView,
    EligibilityRules,
    eligibility_key,
    eligibility_problem,
    eligibility_rules,
    period_bounds,
    plain,
    shelf_cells_and_purchasable,
)
from .allowance import (
    Allowance,
    Draw,
    draw_allowance,
    family_draws,
    own_views,
    purchase_allowance,
)
from .household import (
    HOUSEHOLD_IDS_SQL,
    Household,
    household_from_rows,
    household_statements,
)
from .models import Source

Balances = dict[tuple[int, int, date], tuple[int, int]]
# Of a balance's uses, those still held for a supplier (same key as `Balances`).
Holds = dict[tuple[int, int, date], int]
NONE_USED = (0, 0)
Period = tuple[date, date | None]


@dataclass(slots=True)
class ShelfEntry:
    """One benefit a customer can use now, from one source. What is left comes from its
    `allowance` (the one computation the redemption spends with), copied into plain fields
    once: the hot path reads them for every benefit. The catalogue texts are the cell
    view's (`view`), read through it rather than copied: an entry is made for every
    benefit of every read."""

    benefit_id: int
    code: str
    view: CellView
    shareable: bool
    allowance: Allowance
    source: str
    quota: int | None
    used: int
    remaining: int | None
    period_start: date | None
    period_end: date | None
    holder_no: str
    purchase_id: int | None = None
    family_quota: int = 0  # own tier: how many of the period's uses family may take
    family_used: int = 0
    # Of `used`, the uses still held for a supplier (requested, booked or issued, not yet
    # delivered): they count against the quota, so `remaining` already leaves them out. A
    # family entry's is 0: its balance does not split its holds between holder and family;
    # `balance_held` (the holds on the relative's balance) says whether any could be theirs.
    held: int = 0
    balance_held: int = 0

    # The benefit's catalogue texts, both languages (`benefits.text.chooser` picks).
    @property
    def name_en(self) -> str:
        return self.view.name_en

    @property
    def name_zh_hans(self) -> str:
        return self.view.name_zh_hans

    @property
    def category_code(self) -> str:
        return self.view.category_code

    @property
    def category_name_en(self) -> str:
        return self.view.category_name_en

    @property
    def category_name_zh_hans(self) -> str:
        return self.view.category_name_zh_hans

    @property
    def how_to_use_en(self) -> str:
        return self.view.how_to_use_en

    @property
    def how_to_use_zh_hans(self) -> str:
        return self.view.how_to_use_zh_hans

    @property
    def unit_en(self) -> str:
        return self.view.unit_en

    @property
    def unit_zh_hans(self) -> str:
        return self.view.unit_zh_hans

    @property
    def summary_en(self) -> str:
        return self.view.summary_en

    @property
    def summary_zh_hans(self) -> str:
        return self.view.summary_zh_hans


class PlanCategory(NamedTuple):
    """One category of an `OwnPlan`: its names, its views in order, their period kinds and
    benefit ids."""

    name_en: str
    name_zh_hans: str
    views: tuple[CellView, ...]
    kinds: tuple[str, ...]
    ids: frozenset[int]


@dataclass(frozen=True)
class OwnPlan:
    """The cells of the customer's own tier they may draw on, in the centre's order, and
    grouped by category: the same for every customer of the tier alike in all eligibility
    reads of them (`eligibility_key`), so it is worked out once per process for them
    (`own_plan`) and kept while this version of the shelf lasts."""

    views: tuple[CellView, ...]
    by_id: dict[int, CellView]
    order: dict[int, int]  # a benefit's place among `views`
    kinds: frozenset[str]  # the period kinds of `views`
    categories: dict[str, PlanCategory]  # by code, in code order
    # What a reader renders from the plan and keeps with it (the API's JSON).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class LeanOwn:
    """A lean assembly's own tier (`bookshelf_assemble(lean=True)`): the plan, the
    customer's period of each kind, and the counters of the benefits the customer has
    touched this period (a balance row, a hold). Each entry is made only when asked for
    (`entry`): it is a pure function of its view, period, counters and holds (and the
    customer), so a reader may render one once for every customer alike in those."""

    customer: Customer
    plan: OwnPlan
    periods: dict[str, Period]
    # (used, family used) and uses held, by benefit: what the balance row of the view's
    # current period says.
    touched: dict[int, tuple[tuple[int, int], int]]

    def allowance(self, view: CellView) -> Allowance:
        """What the customer's own cell of one of the plan's views leaves: its entry's
        allowance, without making the entry."""
        customer = self.customer
        draw = Draw(Source.TIER, customer, view, customer.pk)
        (used, family_used), _on_hold = self.touched.get(view.benefit_id, (NONE_USED, 0))
        return draw_allowance(
            draw, period=self.periods[view.period], used=used, family_used=family_used
        )

    def entry(self, view: CellView, *, untouched: bool = False) -> ShelfEntry:
        """The entry of one of the plan's views, at the customer's counters (`untouched`: as
        it would be had they touched nothing)."""
        customer = self.customer
        draw = Draw(Source.TIER, customer, view, customer.pk)
        counters, on_hold = (
            (NONE_USED, 0) if untouched else self.touched.get(view.benefit_id, (NONE_USED, 0))
        )
        return own_entry(draw, self.periods[view.period], counters, on_hold)


@dataclass
class Bookshelf:
    customer: Customer
    household: Household
    today: date
    entries: list[ShelfEntry] = field(default_factory=list)
    purchasable: list[CellView] = field(default_factory=list)
    cells: dict[int, list[CellView]] = field(default_factory=dict)
    # A lean assembly's own tier: `entries` then holds purchases and family shares only.
    lean: LeanOwn | None = None

    def entries_by_category(self) -> list[tuple[str, str, str, list[ShelfEntry]]]:
        """(category code, its English name, its Chinese name, its entries) by code."""
        groups: dict[str, list[ShelfEntry]] = defaultdict(list)
        names: dict[str, tuple[str, str]] = {}
        for entry in self.entries:
            view = entry.view
            groups[view.category_code].append(entry)
            names[view.category_code] = (view.category_name_en, view.category_name_zh_hans)
        return [(code, *names[code], groups[code]) for code in sorted(groups)]


def entry_for(
    view: CellView,
    allowance: Allowance,
    *,
    family_quota: int = 0,
    family_used: int = 0,
    held: int = 0,
    balance_held: int = 0,
) -> ShelfEntry:
    """A benefit-centre entry: the benefit's catalogue text and what the allowance leaves
    (one constructor call: it runs for every benefit of every read)."""
    return ShelfEntry(
        benefit_id=view.benefit_id,
        code=view.code,
        view=view,
        shareable=view.shareable,
        allowance=allowance,
        source=allowance.source,
        quota=allowance.quota,
        used=allowance.used,
        remaining=allowance.remaining,
        period_start=allowance.period_start,
        period_end=allowance.period_end,
        holder_no=allowance.holder_no,
        purchase_id=allowance.purchase_id,
        family_quota=family_quota,
        family_used=family_used,
        held=held,
        balance_held=balance_held,
    )


def purchase_entry(
    view: CellView,
    *,
    purchase_id: int,
    holder: Customer,
    granted: int,
    used: int,
    valid_from: date,
    valid_until: date,
) -> ShelfEntry:
    """A purchase as the benefit centre lists it, from the bought benefit's view and the
    purchase's counters: what `centre_statements` reads in SQL, for callers holding rows of
    their own (the recommender's evaluation, as of a past day)."""
    return entry_for(
        view,
        purchase_allowance(
            purchase_id=purchase_id,
            holder=holder,
            granted=granted,
            used=used,
            valid_from=valid_from,
            valid_until=valid_until,
        ),
    )


_BALANCES_SQL = (
    "SELECT holder_id, benefit_id, period_start, used, family_used, held "
    "FROM bookshelf_quotabalance WHERE holder_id IN ({ids}) "
    "AND period_start <= %s AND (period_end IS NULL OR period_end >= %s)"
)


def balances_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[Balances, Holds]:
    balances: Balances = {}
    holds: Holds = {}
    for h, b, start, used, family, held in rows:
        balances[(h, b, start)] = (used, family)
        if held:
            holds[(h, b, start)] = held
    return balances, holds


_PURCHASE_ENTRIES_SQL = (
    "SELECT p.id, p.uses_granted, p.uses_used, p.uses_held, p.valid_from, p.valid_until, "
    "b.id, b.code, b.name_en, b.name_zh_hans, cat.path_code, cat.name_en, cat.name_zh_hans, "
    "b.how_to_use_en, b.how_to_use_zh_hans, b.unit_en, b.unit_zh_hans, b.shareable, "
    "b.description_en, b.description_zh_hans "
    "FROM bookshelf_purchase p JOIN benefits_benefit b ON b.id = p.benefit_id "
    "JOIN benefits_category cat ON cat.id = b.category_id "
    "WHERE p.customer_id = {who} AND p.valid_until >= %s AND p.valid_from <= %s "
    # A purchase whose last uses are held stays listed until they are delivered.
    "AND (p.uses_used < p.uses_granted OR p.uses_held > 0) ORDER BY p.valid_until, p.id"
)


def purchase_entries_from_rows(
    customer: Customer, rows: Iterable[Sequence[Any]]
) -> list[ShelfEntry]:
    return [
        entry_for(
            CellView(
                tier=-1,
                benefit_id=benefit_id,
                code=code,
                name_en=name_en or "",
                name_zh_hans=name_zh_hans or "",
                category_code=category_code,
                category_name_en=category_name_en or "",
                category_name_zh_hans=category_name_zh_hans or "",
                top_code=category_code.split(".")[0],
                how_to_use_en=how_to_use_en or "",
                how_to_use_zh_hans=how_to_use_zh_hans or "",
                unit_en=unit_en or "",
                unit_zh_hans=unit_zh_hans or "",
                status="",
                shareable=bool(shareable),
                price=None,
                period="",
                quota=None,
                family_quota=0,
                summary_en=short_form(description_en or ""),
                summary_zh_hans=short_form(description_zh_hans or ""),
            ),
            purchase_allowance(
                purchase_id=purchase_id,
                holder=customer,
                granted=granted,
                used=spent,
                valid_from=valid_from,
                valid_until=valid_until,
            ),
            held=held,
            balance_held=held,
        )
        for (
            purchase_id,
            granted,
            spent,
            held,
            valid_from,
            valid_until,
            benefit_id,
            code,
            name_en,
            name_zh_hans,
            category_code,
            category_name_en,
            category_name_zh_hans,
            how_to_use_en,
            how_to_use_zh_hans,
            unit_en,
            unit_zh_hans,
            shareable,
            description_en,
            description_zh_hans,
        ) in rows
    ]


def period_finder(household: Household, today: date) -> Callable[[int, str], Period]:
    """The bounds of a holder's period of a kind, worked out once per holder and kind (most
    cells share a period kind)."""
    bounds: dict[tuple[int, str], Period] = {}

    def period_of(holder_id: int, period: str) -> Period:
        found = bounds.get((holder_id, period))
        if found is None:
            found = bounds[(holder_id, period)] = period_bounds(
                period, today, household.anchors.get(holder_id)
            )
        return found

    return period_of


def own_entry(draw: Draw, period: Period, counters: tuple[int, int], on_hold: int) -> ShelfEntry:
    """The entry of a draw on the customer's own tier cell at its balance's counters."""
    used, family_used = counters
    view = draw.view
    return entry_for(
        view,
        draw_allowance(draw, period=period, used=used, family_used=family_used),
        family_quota=view.family_quota,
        family_used=family_used,
        held=on_hold,
        balance_held=on_hold,
    )


def _own_entries(
    household: Household,
    cells: dict[int, list[CellView]],
    balances: Balances,
    holds: Holds,
    *,
    today: date,
) -> list[ShelfEntry]:
    """The customer's own tier entries, each at its balance's counters (the cells they may
    draw on from their `own_plan`)."""
    customer = household.customer
    me = customer.pk
    period_of = period_finder(household, today)
    own: list[ShelfEntry] = []
    for view in own_plan(household, cells, today).views:
        period = period_of(me, view.period)
        key = (me, view.benefit_id, period[0])
        draw = Draw(Source.TIER, customer, view, me)
        own.append(own_entry(draw, period, balances.get(key, NONE_USED), holds.get(key, 0)))
    return own


# Kept with the first view of a tier's cells (whose memo lives as long as this version of the
# shelf in this process): at most this many plans per tier.
PLANS_KEPT = 512


def own_plan(household: Household, cells: dict[int, list[CellView]], today: date) -> OwnPlan:
    """The customer's `OwnPlan`: `own_views`, once per list of tier cells, day and
    eligibility key. Kept with the list's first view (so it lives as long as this version of
    the shelf in this process), under the list's identity: a caller's own list starting
    with the same view gets a plan of its own."""
    customer = household.customer
    tier_cells = cells.get(customer.tier) or []
    memo = tier_cells[0].memo if tier_cells else {}
    kept_rules: tuple[list[CellView], EligibilityRules] | None = memo.get(("rules", id(tier_cells)))
    if kept_rules is None or kept_rules[0] is not tier_cells:
        kept_rules = memo[("rules", id(tier_cells))] = (tier_cells, eligibility_rules(tier_cells))
    elig = eligibility_key(kept_rules[1], household.lines_of(customer.pk), customer, today)
    key = ("own plan", id(tier_cells), today, elig)
    found: tuple[list[CellView], OwnPlan] | None = memo.get(key)
    if found is not None and found[0] is tier_cells:
        return found[1]
    plan = _plan_of(tuple(own_views(household, cells, today=today)))
    if len(memo) < PLANS_KEPT:
        memo[key] = (tier_cells, plan)
    return plan


def _plan_of(views: tuple[CellView, ...]) -> OwnPlan:
    groups: dict[str, list[CellView]] = defaultdict(list)
    for view in views:
        groups[view.category_code].append(view)
    return OwnPlan(
        views=views,
        by_id={v.benefit_id: v for v in views},
        order={v.benefit_id: n for n, v in enumerate(views)},
        kinds=frozenset(v.period for v in views),
        categories={
            code: PlanCategory(
                g[0].category_name_en,
                g[0].category_name_zh_hans,
                tuple(g),
                tuple(sorted({v.period for v in g})),
                frozenset(v.benefit_id for v in g),
            )
            for code, g in sorted(groups.items())
        },
    )


def _lean_own(
    household: Household,
    cells: dict[int, list[CellView]],
    balances: Balances,
    holds: Holds,
    *,
    today: date,
) -> LeanOwn:
    """The own tier of a lean assembly: the plan, and the counters of each of its benefits
    with a balance row or a hold of the view's current period (the key `_own_entries`
    looks up)."""
    customer = household.customer
    me = customer.pk
    plan = own_plan(household, cells, today)
    period_of = period_finder(household, today)
    lean = LeanOwn(customer, plan, {k: period_of(me, k) for k in plan.kinds}, {})
    found = {(b, start) for h, b, start in balances if h == me}
    found.update((b, start) for h, b, start in holds if h == me)
    for benefit_id, start in found:
        view = plan.by_id.get(benefit_id)
        if view is not None and lean.periods[view.period][0] == start:
            key = (me, benefit_id, start)
            lean.touched[benefit_id] = (balances.get(key, NONE_USED), holds.get(key, 0))
    return lean


def bookshelf_assemble(
    *,
    household: Household,
    cells: dict[int, list[CellView]],
    purchasable: list[CellView],
    balances: Balances,
    purchases: list[ShelfEntry],
    today: date,
    holds: Holds | None = None,
    lean: bool = False,
) -> Bookshelf:
    """The benefit centre from rows already loaded: own tier first, then purchases, then
    family shares; add-ons the customer could buy but does not hold apart. A pure function
    of its arguments (the live read loads them; the recommender's evaluation gives the
    state as of a past day, without `holds`). With `lean`, the own tier is `shelf.lean`
    (its plan and the touched benefits' counters) and `entries` holds the rest only."""
    customer = household.customer
    holds = holds or {}
    shelf = Bookshelf(customer=customer, household=household, today=today, cells=cells)
    if lean:
        shelf.lean = _lean_own(household, cells, balances, holds, today=today)
        own: list[ShelfEntry] = []
        family = _family_entries(household, cells, balances, holds, today=today)
        held: Collection[int] = shelf.lean.plan.by_id.keys()
    else:
        own = _own_entries(household, cells, balances, holds, today=today)
        family = _family_entries(household, cells, balances, holds, today=today)
        held = {e.benefit_id for e in own}
    shelf.entries = [*own, *purchases, *family]
    lines = household.lines_of(customer.pk)
    for view in purchasable:
        if view.benefit_id in held:
            continue
        if not plain(view) and eligibility_problem(
            view, holder_lines=lines, beneficiary=customer, today=today
        ):
            continue
        shelf.purchasable.append(view)
    return shelf


def _family_entries(
    household: Household,
    cells: dict[int, list[CellView]],
    balances: Balances,
    holds: Holds,
    *,
    today: date,
) -> list[ShelfEntry]:
    period_of = period_finder(household, today)
    family: list[ShelfEntry] = []
    for draw in family_draws(household, cells, today=today):
        view = draw.view
        period = period_of(draw.holder_id, view.period)
        key = (draw.holder_id, view.benefit_id, period[0])
        used, family_used = balances.get(key, NONE_USED)
        allowance = draw_allowance(draw, period=period, used=used, family_used=family_used)
        family.append(entry_for(view, allowance, balance_held=holds.get(key, 0)))
    return family


def centre_statements(who: Key, today: date) -> list[Read]:
    """The customer's own reads of the benefit centre, independent of each other: family,
    the household's policies, its balances, the customer's purchases. They go in one
    statement (`fetch_batch`), and a caller with reads of its own (the API's customer, open
    requests and used-up budgets) sends those in the same one; `who` is the customer's id
    or a subquery finding it."""
    balances = _BALANCES_SQL.format(ids=HOUSEHOLD_IDS_SQL.format(who=who.sql))
    return [
        *household_statements(who),
        Read(balances, [*who.at(2), today, today], 6, dates=(2,)),
        Read(_PURCHASE_ENTRIES_SQL.format(who=who.sql), [*who.at(1), today, today], 20, (4, 5)),
    ]


def bookshelf_from_rows(
    customer: Customer, rows: list[list[Any]], *, today: date | None = None, lean: bool = False
) -> Bookshelf:
    """The benefit centre from the rows of `centre_statements` (in their order); the shelf
    cells come from the per-tier cache. `lean`: see `bookshelf_assemble`."""
    today = today or timezone.localdate()
    relatives, policies, balance_rows, purchase_rows = rows
    household = household_from_rows(customer, relatives, policies)
    cells, purchasable = shelf_cells_and_purchasable({m.tier for m in household.members})
    balances, holds = balances_from_rows(balance_rows)
    return bookshelf_assemble(
        household=household,
        cells=cells,
        purchasable=purchasable,
        balances=balances,
        purchases=purchase_entries_from_rows(customer, purchase_rows),
        today=today,
        holds=holds,
        lean=lean,
    )


def bookshelf_for_customer(*, customer: Customer, today: date | None = None) -> Bookshelf:
    """Every benefit the customer can use now, by source, with quota, used and remaining:
    four reads in one statement, and the shelf from its cache."""
    today = today or timezone.localdate()
    rows = fetch_batch(centre_statements(Key.of(customer.pk), today))
    return bookshelf_from_rows(customer, rows, today=today)
