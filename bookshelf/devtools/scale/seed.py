"""Scale data for PostgreSQL: a million customers and twenty million redemptions in minutes.

The shape follows the demo (`bookshelf.devtools.demo`), at a size the ORM cannot write:

- the demo catalog (via the services, so codes are assigned the normal way) plus regional
  partner benefits: 160 benefits, the high-net-worth tier holding more than a hundred;
- customers in a tier pyramid (most ordinary, 4% high-net-worth) whose tier and reason are
  what the tier rules give for their in-force policies (about 1.5 policies each), agents,
  families of two to four linked both ways;
- two years of redemptions with skewed popularity (the catalog's popularity, doubled for
  customers whose profile tags suit the benefit), never over a quota in any period, 1% of
  them cancelled; family members using shared allowances; purchases and their uses;
- quota balances equal to the completed uses of every period, including the current ones;
- NPS answers for 8% of uses (60% for the rarest benefits) and demand signals;
- the demo's suppliers (one or two per benefit) and a contract price with the first of them
  for most benefits (some change price during the history; a few have none): every use
  carries its supplier and the unit cost in force on its day (null without a price), as
  `bookshelf.money.costs` writes them.

Everything is written with COPY (psycopg 3 `cursor.copy`), never row by row. Redemptions are
generated customer by customer (so quotas and balances are exact with little memory), spooled
into one file per month, then each month is sorted by time, numbered and copied straight into
its partition with FREEZE: ids and physical order follow time, as they do in production, which
is what the BRIN index on `created_at` relies on. Secondary indexes and foreign keys are
dropped for the load and built once at the end.
"""

from __future__ import annotations

import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from benefits.models import Benefit, BenefitStatus, Category
from benefits.services import benefit_create
from customers.models import Gender, ProductLine, Relation, Tier, TierRule
from customers.pii import pii_columns, resident_id_check_digit
from customers.selectors import tier_from_premium

from ...ledger.partitions import (
    is_partitioned,
    month_start,
    partition_name,
    redemption_partitions_ensure,
)
from ...ledger.services import usage_rebuild
from ...money.models import ContractPrice
from ...review.selectors import demand_text_key
from ...shelf.models import QuotaPeriod, ShelfCell
from ...shelf.selectors import LIFETIME_START, period_bounds
from ...shelf.services import eligibility_set, shelf_cell_set, shelf_version_bump
from ..demo import CITIES, DEMAND_GROUPS, GIVEN, PHONE_PREFIXES, SURNAMES, TIER_WEIGHTS, DemoBuilder
from ..demo_suppliers import DeliveriesBuilder
from .bulk import NULL, copy_text, indexes_dropped

log = logging.getLogger(__name__)

HISTORY_DAYS = 730
RATED_SHARE = 0.08  # NPS answers: ~1.5M answers to ~20M surveys a month at the insurer
RARE_RATED_SHARE = 0.6
CANCELLED_SHARE = 0.01
PURCHASE_SHARE = 0.05
FLUSH_ROWS = 20_000
# Contract prices: one benefit in UNPRICED has none (its uses cost null), one in REPRICED gets
# a new price PRICE_CHANGE_DAYS before the seed's day (inside the review's 90-day window).
UNPRICED = 12
REPRICED = 3
PRICE_CHANGE_DAYS = 45
PRICE_STEPS = ["8.50", "15.00", "28.00", "45.00", "68.00", "120.00", "199.00", "360.00"]

LOADED_TABLES = [
    "customers_customer",
    "customers_policy",
    "customers_familylink",
    "bookshelf_redemption",
    "bookshelf_quotabalance",
    "bookshelf_redemptionfeedback",
    "bookshelf_demandsignal",
    "bookshelf_purchase",
    "bookshelf_usagemonth",
]
RESET_TABLES = [
    "bookshelf_contractprice",
    "bookshelf_benefitsupplier",
    "bookshelf_supplierkey",
    "bookshelf_supplier",
    "customers_tierchange",
    "customers_tieroverride",
    "customers_familylink",
    "customers_policy",
    "customers_customer",
    "customers_agent",
    "bookshelf_redemptionfeedback",
    "bookshelf_redemption",
    "bookshelf_usagemonth",
    "bookshelf_quotabalance",
    "bookshelf_purchase",
    "bookshelf_demandsignal",
    "bookshelf_idempotencyrecord",
    "bookshelf_agentnotification",
    "bookshelf_reviewfinding",
    "bookshelf_proposal",
    "bookshelf_reviewrun",
    "bookshelf_webhookdelivery",
    "bookshelf_webhookevent",
    "bookshelf_shelfcell",
    "bookshelf_eligibility",
    "benefits_benefitstatuschange",
    "benefits_benefit",
    "benefits_category",
]

# Partner benefits offered city by city: they take the catalog past 150 benefits.
REGIONAL = [
    ("Beijing", "北京"),
    ("Shanghai", "上海"),
    ("Shenzhen", "深圳"),
    ("Guangzhou", "广州"),
    ("Hangzhou", "杭州"),
    ("Chengdu", "成都"),
    ("Wuhan", "武汉"),
    ("Nanjing", "南京"),
]
REGIONAL_KINDS = [
    ("SPT.01", "Partner gym day pass", "合作健身房单次卡", "fitness", "calendar_month", 2),
    ("LIF.01", "Partner home cleaning", "合作家政保洁", "young_children", "calendar_year", 2),
]

LINE_BITS = {line: 1 << i for i, line in enumerate(ProductLine.values)}
TAG_BITS = {
    tag: 1 << i
    for i, tag in enumerate(
        [
            "chronic_condition",
            "frequent_traveller",
            "young_children",
            "elderly_parents",
            "fitness",
            "high_income",
            "new_parent",
            "pregnant",
            "senior",
        ]
    )
}


