"""Read paths of the shelf: what a customer holds, what is left, what they could buy.

`bookshelf_for_customer` is the hot path. It runs a fixed number of queries whatever the
number of benefits and family members: family links, in-force policies of the household,
quota balances of the household, the customer's purchases; shelf cells come from a per-tier
cache that any change to the shelf invalidates (see `shelf_cache`).

Its queries are hand-written SQL (portable: SQLite and PostgreSQL) returning tuples: building
an ORM query costs several times what the indexed lookup itself costs, on every request
(`make bench`, goal 1). They read exactly what the ORM versions read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import USABLE_STATUSES, Benefit, BenefitStatus, Category
from customers.models import (
    Customer,
    Policy,
    PolicyStatus,
    ProductLine,
    Tier,
    TierChange,
    TierOverride,
)
from customers.selectors import tier_from_premium, tier_override_active, tier_rules_list

from . import shelf_cache
from .error_codes import BookshelfErrorCode
from .models import (
    Eligibility,
    Purchase,
    Push,
    Redemption,
    RedemptionStatus,
    ShelfCell,
    Source,
)
from .periods import period_bounds


@dataclass(frozen=True)
class CellView:
    """A shelf cell joined with its benefit, category and eligibility: plain, cacheable data."""

    tier: int
    benefit_id: int
    code: str
    name: str
    name_zh: str
    category_code: str
    category_name: str
    category_name_zh: str
    top_code: str
    how_to_use: str
    unit: str
    status: str
    shareable: bool
    price: str | None
    period: str
    quota: int | None
    family_quota: int
    requires_product_line: str = ""
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class Ineligible:
    code: BookshelfErrorCode
    message: str


@dataclass
class ShelfEntry:
    """One benefit a customer can use now, from one source."""

    benefit_id: int
    code: str
    name: str
    name_zh: str
    category_code: str
    category_name: str
    category_name_zh: str
    how_to_use: str
    unit: str
    source: str
    quota: int | None
    used: int
    remaining: int | None
    period_start: date | None
    period_end: date | None
    shareable: bool
    holder_no: str
    purchase_id: int | None = None
    family_quota: int = 0
    family_used: int = 0


@dataclass
class Household:
    """The customer, their family and what the household's policies say."""

    customer: Customer
    relatives: list[tuple[Customer, str]]
    product_lines: dict[int, set[str]]
    anchors: dict[int, date]

    @property
    def members(self) -> list[Customer]:
        return [self.customer, *(rel for rel, _relation in self.relatives)]


@dataclass
class Bookshelf:
    customer: Customer
    household: Household
    today: date
    entries: list[ShelfEntry] = field(default_factory=list)
    purchasable: list[CellView] = field(default_factory=list)
    cells: dict[int, list[CellView]] = field(default_factory=dict)

    def entries_by_category(self) -> list[tuple[str, str, str, list[ShelfEntry]]]:
        groups: dict[str, list[ShelfEntry]] = defaultdict(list)
        names: dict[str, tuple[str, str]] = {}
        for entry in self.entries:
            groups[entry.category_code].append(entry)
            names[entry.category_code] = (entry.category_name, entry.category_name_zh)
        return [(code, *names[code], groups[code]) for code in sorted(groups)]


def cell_view_from(cell: ShelfCell) -> CellView:
    benefit = cell.benefit
    category = benefit.category
    rules: Eligibility | None = getattr(benefit, "eligibility", None)
    return CellView(
        tier=cell.tier,
        benefit_id=benefit.pk,
        code=benefit.code,
        name=benefit.name,
        name_zh=benefit.name_zh,
        category_code=category.path_code,
        category_name=category.name,
        category_name_zh=category.name_zh,
        top_code=category.top_code,
        how_to_use=benefit.how_to_use,
        unit=benefit.unit,
        status=benefit.status,
        shareable=benefit.shareable,
        price=None if benefit.price is None else str(benefit.price),
        period=cell.period,
        quota=cell.quota,
        family_quota=cell.family_quota if benefit.shareable else 0,
        requires_product_line=rules.requires_product_line if rules else "",
        min_age=rules.min_age if rules else None,
        max_age=rules.max_age if rules else None,
    )


def _benefit_view(benefit: Benefit, tier: int = -1) -> CellView:
    """A benefit outside any shelf cell (a purchasable add-on, a purchased grant)."""
    cell = ShelfCell(tier=max(tier, 0), benefit=benefit, period="unlimited", quota=None)
    return cell_view_from(cell)


def shelf_cells_query() -> Any:
    return ShelfCell.objects.select_related(
        "benefit", "benefit__category", "benefit__eligibility"
    ).order_by("benefit__code")


def _cells_from_db(tiers: set[int]) -> dict[int, list[CellView]]:
    fresh: dict[int, list[CellView]] = {t: [] for t in tiers}
    rows = shelf_cells_query().filter(tier__in=tiers, benefit__status__in=USABLE_STATUSES)
    for cell in rows:
        fresh[cell.tier].append(cell_view_from(cell))
    return fresh


def _purchasable_from_db() -> list[CellView]:
    rows = (
        Benefit.objects.select_related("category", "eligibility")
        .filter(price__isnull=False, status=BenefitStatus.ON_SHELF)
        .order_by("code")
    )
    return [_benefit_view(b) for b in rows]


def shelf_cells_and_purchasable(
    tiers: set[int], *, with_purchasable: bool = True
) -> tuple[dict[int, list[CellView]], list[CellView]]:
    """The usable shelf cells of each tier and the benefits a customer can buy: one cache
    round trip when cached; what is missing is read from the database (one query each) and
    cached under the version read before the query."""
    snap = shelf_cache.read(tiers, purchasable=with_purchasable)
    found = snap.tiers
    missing = tiers - found.keys()
    fresh = _cells_from_db(missing) if missing else {}
    purchasable = snap.purchasable
    bought: list[CellView] | None = None
    if with_purchasable and purchasable is None:
        purchasable = bought = _purchasable_from_db()
    if fresh or bought is not None:
        shelf_cache.write(snap.version, tiers=fresh, purchasable=bought)
    found.update(fresh)
    return found, purchasable or []


def shelf_cells_for_tiers(tiers: set[int]) -> dict[int, list[CellView]]:
    """The usable shelf cells of each tier: from the cache, the missing tiers in one query."""
    return shelf_cells_and_purchasable(tiers, with_purchasable=False)[0]


def purchasable_benefits() -> list[CellView]:
    """Every benefit a customer can buy (priced and on the shelf), cached like the cells."""
    return shelf_cells_and_purchasable(set())[1]


_CUSTOMER_COLUMNS = ", ".join(f"c.{f.column}" for f in Customer._meta.concrete_fields)
_RELATIVES_SQL = (
    f"SELECT {_CUSTOMER_COLUMNS}, f.relation AS family_relation "  # noqa: S608 - column names
    "FROM customers_familylink f JOIN customers_customer c ON c.id = f.relative_id "
    "WHERE f.customer_id = %s ORDER BY c.customer_no"
)


def _placeholders(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def household_load(*, customer: Customer) -> Household:
    """Family links and the household's in-force policies: two queries."""
    relatives = [
        (rel, rel.family_relation)  # type: ignore[attr-defined]
        for rel in Customer.objects.raw(_RELATIVES_SQL, [customer.pk])
    ]
    ids = [customer.pk, *(rel.pk for rel, _r in relatives)]
    lines: dict[int, set[str]] = defaultdict(set)
    anchors: dict[int, date] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id, product_line, start_date FROM customers_policy "  # noqa: S608
            f"WHERE customer_id IN ({_placeholders(ids)}) AND status = %s",
            [*ids, PolicyStatus.IN_FORCE.value],
        )
        policies = cursor.fetchall()
    for cid, line, start in policies:
        lines[cid].add(line)
        if cid not in anchors or start < anchors[cid]:
            anchors[cid] = start
    return Household(customer=customer, relatives=relatives, product_lines=lines, anchors=anchors)