def demand_group_seeded() -> int:
    """Group the seeded requests as the service groups a request when it is made (the review
    groups only stragglers): one request per (text, category, tier) goes through the service,
    and the others with the same text, category and tier take its group and held benefit in
    one UPDATE each (their ages aside, which can change a held benefit's age rule). Without
    this, each review run would group 200k requests one by one and roll it back in a dry run.
    Returns the requests grouped."""
    from ...review.demand_groups import demand_group_missing
    from ...review.models import DemandSignal

    pending = DemandSignal.objects.filter(group__isnull=True, benefit__isnull=True)
    reps = list(
        pending.values("text", "category_id", "tier_snapshot")
        .annotate(first=models.Min("id"))
        .values_list("text", "category_id", "tier_snapshot", "first")
    )
    demand_group_missing(DemandSignal.objects.filter(pk__in=[r[3] for r in reps]))
    placed = {
        pk: (group_id, held_id)
        for pk, group_id, held_id in DemandSignal.objects.filter(
            pk__in=[r[3] for r in reps]
        ).values_list("pk", "group_id", "held_benefit_id")
    }
    done = 0
    for text, category_id, tier, first in reps:
        done += pending.filter(text=text, category_id=category_id, tier_snapshot=tier).update(
            group_id=placed[first][0], held_benefit_id=placed[first][1]
        )
    return done + len(reps)


class SeedError(Exception):
    pass