def eligibility_problem(
    view: CellView, *, holder_lines: set[str], beneficiary: Customer, today: date
) -> Ineligible | None:
    """Rules beyond tier. The holder's policies open the benefit; the user's age must fit."""
    if view.status == BenefitStatus.RETIRED:
        return Ineligible(BookshelfErrorCode.BENEFIT_RETIRED, _("This benefit has been retired."))
    if view.status not in USABLE_STATUSES:
        return Ineligible(
            BookshelfErrorCode.BENEFIT_NOT_AVAILABLE, _("This benefit is not on the shelf yet.")
        )
    if view.requires_product_line and view.requires_product_line not in holder_lines:
        return Ineligible(
            BookshelfErrorCode.PRODUCT_LINE_REQUIRED,
            _("This benefit needs an in-force %(line)s policy.")
            % {"line": ProductLine(view.requires_product_line).label},
        )
    if view.min_age is not None or view.max_age is not None:
        age = beneficiary.age_on(today)
        if (view.min_age is not None and age < view.min_age) or (
            view.max_age is not None and age > view.max_age
        ):
            return Ineligible(
                BookshelfErrorCode.AGE_NOT_ELIGIBLE,
                _("This benefit is for ages %(min)s to %(max)s.")
                % {"min": view.min_age or 0, "max": view.max_age or "∞"},
            )
    return None


def _balances(holder_ids: list[int], today: date) -> dict[tuple[int, int, date], tuple[int, int]]:
    """(used, family used) of the household's balances whose period contains today."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT holder_id, benefit_id, period_start, used, family_used "  # noqa: S608
            f"FROM bookshelf_quotabalance WHERE holder_id IN ({_placeholders(holder_ids)}) "
            "AND period_start <= %s AND (period_end IS NULL OR period_end >= %s)",
            [*holder_ids, today, today],
        )
        rows = cursor.fetchall()
    return {(h, b, start): (used, family) for h, b, start, used, family in rows}


def _entry(view: CellView, **kwargs: Any) -> ShelfEntry:
    return ShelfEntry(
        benefit_id=view.benefit_id,
        code=view.code,
        name=view.name,
        name_zh=view.name_zh,
        category_code=view.category_code,
        category_name=view.category_name,
        category_name_zh=view.category_name_zh,
        how_to_use=view.how_to_use,
        unit=view.unit,
        shareable=view.shareable,
        **kwargs,
    )


def active_purchases(*, customer: Customer, today: date) -> list[Purchase]:
    return list(
        Purchase.objects.filter(customer=customer, valid_until__gte=today, valid_from__lte=today)
        .filter(uses_used__lt=F("uses_granted"))
        .select_related("benefit", "benefit__category", "benefit__eligibility")
        .order_by("valid_until", "pk")
    )


_PURCHASE_ENTRIES_SQL = (
    "SELECT p.id, p.uses_granted, p.uses_used, p.valid_from, p.valid_until, b.id, b.code, "
    "b.name, b.name_zh, cat.path_code, cat.name, cat.name_zh, b.how_to_use, b.unit, b.shareable "
    "FROM bookshelf_purchase p JOIN benefits_benefit b ON b.id = p.benefit_id "
    "JOIN benefits_category cat ON cat.id = b.category_id "
    "WHERE p.customer_id = %s AND p.valid_until >= %s AND p.valid_from <= %s "
    "AND p.uses_used < p.uses_granted ORDER BY p.valid_until, p.id"
)


def _purchase_entries(customer: Customer, today: date) -> list[ShelfEntry]:
    """The customer's active purchases as shelf entries (what `active_purchases` returns,
    as plain rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_PURCHASE_ENTRIES_SQL, [customer.pk, today, today])
        rows = cursor.fetchall()
    return [
        ShelfEntry(
            benefit_id=benefit_id,
            code=code,
            name=name,
            name_zh=name_zh,
            category_code=category_code,
            category_name=category_name,
            category_name_zh=category_name_zh,
            how_to_use=how_to_use,
            unit=unit,
            shareable=bool(shareable),
            source=Source.PURCHASE,
            quota=granted,
            used=spent,
            remaining=granted - spent,
            period_start=valid_from,
            period_end=valid_until,
            holder_no=customer.customer_no,
            purchase_id=purchase_id,
        )
        for (
            purchase_id,
            granted,
            spent,
            valid_from,
            valid_until,
            benefit_id,
            code,
            name,
            name_zh,
            category_code,
            category_name,
            category_name_zh,
            how_to_use,
            unit,
            shareable,
        ) in rows
    ]


def _plain(view: CellView) -> bool:
    """A usable cell without eligibility rules: nothing to check per customer."""
    return (
        view.status in USABLE_STATUSES
        and not view.requires_product_line
        and view.min_age is None
        and view.max_age is None
    )


def bookshelf_for_customer(*, customer: Customer, today: date | None = None) -> Bookshelf:
    """Every benefit the customer can use now, by source, with quota, used and remaining."""
    today = today or timezone.localdate()
    household = household_load(customer=customer)
    members = household.members
    tiers = {m.tier for m in members}
    cells, purchasable = shelf_cells_and_purchasable(tiers)
    balances = _balances([m.pk for m in members], today)
    own_lines = household.product_lines.get(customer.pk, set())
    shelf = Bookshelf(customer=customer, household=household, today=today, cells=cells)
    held: set[int] = set()
    entries = shelf.entries
    # Most cells share a period kind: its bounds are worked out once per holder and kind.
    bounds: dict[tuple[int, str], tuple[date, date | None]] = {}

    def period_of(holder_id: int, period: str) -> tuple[date, date | None]:
        found = bounds.get((holder_id, period))
        if found is None:
            found = bounds[(holder_id, period)] = period_bounds(
                period, today, household.anchors.get(holder_id)
            )
        return found

    for view in cells.get(customer.tier, []):
        if not _plain(view) and eligibility_problem(
            view, holder_lines=own_lines, beneficiary=customer, today=today
        ):
            continue
        start, end = period_of(customer.pk, view.period)
        used, family_used = balances.get((customer.pk, view.benefit_id, start), (0, 0))
        entries.append(
            _entry(
                view,
                source=Source.TIER,
                quota=view.quota,
                used=used,
                remaining=None if view.quota is None else max(view.quota - used, 0),
                period_start=start,
                period_end=end,
                holder_no=customer.customer_no,
                family_quota=view.family_quota,
                family_used=family_used,
            )
        )
        held.add(view.benefit_id)

    entries.extend(_purchase_entries(customer, today))

    for relative, _relation in household.relatives:
        rel_lines = household.product_lines.get(relative.pk, set())
        for view in cells.get(relative.tier, []):
            if not view.family_quota:
                continue
            if eligibility_problem(view, holder_lines=rel_lines, beneficiary=customer, today=today):
                continue
            start, end = period_of(relative.pk, view.period)
            used, family_used = balances.get((relative.pk, view.benefit_id, start), (0, 0))
            remaining = view.family_quota - family_used
            if view.quota is not None:
                remaining = min(remaining, view.quota - used)
            entries.append(
                _entry(
                    view,
                    source=Source.FAMILY,
                    quota=view.family_quota,
                    used=family_used,
                    remaining=max(remaining, 0),
                    period_start=start,
                    period_end=end,
                    holder_no=relative.customer_no,
                )
            )

    for view in purchasable:
        if view.benefit_id in held:
            continue
        if not _plain(view) and eligibility_problem(
            view, holder_lines=own_lines, beneficiary=customer, today=today
        ):
            continue
        shelf.purchasable.append(view)
    return shelf