@dataclass
class ScaleReport:
    customers: int = 0
    agents: int = 0
    policies: int = 0
    family_links: int = 0
    benefits: int = 0
    cells: int = 0
    hnw_benefits: int = 0
    redemptions: int = 0
    balances: int = 0
    purchases: int = 0
    feedback: int = 0
    usage_months: int = 0
    demand_signals: int = 0
    suppliers: int = 0
    contract_prices: int = 0
    partitions: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    today: str = ""
    seed: int = 0

    def as_meta(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Cell:
    """A shelf cell in the generator's hands."""

    index: int
    benefit_id: int
    code_segment: str  # "\t{benefit_id}\t" ... written once per row
    code: str
    top: str
    period: str
    quota: int | None
    family_quota: int
    popularity: float
    tag_mask: int
    line_mask: int
    min_age: int | None
    max_age: int | None
    spread: float
    rare: bool
    cost_early: str  # "\t{supplier_id}\t{unit_cost}\n", the line's end before the change
    cost_late: str  # ... and from the price change on
    change_day: int  # index of the day the new price applies (HISTORY_DAYS: never)


@dataclass
class _People:
    """What the redemption pass needs of each customer, by index (id = base + index)."""

    tier: bytearray
    age: bytearray
    lines: bytearray
    tags: list[int]
    anchor: list[int]  # day ordinal of the earliest in-force policy, 0: none
    relatives: dict[int, list[int]]


ProgressFactory = Callable[[int, str], Any]


class _Silent:
    def __init__(self, total: int = 0, desc: str = "") -> None:
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        pass


def database_is_postgres() -> bool:
    return connection.vendor == "postgresql"


class ScaleSeeder:
    def __init__(
        self,
        *,
        customers: int,
        redemptions: int,
        seed: int = 7,
        today: date | None = None,
        progress: ProgressFactory | None = None,
        say: Callable[[str], Any] | None = None,
    ) -> None:
        self.n = customers
        self.target = redemptions
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.progress: ProgressFactory = progress or (lambda total, desc: _Silent(total, desc))
        self.say = say or (lambda text: None)
        self.report = ScaleReport(today=self.today.isoformat(), seed=seed)
        self.tz = timezone.get_current_timezone()
        self.moment = timezone.now().isoformat()
        self._index_started = time.monotonic()

    # -- entry point --------------------------------------------------------------------------
    def run(self) -> ScaleReport:
        if not database_is_postgres():
            raise SeedError(
                "seed_scale writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL "
                "database. The embedded SQLite default holds the demo (manage.py seed_demo)."
            )
        if not is_partitioned():
            raise SeedError("The redemption table is not partitioned: run manage.py migrate.")
        started = time.monotonic()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET synchronous_commit = off")
        self._phase("catalog", self.build_catalog)
        with connection.cursor() as cursor:
            with indexes_dropped(cursor, LOADED_TABLES, progress=self._index_progress()):
                self._phase("customers", self.build_people)
                self._phase("redemptions", self.build_history)
                self._phase("usage", self.build_usage)
                self._phase("demand", self.build_demand)
            self.report.phases["indexes"] = round(time.monotonic() - self._index_started, 1)
        self._phase("demand groups", demand_group_seeded)
        self._phase("analyze", self.finish)
        self.report.seconds = round(time.monotonic() - started, 1)
        self._record_meta()
        shelf_version_bump()
        return self.report

    def _phase(self, name: str, step: Callable[[], Any]) -> None:
        began = time.monotonic()
        step()
        self.report.phases[name] = round(time.monotonic() - began, 1)
        self._index_started = time.monotonic()
        self.say(f"{name}: {self.report.phases[name]}s")

    def _index_progress(self) -> Callable[[str], None]:
        def tick(what: str) -> None:
            self.say(f"  built {what} ({time.monotonic() - self._index_started:.0f}s)")

        return tick

    def _raw(self) -> Any:
        connection.ensure_connection()
        return connection.connection

    def _copy(self, table: str, columns: str, chunks: Any, *, freeze: bool = False) -> None:
        sql = f"COPY {table} ({columns}) FROM STDIN"
        if freeze:
            sql += " WITH (FREEZE)"
        with self._raw().cursor() as cur, cur.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)

    def _next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {table}")
            return int(cursor.fetchone()[0])

    # -- catalog ------------------------------------------------------------------------------
    def build_catalog(self) -> None:
        if Category.objects.exists() or Benefit.objects.exists():
            raise SeedError(
                "The database already holds a catalog: seed_scale fills an empty database "
                "(createdb + migrate), or pass --reset to empty the shelf's tables first."
            )
        demo = DemoBuilder(customers=0, seed=self.seed, today=self.today)
        benefits = demo.build_catalog()
        meta: dict[int, dict[str, Any]] = dict(demo.meta)
        categories = {c.path_code: c for c in Category.objects.all()}
        for city, city_zh in REGIONAL:
            for path, name, name_zh, tag, period, quota in REGIONAL_KINDS:
                benefit = benefit_create(
                    category=categories[path],
                    name=f"{name} ({city})",
                    name_zh_hans=f"{city_zh}{name_zh}",
                    how_to_use="Show the partner code in the app at the counter.",
                    how_to_use_zh_hans="到店时在柜台出示App中的合作商户码即可使用。",
                    provider=f"{city} partner network",
                    provider_zh_hans=f"{city_zh}合作商户网络",
                    tags=[tag],
                    status=BenefitStatus.ON_SHELF,
                )
                benefits[f"{name} ({city})"] = benefit
                meta[benefit.pk] = {"popularity": 0.02, "tags": [tag], "city": city}
                for tier in (Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND, Tier.HIGH_NET_WORTH):
                    shelf_cell_set(tier=tier, benefit=benefit, period=period, quota=quota)
                eligibility_set(benefit=benefit, min_age=18)
        since = timezone.make_aware(
            datetime.combine(self.today - timedelta(days=HISTORY_DAYS + 30), datetime.min.time())
        )
        Benefit.objects.update(on_shelf_since=since, status_changed_at=since)
        self.meta = meta
        self.report.benefits = len(benefits)
        self.report.cells = ShelfCell.objects.count()
        self.report.hnw_benefits = ShelfCell.objects.filter(tier=Tier.HIGH_NET_WORTH).count()
        self._build_prices(list(benefits.values()))
        self._load_cells()

    def _build_prices(self, benefits: list[Benefit]) -> None:
        """The demo's suppliers and links, then one contract price per benefit with its first
        supplier (from before the history; every REPRICED-th dearer from PRICE_CHANGE_DAYS ago,
        every UNPRICED-th none). `cost_tails`: each benefit's line end before/after."""
        deliveries = DeliveriesBuilder(seed=self.seed, today=self.today)
        suppliers = deliveries.build_suppliers()
        deliveries.build_links(benefits, suppliers)
        self.report.suppliers = len(suppliers)
        first_supplier = {
            b: s
            for b, s in Benefit.objects.filter(suppliers__priority=1).values_list(
                "pk", "suppliers__supplier_id"
            )
        }
        start = self.today - timedelta(days=HISTORY_DAYS + 30)
        change = self.today - timedelta(days=PRICE_CHANGE_DAYS)
        change_day = HISTORY_DAYS - 1 - PRICE_CHANGE_DAYS
        prices: list[ContractPrice] = []
        self.cost_tails: dict[int, tuple[str, str, int]] = {}
        for k, benefit in enumerate(sorted(benefits, key=lambda b: b.code)):
            supplier = first_supplier.get(benefit.pk)
            if supplier is None:
                self.cost_tails[benefit.pk] = (f"\t{NULL}\t{NULL}\n",) * 2 + (HISTORY_DAYS,)
                continue
            if k % UNPRICED == UNPRICED - 1:
                none = f"\t{supplier}\t{NULL}\n"
                self.cost_tails[benefit.pk] = (none, none, HISTORY_DAYS)
                continue
            early = Decimal(PRICE_STEPS[(benefit.pk * 7) % len(PRICE_STEPS)])
            prices.append(
                ContractPrice(
                    supplier_id=supplier,
                    benefit=benefit,
                    unit_cost=early,
                    valid_from=start,
                    note="seed_scale",
                )
            )
            late, day = early, HISTORY_DAYS
            if k % REPRICED == 0:
                late = (early * Decimal("1.08")).quantize(Decimal("0.01"))
                day = change_day
                prices.append(
                    ContractPrice(
                        supplier_id=supplier,
                        benefit=benefit,
                        unit_cost=late,
                        valid_from=change,
                        note="seed_scale",
                    )
                )
            self.cost_tails[benefit.pk] = (
                f"\t{supplier}\t{early}\n",
                f"\t{supplier}\t{late}\n",
                day,
            )
        ContractPrice.objects.bulk_create(prices)
        self.report.contract_prices = len(prices)

    def _load_cells(self) -> None:
        self.cells_by_tier: dict[int, list[_Cell]] = {t.value: [] for t in Tier}
        rows = ShelfCell.objects.select_related("benefit", "benefit__eligibility").order_by(
            "benefit__code", "tier"
        )
        for index, cell in enumerate(rows):
            benefit = cell.benefit
            early, late, change_day = self.cost_tails[benefit.pk]
            spec = self.meta.get(benefit.pk, {})
            rules = getattr(benefit, "eligibility", None)
            line = rules.requires_product_line if rules else ""
            popularity = float(spec.get("popularity", 0.1))
            self.cells_by_tier[cell.tier].append(
                _Cell(
                    index=index,
                    benefit_id=benefit.pk,
                    code_segment=f"\t{benefit.pk}\t",
                    code=benefit.code,
                    top=benefit.code.split(".")[0],
                    period=cell.period,
                    quota=cell.quota,
                    family_quota=cell.family_quota if benefit.shareable else 0,
                    popularity=popularity,
                    tag_mask=sum(TAG_BITS.get(t, 0) for t in spec.get("tags", [])),
                    line_mask=LINE_BITS.get(line, 0) if line else 0,
                    min_age=rules.min_age if rules else None,
                    max_age=rules.max_age if rules else None,
                    spread=(cell.quota or 3) / 1.5,
                    rare=popularity <= 0.006,
                    cost_early=early,
                    cost_late=late,
                    change_day=change_day,
                )
            )
        self.priced = list(
            Benefit.objects.filter(price__isnull=False, status=BenefitStatus.ON_SHELF)
            .order_by("code")
            .values_list("pk", "code", "price", "uses_per_purchase", "purchase_valid_days")
        )

    # -- people -------------------------------------------------------------------------------
    def build_people(self) -> None:
        rng = self.rng
        rnd = rng.random
        n = self.n
        rules = list(TierRule.objects.order_by("tier"))
        thresholds = {Tier(r.tier): int(r.min_annual_premium) for r in rules}
        ladder = [Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND, Tier.HIGH_NET_WORTH]
        bands: dict[int, tuple[int, int]] = {}
        for tier in Tier:
            if tier == Tier.PROSPECT:
                continue
            low = 1000 if tier == Tier.ORDINARY else thresholds[tier]
            higher = [thresholds[t] for t in ladder if t > tier]
            high = higher[0] - 1 if higher else thresholds[Tier.HIGH_NET_WORTH] * 3
            bands[tier] = (low, high)
        tiers = list(TIER_WEIGHTS)
        cum: list[float] = []
        acc = 0.0
        for weight in TIER_WEIGHTS.values():
            acc += weight
            cum.append(acc)
        cities = list(CITIES.items())
        others = [
            ProductLine.CRITICAL_ILLNESS,
            ProductLine.MEDICAL,
            ProductLine.ACCIDENT,
            ProductLine.ANNUITY,
            ProductLine.PROPERTY,
        ]
        today = self.today
        today_ord = today.toordinal()
        moment = self.moment

        # Agents: one per 250 customers, one supervisor per 8 agents.
        agent_base = self._next_id("customers_agent")
        n_agents = max(3, n // 250)
        n_sup = max(1, n_agents // 8)
        agent_rows = []
        for k in range(n_sup + n_agents):
            is_sup = k < n_sup
            sup = NULL if is_sup else str(agent_base + (k % n_sup))
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            agent_rows.append(
                f"{agent_base + k}\t{moment}\t{moment}\t{'S' if is_sup else 'A'}{k + 1:06d}\t"
                f"{name}\t{rng.choice(cities)[0]}\t{sup}\t{NULL}\n"
            )
        self._copy(
            "customers_agent",
            "id, created_at, updated_at, agent_no, name, city, supervisor_id, user_id",
            ["".join(agent_rows)],
        )
        self.report.agents = len(agent_rows)
        first_agent = agent_base + n_sup

        customer_base = self._next_id("customers_customer")
        policy_base = self._next_id("customers_policy")
        self.customer_base = customer_base
        people = _People(
            tier=bytearray(n),
            age=bytearray(n),
            lines=bytearray(n),
            tags=[0] * n,
            anchor=[0] * n,
            relatives={},
        )
        self.people = people
        reasons: dict[tuple[int, int], str] = {}
        policy_file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        policy_id = policy_base
        bar = self.progress(n, "customers")

        def customer_chunks() -> Any:
            nonlocal policy_id
            out: list[str] = []
            policy_out: list[str] = []
            for i in range(n):
                r = rnd()
                tier: int = tiers[-1]
                for t, edge in zip(tiers, cum, strict=True):
                    if r < edge:
                        tier = t
                        break
                if i < 2 * len(tiers):  # every tier present in a tiny database too
                    tier = tiers[i % len(tiers)]
                gender = "F" if rnd() < 0.5 else "M"
                age = 22 + int(rnd() * 57)
                birth = date.fromordinal(today_ord - age * 365 - int(rnd() * 365))
                city, region = cities[int(rnd() * len(cities))]
                no = f"C{100000000 + i:09d}"
                tag_names: list[str] = []
                if age >= 45 and rnd() < 0.35:
                    tag_names.append("chronic_condition")
                if rnd() < 0.2 + (0.2 if tier >= Tier.PLATINUM else 0):
                    tag_names.append("frequent_traveller")
                if 28 <= age <= 45 and rnd() < 0.45:
                    tag_names.append("young_children")
                if 35 <= age <= 60 and rnd() < 0.35:
                    tag_names.append("elderly_parents")
                if age < 50 and rnd() < 0.25:
                    tag_names.append("fitness")
                if age >= 60:
                    tag_names.append("senior")
                if tier >= Tier.DIAMOND:
                    tag_names.append("high_income")
                tag_mask = 0
                for tag in tag_names:
                    tag_mask |= TAG_BITS[tag]

                # Policies: a prospect has none in force (30% a lapsed one); the others 1-3
                # whose premiums add up to somewhere in their tier's band.
                cid = customer_base + i
                premium = 0
                in_force = False
                lines_mask = 0
                anchor = 0
                if tier == Tier.PROSPECT:
                    if rnd() < 0.3:
                        start = today_ord - 200 - int(rnd() * 2800)
                        policy_out.append(
                            f"{policy_id}\t{moment}\t{moment}\tP{no[1:]}00\t{cid}\taccident\t"
                            f"800.00\tlapsed\t{date.fromordinal(start)}\t{NULL}\n"
                        )
                        policy_id += 1
                else:
                    low, high = bands[tier]
                    target = int(low + rnd() * (high - low))
                    count = 1 + (rnd() < 0.45) + (rnd() < 0.15)
                    lines = [ProductLine.LONG_TERM_LIFE if rnd() < 0.55 else ProductLine.MEDICAL]
                    lines += rng.sample(others, count - 1)
                    shares = [rnd() + 0.2 for _ in lines]
                    total = sum(shares)
                    premiums = [max(100, int(target * s / total)) for s in shares]
                    premiums[0] = max(100, premiums[0] + target - sum(premiums))
                    for k, (line, amount) in enumerate(zip(lines, premiums, strict=True)):
                        start = today_ord - 200 - int(rnd() * 2800)
                        anchor = start if not anchor else min(anchor, start)
                        lines_mask |= LINE_BITS[line]
                        premium += amount
                        policy_out.append(
                            f"{policy_id}\t{moment}\t{moment}\tP{no[1:]}{k:02d}\t{cid}\t{line}\t"
                            f"{amount}.00\tin_force\t{date.fromordinal(start)}\t{NULL}\n"
                        )
                        policy_id += 1
                    in_force = True
                decision_key = (int(in_force), premium)
                reason = reasons.get(decision_key)
                if reason is None:
                    decision = tier_from_premium(
                        has_in_force=in_force, premium=Decimal(premium), rules=rules
                    )
                    reason = f"{int(decision.tier)}|{copy_text(decision.reason)}"
                    if len(reasons) < 200_000:
                        reasons[decision_key] = reason
                decided, reason_text = reason.split("|", 1)
                tier = int(decided)
                phone = PHONE_PREFIXES[int(rnd() * len(PHONE_PREFIXES))] + (
                    f"{int(rnd() * 100_000_000):08d}"
                )
                seq = int(rnd() * 500) * 2 + (1 if gender == Gender.MALE else 0)
                first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
                id_number = first17 + resident_id_check_digit(first17)
                name = SURNAMES[int(rnd() * len(SURNAMES))] + GIVEN[int(rnd() * len(GIVEN))]
                if rnd() < 0.6:
                    name += GIVEN[int(rnd() * len(GIVEN))]
                agent_id = first_agent + int(rnd() * n_agents)
                tags_json = json.dumps(tag_names, separators=(", ", ": "))
                # Stored exactly as the model stores them: encrypted, with lookup hashes.
                pii = pii_columns(phone=phone, id_number=id_number)
                out.append(
                    f"{cid}\t{moment}\t{moment}\t{no}\t{name}\t{birth}\t{gender}\t{city}\t"
                    f"{pii['phone']}\t{pii['phone_last4']}\t{pii['phone_hash']}\t"
                    f"{pii['id_number']}\t{pii['id_number_hash']}\t{agent_id}\t{tier}\t"
                    f"{moment}\t{reason_text}\t{NULL}\t{tags_json}\n"
                )
                people.tier[i] = tier // 10
                people.age[i] = age
                people.lines[i] = lines_mask
                people.tags[i] = tag_mask
                people.anchor[i] = anchor
                if len(out) >= FLUSH_ROWS:
                    bar.update(len(out))
                    policy_file.write("".join(policy_out))
                    policy_out.clear()
                    yield "".join(out)
                    out.clear()
            bar.update(len(out))
            policy_file.write("".join(policy_out))
            yield "".join(out)

        self._copy(
            "customers_customer",
            "id, created_at, updated_at, customer_no, name, birth_date, gender, city, phone, "
            "phone_last4, phone_hash, id_number, id_number_hash, agent_id, tier, tier_set_at, "
            "tier_reason, tier_downgrade_due, tags",
            customer_chunks(),
        )
        bar.close()
        self.report.customers = n
        policy_file.seek(0)
        self._copy(
            "customers_policy",
            "id, created_at, updated_at, policy_no, customer_id, product_line, annual_premium, "
            "status, start_date, end_date",
            iter(lambda: policy_file.read(8 << 20), ""),
        )
        policy_file.close()
        self.report.policies = policy_id - policy_base
        self._build_families()

    def _build_families(self) -> None:
        rng = self.rng
        n = self.n
        people = self.people
        today_year = self.today.year
        pool = list(range(n))
        rng.shuffle(pool)
        base = self.customer_base
        link_id = self._next_id("customers_familylink")
        rows: list[str] = []
        relatives = people.relatives
        i = 0
        moment = self.moment
        sizes = [2, 2, 3, 3, 4]
        while i + 1 < n and i < n * 0.5:
            size = sizes[int(rng.random() * len(sizes))]
            group = pool[i : i + size]
            i += size
            head = max(group, key=lambda k: people.tier[k])
            for member in group:
                if member == head:
                    continue
                gap = (today_year - people.age[head]) - (today_year - people.age[member])
                if gap > 18:
                    relation, inverse = Relation.PARENT, Relation.CHILD
                elif gap < -18:
                    relation, inverse = Relation.CHILD, Relation.PARENT
                else:
                    relation, inverse = Relation.SPOUSE, Relation.SPOUSE
                rows.append(
                    f"{link_id}\t{moment}\t{moment}\t{base + head}\t{base + member}\t{relation}\n"
                    f"{link_id + 1}\t{moment}\t{moment}\t{base + member}\t{base + head}\t"
                    f"{inverse}\n"
                )
                link_id += 2
                relatives.setdefault(head, []).append(member)
                relatives.setdefault(member, []).append(head)

        def chunks() -> Any:
            for k in range(0, len(rows), FLUSH_ROWS):
                yield "".join(rows[k : k + FLUSH_ROWS])

        self._copy(
            "customers_familylink",
            "id, created_at, updated_at, customer_id, relative_id, relation",
            chunks(),
        )
        self.report.family_links = 2 * len(rows)

    # -- history ------------------------------------------------------------------------------
    def _days(self) -> None:
        """Per day of the history: its text, its time-zone offset and the periods it is in."""
        first = self.today - timedelta(days=HISTORY_DAYS - 1)
        self.first_day = first
        self.day_text: list[str] = []
        self.day_offset: list[str] = []
        self.day_month: list[int] = []
        self.day_year_period: list[tuple[str, str]] = []
        self.day_month_period: list[tuple[str, str]] = []
        months: list[date] = []
        for k in range(HISTORY_DAYS):
            day = first + timedelta(days=k)
            noon = timezone.make_aware(datetime.combine(day, datetime.min.time()), self.tz)
            offset = noon.utcoffset() or timedelta(0)
            if not timedelta(0) <= offset <= timedelta(hours=8):
                raise SeedError("seed_scale needs a time zone between UTC and UTC+8.")
            minutes = int(offset.total_seconds() // 60)
            self.day_text.append(day.isoformat())
            self.day_offset.append(f"+{minutes // 60:02d}:{minutes % 60:02d}")
            month = month_start(day)
            if not months or months[-1] != month:
                months.append(month)
            self.day_month.append(len(months) - 1)
            ys, ye = period_bounds(QuotaPeriod.CALENDAR_YEAR, day)
            ms, me = period_bounds(QuotaPeriod.CALENDAR_MONTH, day)
            self.day_year_period.append((ys.isoformat(), str(ye)))
            self.day_month_period.append((ms.isoformat(), str(me)))
        self.months = months
        # Uses happen from 08:00 to 21:59 local time, so (at UTC..UTC+8) on the same UTC day
        # and month: each month's file goes straight into that month's partition.
        self.clock = [f" {h:02d}:{m:02d}:" for h in range(8, 22) for m in range(60)]
        self.seconds = [f"{s:02d}" for s in range(60)]

    def _customer_history(
        self,
        i: int,
        scale: float,
        emit: Callable[[int, str], None] | None,
        balances: list[str] | None,
        counters: dict[str, int],
    ) -> int:
        """Generate customer i's uses (within every quota), their balances and purchases."""
        rng = self.rng
        rnd = rng.random
        people = self.people
        tier = people.tier[i] * 10
        age = people.age[i]
        lines = people.lines[i]
        tags = people.tags[i]
        anchor_ord = people.anchor[i]
        anchor = date.fromordinal(anchor_ord) if anchor_ord else None
        relatives = people.relatives.get(i) or []
        base = self.customer_base
        holder = str(base + i)
        holder_seg = f"\t{holder}\t"
        days = HISTORY_DAYS
        day_text = self.day_text
        day_offset = self.day_offset
        clock = self.clock
        n_clock = len(clock)
        seconds = self.seconds
        made = 0
        used: dict[tuple[int, str], list[Any]] = {}
        for cell in self.cells_by_tier[tier]:
            if cell.line_mask and not lines & cell.line_mask:
                continue
            if (cell.min_age is not None and age < cell.min_age) or (
                cell.max_age is not None and age > cell.max_age
            ):
                continue
            pull = cell.popularity * scale * (2.2 if tags & cell.tag_mask else 1.0)
            if pull > 0.95:
                share, more = 0.95, pull / 0.95
            else:
                share, more = pull, 1.0
            if rnd() >= share:
                continue
            uses = 1 + int(rng.expovariate(1.2) * cell.spread * more)
            quota = cell.quota
            family_quota = cell.family_quota if relatives else 0
            period = cell.period
            for _ in range(uses):
                d = int(rnd() * days)
                if period == QuotaPeriod.CALENDAR_YEAR:
                    start, end = self.day_year_period[d]
                elif period == QuotaPeriod.CALENDAR_MONTH:
                    start, end = self.day_month_period[d]
                elif period == QuotaPeriod.UNLIMITED:
                    start, end = LIFETIME_START.isoformat(), NULL
                else:
                    s_day, e_day = period_bounds(period, self.first_day + timedelta(days=d), anchor)
                    start, end = s_day.isoformat(), str(e_day)
                key = (cell.index, start)
                slot = used.get(key)
                if slot is None:
                    slot = used[key] = [0, 0, end, cell.benefit_id]
                if quota is not None and slot[0] >= quota:
                    continue
                cancelled = rnd() < CANCELLED_SHARE
                beneficiary = holder
                source = "tier"
                if family_quota and slot[1] < family_quota and rnd() < 0.3:
                    beneficiary = str(base + relatives[int(rnd() * len(relatives))])
                    source = "family"
                if not cancelled:
                    slot[0] += 1
                    if source == "family":
                        slot[1] += 1
                made += 1
                if emit is None:
                    continue
                stamp = (
                    day_text[d]
                    + clock[int(rnd() * n_clock)]
                    + seconds[int(rnd() * 60)]
                    + day_offset[d]
                )
                r = rnd()
                channel = "app" if r < 0.67 else ("agent" if r < 0.89 else "phone")
                emit(
                    d,
                    f"{stamp}{holder_seg}{beneficiary}{cell.code_segment}{source}\t{NULL}\t"
                    f"{channel}\t{'cancelled' if cancelled else 'completed'}\t{start}\t{end}\t"
                    f"{tier}\t{cell.code}\t{cell.top}\t{NULL}\t\t{NULL}\t"
                    f"{stamp if cancelled else NULL}"
                    f"{cell.cost_late if d >= cell.change_day else cell.cost_early}",
                )
        if balances is not None:
            for (_index, start), (n_used, n_family, end, benefit_id) in used.items():
                if n_used:
                    balance_id = counters["balance"]
                    counters["balance"] += 1
                    balances.append(
                        f"{balance_id}\t{holder}\t{benefit_id}\t{start}\t{end}\t{n_used}\t"
                        f"{n_family}\n"
                    )

        # A few customers buy a paid add-on and use some of it.
        if tier >= Tier.ORDINARY and self.priced and rnd() < PURCHASE_SHARE:
            benefit_id, code, price, per_purchase, valid_days = self.priced[
                int(rnd() * len(self.priced))
            ]
            assert price is not None  # the priced benefits only
            quantity = 1 if rnd() < 0.7 else 2
            bought = HISTORY_DAYS - 1 - int(rnd() * 300)
            granted = quantity * per_purchase
            spent = int(rnd() * (granted + 1))
            made += spent
            if emit is not None:
                purchase_id = counters["purchase"]
                counters["purchase"] += 1
                valid_from = self.first_day + timedelta(days=bought)
                valid_until = valid_from + timedelta(days=valid_days - 1)
                self.purchase_rows.append(
                    f"{purchase_id}\t{self.moment}\t{self.moment}\t{holder}\t{benefit_id}\t"
                    f"{quantity}\t{price}\t{price * quantity}\t{granted}\t{spent}\t"
                    f"{valid_from}\t{valid_until}\tSCALE-PAY-{purchase_id}\t\t{code}\n"
                )
                early, late, change_day = self.cost_tails[benefit_id]
                for _ in range(spent):
                    d = bought + int(rnd() * (HISTORY_DAYS - bought))
                    stamp = (
                        day_text[d]
                        + clock[int(rnd() * n_clock)]
                        + seconds[int(rnd() * 60)]
                        + day_offset[d]
                    )
                    emit(
                        d,
                        f"{stamp}{holder_seg}{holder}\t{benefit_id}\tpurchase\t{purchase_id}\t"
                        f"app\tcompleted\t{valid_from}\t{valid_until}\t{tier}\t{code}\t"
                        f"{code.split('.')[0]}\t{NULL}\t\t{NULL}\t{NULL}"
                        f"{late if d >= change_day else early}",
                    )
        return made

    def _calibrate(self) -> float:
        """Find the popularity scale that yields the redemptions asked for, on a sample."""
        state = self.rng.getstate()
        sample = random.Random(self.seed + 1).sample(range(self.n), min(self.n, 25000))
        want = self.target / self.n
        scale = 1.0
        for _round in range(8):
            counters = {"balance": 0, "purchase": 0}
            got = sum(self._customer_history(i, scale, None, None, counters) for i in sample)
            mean = got / len(sample)
            if mean <= 0:
                scale *= 4
                continue
            ratio = want / mean
            if abs(ratio - 1) < 0.01:
                break
            scale *= ratio
        self.rng.setstate(state)
        return scale

    def build_history(self) -> None:
        self._days()
        redemption_partitions_ensure(start=self.first_day, months_ahead=3)
        self.report.partitions = len(self.months)
        scale = self._calibrate()
        log.info("popularity scale %.3f", scale)
        spool = tempfile.mkdtemp(prefix="seed_scale_")
        files = [
            open(os.path.join(spool, f"{k:03d}.tsv"), "w", encoding="utf-8", buffering=4 << 20)  # noqa: SIM115
            for k in range(len(self.months))
        ]
        day_month = self.day_month
        buffers: list[list[str]] = [[] for _ in self.months]

        def emit(d: int, line: str) -> None:
            buf = buffers[day_month[d]]
            buf.append(line)
            if len(buf) >= 4096:
                files[day_month[d]].write("".join(buf))
                buf.clear()

        counters = {
            "balance": self._next_id("bookshelf_quotabalance"),
            "purchase": self._next_id("bookshelf_purchase"),
        }
        first_balance = counters["balance"]
        self.purchase_rows: list[str] = []
        made = 0
        # Balances stream through a second connection while redemptions spool to the months.
        balance_conn = connection.get_new_connection(connection.get_connection_params())
        try:
            with balance_conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                cur.execute("TRUNCATE bookshelf_quotabalance")
                with cur.copy(
                    "COPY bookshelf_quotabalance (id, holder_id, benefit_id, period_start, "
                    "period_end, used, family_used) FROM STDIN WITH (FREEZE)"
                ) as copy:
                    bar = self.progress(self.n, "uses")
                    balances: list[str] = []
                    for i in range(self.n):
                        made += self._customer_history(i, scale, emit, balances, counters)
                        if len(balances) >= FLUSH_ROWS:
                            copy.write("".join(balances))
                            balances.clear()
                        if i % 5000 == 4999:
                            bar.update(5000)
                    copy.write("".join(balances))
                    bar.update(self.n - bar.n)
                    bar.close()
            balance_conn.commit()
        finally:
            balance_conn.close()
        for k, buf in enumerate(buffers):
            files[k].write("".join(buf))
            files[k].close()
        self.report.balances = counters["balance"] - first_balance
        self._copy(
            "bookshelf_purchase",
            "id, created_at, updated_at, customer_id, benefit_id, quantity, unit_price, "
            "total_price, uses_granted, uses_used, valid_from, valid_until, payment_reference, "
            "idempotency_key, benefit_code",
            ["".join(self.purchase_rows)],
        )
        self.report.purchases = len(self.purchase_rows)
        self._load_months(spool)
        os.rmdir(spool)

    def _load_months(self, spool: str) -> None:
        """Each month: sorted by time, numbered, copied into its partition (FREEZE), then its
        NPS answers."""
        rng = random.Random(self.seed * 7919 + 1)
        rnd = rng.random
        gauss = rng.gauss
        rare = {c.benefit_id for cells in self.cells_by_tier.values() for c in cells if c.rare}
        redemption_id = self._next_id("bookshelf_redemption")
        feedback_id = self._next_id("bookshelf_redemptionfeedback")
        now = timezone.now()
        bar = self.progress(len(self.months), "months")
        raw = self._raw()
        with transaction.atomic(), raw.cursor() as cur:
            # The detractor follow-ups (and their calls) point at the answers: empty here too.
            cur.execute("TRUNCATE bookshelf_redemptionfeedback CASCADE")
            for k, month in enumerate(self.months):
                path = os.path.join(spool, f"{k:03d}.tsv")
                with open(path, encoding="utf-8") as fh:
                    lines = fh.readlines()
                os.remove(path)
                lines.sort()
                part = partition_name(month)
                cur.execute(f'TRUNCATE "{part}"')
                feedback: list[str] = []
                with cur.copy(
                    f'COPY "{part}" (id, created_at, holder_id, beneficiary_id, benefit_id, '
                    "source, purchase_id, channel, status, period_start, period_end, "
                    "tier_snapshot, benefit_code, category_code, remaining_after, "
                    "idempotency_key, recorded_by_id, cancelled_at, supplier_id, unit_cost) "
                    "FROM STDIN WITH (FREEZE)"
                ) as copy:
                    chunk: list[str] = []
                    for line in lines:
                        chunk.append(f"{redemption_id}\t{line}")
                        cols = line.split("\t", 4)
                        benefit_id = int(cols[3])
                        is_rare = benefit_id in rare
                        if rnd() < (RARE_RATED_SHARE if is_rare else RATED_SHARE):
                            fields = line.split("\t")
                            if fields[7] == "completed":
                                at = datetime.fromisoformat(fields[0]) + timedelta(
                                    hours=1 + int(rnd() * 72)
                                )
                                at = min(at, now)
                                mean = 9.5 if is_rare else 5 + (benefit_id * 37 % 5)
                                score = min(10, max(0, round(gauss(mean, 1.6))))
                                feedback.append(
                                    f"{feedback_id}\t{redemption_id}\t{fields[2]}\t{benefit_id}\t"
                                    f"{fields[10]}\t{score}\t\t{at.isoformat()}\n"
                                )
                                feedback_id += 1
                        redemption_id += 1
                        if len(chunk) >= FLUSH_ROWS:
                            copy.write("".join(chunk))
                            chunk.clear()
                    copy.write("".join(chunk))
                self.report.redemptions += len(lines)
                del lines
                with cur.copy(
                    "COPY bookshelf_redemptionfeedback (id, redemption_id, customer_id, "
                    "benefit_id, tier_snapshot, score, comment, created_at) FROM STDIN "
                    "WITH (FREEZE)"
                ) as copy:
                    for j in range(0, len(feedback), FLUSH_ROWS):
                        copy.write("".join(feedback[j : j + FLUSH_ROWS]))
                self.report.feedback += len(feedback)
                bar.update(1)
        bar.close()

    def build_usage(self) -> None:
        """The monthly usage rollup, grouped from the redemptions just loaded (indexes and
        foreign keys are off until the load ends)."""
        self.report.usage_months = usage_rebuild(today=self.today)

    # -- demand -------------------------------------------------------------------------------
    def build_demand(self) -> None:
        rng = self.rng
        tops = dict(Category.objects.filter(parent__isnull=True).values_list("path_code", "pk"))
        signal_id = self._next_id("bookshelf_demandsignal")
        scale = max(1.0, self.n / 500)
        rows: list[str] = []
        base = self.customer_base
        tz = self.tz
        for top, text, text_zh, count in DEMAND_GROUPS:
            key_en, key_zh = demand_text_key(text), demand_text_key(text_zh)
            for k in range(int(count * scale)):
                index = int(rng.random() * self.n) if rng.random() < 0.8 else None
                phrase, key = (text, key_en) if k % 3 else (text_zh, key_zh)
                day = self.today - timedelta(days=int(rng.random() * 80))
                at = timezone.make_aware(
                    datetime.combine(day, datetime.min.time()), tz
                ) + timedelta(minutes=8 * 60 + int(rng.random() * 13 * 60))
                if index is None:
                    customer, source, tier = NULL, "agent", NULL
                else:
                    customer = str(base + index)
                    source = "customer"
                    tier = str(self.people.tier[index] * 10)
                rows.append(
                    f"{signal_id}\t{phrase}\t{tops.get(top, NULL)}\t{NULL}\t{customer}\t"
                    f"{source}\t{tier}\t{key}\t{at.isoformat()}\n"
                )
                signal_id += 1

        def chunks() -> Any:
            for k in range(0, len(rows), FLUSH_ROWS):
                yield "".join(rows[k : k + FLUSH_ROWS])

        self._copy(
            "bookshelf_demandsignal",
            "id, text, category_id, benefit_id, customer_id, source, tier_snapshot, text_key, "
            "created_at",
            chunks(),
        )
        self.report.demand_signals = len(rows)

    # -- the end ------------------------------------------------------------------------------
    def finish(self) -> None:
        with connection.cursor() as cursor:
            for table in [*LOADED_TABLES, "customers_agent"]:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        # VACUUM cannot run in a transaction: the cursor is in autocommit here.
        with connection.cursor() as cursor:
            for table in [*LOADED_TABLES, "customers_agent"]:
                cursor.execute(f"VACUUM (ANALYZE) {table}")

    def _record_meta(self) -> None:
        meta = {
            "customers": self.n,
            "redemptions_asked": self.target,
            **self.report.as_meta(),
            "database": settings.DATABASES["default"]["NAME"],
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            name = cursor.fetchone()[0]
            cursor.execute(
                "SELECT format('COMMENT ON DATABASE %%I IS %%L', %s::text, %s::text)",
                [name, "seed_scale " + json.dumps(meta)],
            )
            cursor.execute(cursor.fetchone()[0])


def seed_meta() -> dict[str, Any] | None:
    """What seed_scale recorded about this database (sizes, seed, day), if it ran here."""
    if not database_is_postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    text = row[0] if row else None
    if not text or not text.startswith("seed_scale "):
        return None
    return json.loads(text.removeprefix("seed_scale "))


def tables_reset() -> None:
    """Empty the tables seed_scale fills (and what hangs off them). Reference data made by
    the migrations (tier rules, review settings, the beat schedule) stays."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in RESET_TABLES) + " RESTART IDENTITY CASCADE"
        )
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
        cursor.execute("SELECT format('COMMENT ON DATABASE %%I IS NULL', %s::text)", [name])
        cursor.execute(cursor.fetchone()[0])