def tier_counts() -> dict[int, int]:
    rows = Customer.objects.values("tier").annotate(n=Count("id")).order_by()
    counts = {t.value: 0 for t in Tier}
    counts.update({r["tier"]: r["n"] for r in rows})
    return counts


# --- The agent's desk -------------------------------------------------------------------


@dataclass
class CategoryGroup:
    """The benefits a customer holds in one top-level category of the shelf."""

    code: str
    name: str
    name_zh: str
    entries: list[ShelfEntry]


@dataclass
class CustomerDesk:
    """Everything the agent sees on a customer's page, loaded in a fixed number of queries."""

    customer: Customer
    shelf: Bookshelf
    policies: list[Policy]
    in_force_premium: Decimal
    override: TierOverride | None
    tier_changes: list[TierChange]
    redemptions: list[Redemption]
    purchases: list[Purchase]
    pushes: list[Push]
    top_categories: dict[str, Category]
    rules_reason: str = ""  # what the tier rules say now, in the reader's language

    @property
    def age(self) -> int:
        return self.customer.age_on(self.shelf.today)

    def _groups(self, source: str) -> list[CategoryGroup]:
        groups: dict[str, list[ShelfEntry]] = defaultdict(list)
        for entry in self.shelf.entries:
            if entry.source == source:
                groups[entry.category_code.split(".")[0]].append(entry)
        out = []
        for code in sorted(groups, key=lambda c: (self._position(c), c)):
            top = self.top_categories.get(code)
            out.append(
                CategoryGroup(
                    code=code,
                    name=top.name if top else code,
                    name_zh=top.name_zh if top else "",
                    entries=groups[code],
                )
            )
        return out

    def _position(self, code: str) -> int:
        top = self.top_categories.get(code)
        return top.position if top else 999

    @property
    def tier_groups(self) -> list[CategoryGroup]:
        """What the customer's own tier gives, by top-level category."""
        return self._groups(Source.TIER)

    @property
    def family_shares(self) -> list[ShelfEntry]:
        return [e for e in self.shelf.entries if e.source == Source.FAMILY]

    @property
    def purchased_entries(self) -> list[ShelfEntry]:
        return [e for e in self.shelf.entries if e.source == Source.PURCHASE]

    @property
    def usable_entries(self) -> list[ShelfEntry]:
        """One entry per benefit the customer can use now (has a use left), for the forms."""
        seen: set[str] = set()
        out = []
        for entry in self.shelf.entries:
            if entry.code in seen or (entry.remaining is not None and entry.remaining <= 0):
                continue
            seen.add(entry.code)
            out.append(entry)
        return sorted(out, key=lambda e: e.code)

    @property
    def shareable_codes(self) -> set[str]:
        """Benefits the customer's own tier lets family members use."""
        return {
            e.code
            for e in self.shelf.entries
            if e.source == Source.TIER and e.family_quota and (e.remaining or 0) != 0
        }


def customer_desk(*, customer: Customer, today: date | None = None) -> CustomerDesk:
    today = today or timezone.localdate()
    shelf = bookshelf_for_customer(customer=customer, today=today)
    policies = list(Policy.objects.filter(customer=customer).order_by("status", "-start_date"))
    in_force = [p for p in policies if p.status == PolicyStatus.IN_FORCE]
    premium = sum((p.annual_premium for p in in_force), Decimal("0"))
    decision = tier_from_premium(
        has_in_force=bool(in_force), premium=premium, rules=tier_rules_list()
    )
    return CustomerDesk(
        customer=customer,
        shelf=shelf,
        policies=policies,
        in_force_premium=premium,
        override=tier_override_active(customer=customer),
        tier_changes=list(TierChange.objects.filter(customer=customer)[:5]),
        redemptions=list(
            Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
            .select_related("benefit", "holder", "beneficiary")
            .order_by("-created_at", "-id")[:15]
        ),
        purchases=list(
            Purchase.objects.filter(customer=customer)
            .select_related("benefit")
            .order_by("-created_at", "-id")[:10]
        ),
        pushes=list(
            Push.objects.filter(customer=customer)
            .select_related("benefit", "outbox", "pushed_by")
            .order_by("-created_at", "-id")[:10]
        ),
        top_categories={c.code: c for c in Category.objects.filter(parent__isnull=True)},
        rules_reason=decision.reason,
    )


# --- The product staff's shelf --------------------------------------------------------------

USAGE_WINDOW_DAYS = 90


@dataclass(frozen=True)
class MatrixBenefit:
    """One benefit in one cell of the shelf matrix, with its usage rate in that tier."""

    benefit_id: int
    code: str
    name: str
    name_zh: str
    status: str
    period: str
    quota: int | None
    family_quota: int
    users: int
    rate: float | None  # distinct users / customers of the tier; None if the tier is empty

    @property
    def heat(self) -> str:
        """A usage band the page colours: low usage is what the shelf review looks at."""
        if self.rate is None:
            return "none"
        if self.rate < 0.05:
            return "low"
        if self.rate < 0.20:
            return "mid"
        if self.rate < 0.50:
            return "good"
        return "high"

    @property
    def percent(self) -> str:
        return "–" if self.rate is None else f"{self.rate * 100:.0f}%"


@dataclass(frozen=True)
class MatrixColumn:
    code: str
    name: str
    name_zh: str


@dataclass
class MatrixRow:
    tier: int
    customers: int
    cells: list[list[MatrixBenefit]]

    @property
    def label(self) -> str:
        return str(Tier(self.tier).label)

    @property
    def benefit_count(self) -> int:
        return sum(len(cell) for cell in self.cells)


@dataclass
class ShelfMatrix:
    columns: list[MatrixColumn]
    rows: list[MatrixRow]
    since: date
    days: int


def shelf_usage_by_tier(*, since: Any) -> dict[tuple[int, int], int]:
    """Distinct customers who used each benefit from each tier's allowance since a moment:
    one GROUP BY over the redemption table (its tier snapshot needs no join)."""
    rows = (
        Redemption.objects.filter(created_at__gte=since, status=RedemptionStatus.COMPLETED)
        .exclude(source=Source.PURCHASE)
        .values("tier_snapshot", "benefit_id")
        .annotate(users=Count("holder_id", distinct=True))
        .order_by()
    )
    return {(r["tier_snapshot"], r["benefit_id"]): r["users"] for r in rows}


def shelf_matrix(*, days: int = USAGE_WINDOW_DAYS, today: date | None = None) -> ShelfMatrix:
    """Tiers as rows, top categories as columns, each cell its benefits with quota and usage.

    Four queries whatever the size of the shelf: top categories, shelf cells, usage (one
    GROUP BY) and customers per tier (one GROUP BY). Retired benefits are off the shelf.
    """
    today = today or timezone.localdate()
    since_day = today - timedelta(days=days)
    since = timezone.make_aware(datetime.combine(since_day, time.min))
    tops = list(Category.objects.filter(parent__isnull=True).order_by("position", "path_code"))
    columns = [MatrixColumn(code=c.path_code, name=c.name, name_zh=c.name_zh) for c in tops]
    index = {c.code: i for i, c in enumerate(columns)}
    usage = shelf_usage_by_tier(since=since)
    counts = tier_counts()
    rows = {
        t.value: MatrixRow(tier=t.value, customers=counts.get(t.value, 0), cells=[]) for t in Tier
    }
    for row in rows.values():
        row.cells = [[] for _c in columns]
    cells = (
        ShelfCell.objects.select_related("benefit")
        .exclude(benefit__status=BenefitStatus.RETIRED)
        .order_by("tier", "benefit__code")
    )
    for cell in cells:
        benefit = cell.benefit
        col = index.get(benefit.code.split(".")[0])
        if col is None:
            continue
        row = rows[cell.tier]
        users = usage.get((cell.tier, benefit.pk), 0)
        row.cells[col].append(
            MatrixBenefit(
                benefit_id=benefit.pk,
                code=benefit.code,
                name=benefit.name,
                name_zh=benefit.name_zh,
                status=benefit.status,
                period=cell.period,
                quota=cell.quota,
                family_quota=cell.family_quota,
                users=users,
                rate=(users / row.customers) if row.customers else None,
            )
        )
    ordered = [rows[t.value] for t in sorted(Tier, reverse=True)]
    return ShelfMatrix(columns=columns, rows=ordered, since=since_day, days=days)


# --- A benefit's usage over time -----------------------------------------------------------


@dataclass
class UsageByMonth:
    """Uses of one benefit per month and per tier (the holder's tier at the time)."""

    months: list[date]
    tiers: list[int]
    counts: dict[tuple[date, int], int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def month_total(self, month: date) -> int:
        return sum(n for (m, _t), n in self.counts.items() if m == month)

    def tier_total(self, tier: int) -> int:
        return sum(n for (_m, t), n in self.counts.items() if t == tier)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def benefit_usage_by_month(
    *, benefit_id: int, months: int = 12, today: date | None = None
) -> UsageByMonth:
    """Completed uses per month and tier over the last `months` months: one GROUP BY."""
    today = today or timezone.localdate()
    first = _month_start(today, months - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    rows = (
        Redemption.objects.filter(
            benefit_id=benefit_id, status=RedemptionStatus.COMPLETED, created_at__gte=since
        )
        .annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("month", "tier_snapshot")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, int], int] = {}
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime):
            month = month.date()
        counts[(month, r["tier_snapshot"])] = counts.get((month, r["tier_snapshot"]), 0) + r["n"]
    return UsageByMonth(
        months=[_month_start(today, back) for back in range(months - 1, -1, -1)],
        tiers=[t.value for t in Tier],
        counts=counts,
    )


# --- Pushes that convert -------------------------------------------------------------------

CONVERSION_DAYS = 30


@dataclass(frozen=True)
class ConversionRow:
    key: str
    label: str
    pushes: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.pushes if self.pushes else 0.0


def push_conversion(*, by: str, since: date | None = None) -> list[ConversionRow]:
    """Pushes and how many converted (the customer used that benefit within 30 days of the
    push), grouped by agent, benefit or tier. One query: an EXISTS per push, grouped in SQL."""
    from django.db.models import (
        Case,
        DateTimeField,
        Exists,
        ExpressionWrapper,
        IntegerField,
        OuterRef,
        Sum,
        When,
    )

    from .models import Push, Redemption, RedemptionStatus

    fields = {
        "agent": ("pushed_by__username", "pushed_by__agent__name"),
        "benefit": ("benefit_code", "benefit__name"),
        "tier": ("customer__tier", "customer__tier"),
    }
    if by not in fields:
        raise ValueError(by)
    key_field, label_field = fields[by]
    window_end = ExpressionWrapper(
        OuterRef("created_at") + timedelta(days=CONVERSION_DAYS), output_field=DateTimeField()
    )
    used = Redemption.objects.filter(
        beneficiary_id=OuterRef("customer_id"),
        benefit_id=OuterRef("benefit_id"),
        status=RedemptionStatus.COMPLETED,
        created_at__gte=OuterRef("created_at"),
        created_at__lte=window_end,
    )
    qs = Push.objects.all()
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    rows = (
        qs.annotate(converted=Exists(used))
        .values(key_field, label_field)
        .annotate(
            n=Count("id"),
            c=Sum(Case(When(converted=True, then=1), default=0, output_field=IntegerField())),
        )
        .order_by(key_field)
    )
    out = []
    for r in rows:
        key = r[key_field]
        label = r[label_field]
        if by == "tier":
            label = str(Tier(key).label)
        out.append(
            ConversionRow(
                key=str(key if key is not None else "-"),
                label=str(label or key or "-"),
                pushes=r["n"],
                converted=r["c"] or 0,
            )
        )
    return sorted(out, key=lambda row: (-row.rate, -row.pushes, row.key))
