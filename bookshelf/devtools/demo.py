"""Builds the demo shelf: catalog, agents, customers with families and policies, and a
history of redemptions, purchases and demand signals. Reproducible for a given seed and day.

Bulk writes (`bulk_create` in batches) keep it fast; the catalog itself goes through the
services, so demo benefits get their codes the way product staff's do.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from benefits.models import Benefit, BenefitKind, BenefitStatus, Category
from benefits.services import benefit_create, benefit_retire, category_create
from customers.models import (
    INVERSE_RELATION,
    Agent,
    Customer,
    FamilyLink,
    Gender,
    Policy,
    PolicyStatus,
    ProductLine,
    Relation,
    Tier,
    TierRule,
)
from customers.pii import resident_id_check_digit
from customers.selectors import tier_from_premium

from ..ledger.models import (
    Channel,
    Purchase,
    QuotaBalance,
    Redemption,
    RedemptionFeedback,
    Source,
)
from ..ledger.services import usage_rebuild
from ..review.demand_groups import demand_group_missing
from ..review.models import DemandSignal, DemandSource
from ..review.selectors import demand_text_key
from ..roles import AGENT, AGENT_SUPERVISOR, PRODUCT_STAFF, staff_groups_sync
from ..shelf.models import Eligibility, ShelfCell
from ..shelf.selectors import period_bounds
from ..shelf.services import shelf_version_bump
from .demo_catalog import BENEFITS, CATEGORIES
from .demo_consents import demo_consents_give
from .demo_copy_zh import COPY as DEMO_COPY_ZH
from .demo_day import DemoDayBuilder
from .demo_money import MoneyBuilder
from .demo_suppliers import DeliveriesBuilder, demo_fulfilment_kind

BATCH = 2000
HISTORY_DAYS = 450

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁"
    "谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉婷雪琳晨浩宇欣怡子轩梓涵"
)
CITIES = {
    "Beijing": "110105",
    "Shanghai": "310104",
    "Shenzhen": "440305",
    "Guangzhou": "440106",
    "Hangzhou": "330106",
    "Chengdu": "510107",
    "Wuhan": "420106",
    "Nanjing": "320106",
}
PHONE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139",
    "150", "151", "152", "155", "156", "158", "159", "176", "177",
    "180", "181", "185", "186", "187", "188", "189",
]  # fmt: skip
# The pyramid of tiers in the demo: most customers ordinary, few high-net-worth.
TIER_WEIGHTS = {
    Tier.PROSPECT: 0.10,
    Tier.ORDINARY: 0.52,
    Tier.GOLD: 0.18,
    Tier.PLATINUM: 0.10,
    Tier.DIAMOND: 0.06,
    Tier.HIGH_NET_WORTH: 0.04,
}
# Requests for benefits not on the shelf: a few loud ones and scattered one-offs.
DEMAND_GROUPS = [
    ("LIF", "Pet vet video consultation", "宠物医生视频问诊", 40),
    ("HLT", "Postpartum confinement care (yuezi)", "月子护理服务", 28),
    ("MED", "Dental cleaning and check", "洗牙及口腔检查", 22),
    ("HLT", "Traditional Chinese medicine physiotherapy", "中医理疗", 6),
    ("TRV", "EV charging discount", "新能源汽车充电优惠", 4),
    ("LIF", "Home appliance cleaning", "家电清洗", 3),
]


def batched[T](items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class SeedReport:
    categories: int = 0
    benefits: int = 0
    cells: int = 0
    agents: int = 0
    customers: int = 0
    policies: int = 0
    family_links: int = 0
    redemptions: int = 0
    purchases: int = 0
    demand_signals: int = 0
    feedback: int = 0
    suppliers: int = 0
    pool_codes: int = 0
    fulfilments: int = 0
    overdue_cases: int = 0
    prices: int = 0
    budgets: int = 0
    statements: int = 0
    logins_kept: str = ""  # demo logins that already existed, left exactly as they were
    events: int = 0
    suggestions: int = 0
    followups: int = 0
    followup_calls: int = 0
    escalated: int = 0
    invitations: int = 0
    handed_over: str = ""


# Public: the command refuses to run outside DEBUG unless forced.
DEMO_PASSWORD = "bookshelf-demo"  # noqa: S105


ProgressFactory = Callable[[int, str], Any]


class _NoProgress:
    def __init__(self, total: int = 0, desc: str = "") -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def demo_present() -> bool:
    return Category.objects.filter(path_code__in=[c["code"] for c in CATEGORIES]).exists()


def demo_texts(spec: dict[str, Any]) -> dict[str, Any]:
    """A demo benefit's texts in both languages: the English and the Chinese name from
    `demo_catalog`, the Chinese product copy from `demo_copy_zh` (keyed by the English name;
    what it does not hold yet stays empty and shows in the admin's "translation missing")."""
    copy = DEMO_COPY_ZH.get(spec["name"], {})
    return {
        "name": spec["name"],
        "name_zh_hans": spec.get("name_zh", ""),
        "description": spec.get("description", ""),
        "description_zh_hans": copy.get("description", ""),
        "how_to_use": spec.get("how_to_use", ""),
        "how_to_use_zh_hans": copy.get("how_to_use", ""),
        "provider": spec.get("provider", ""),
        "provider_zh_hans": copy.get("provider", ""),
        "provider_notes": copy.get("provider_notes_en", ""),
        "provider_notes_zh_hans": copy.get("provider_notes", ""),
        "unit": spec.get("unit", "use"),
        "unit_zh_hans": copy.get("unit", ""),
    }


class DemoBuilder:
    def __init__(
        self,
        *,
        customers: int,
        seed: int,
        today: date | None = None,
        progress: ProgressFactory | None = None,
    ) -> None:
        self.n_customers = customers
        self.seed = seed
        self.rng = random.Random(seed)
        # Its own stream, so adding satisfaction answers did not change the rest of the demo.
        self.feedback_rng = random.Random(seed * 7919 + 1)
        self.today = today or timezone.localdate()
        self.progress = progress or (lambda total, desc: _NoProgress(total, desc))
        self.report = SeedReport()
        self.tz = timezone.get_current_timezone()

    # -- catalog ---------------------------------------------------------------------------
    def build_catalog(self) -> dict[str, Benefit]:
        by_path: dict[str, Category] = {}
        for pos, top in enumerate(CATEGORIES):
            parent = category_create(
                code=top["code"], name=top["name"], name_zh_hans=top["name_zh"], position=pos
            )
            by_path[parent.path_code] = parent
            for cpos, child in enumerate(top["children"]):
                sub = category_create(
                    code=child["code"],
                    name=child["name"],
                    name_zh_hans=child["name_zh"],
                    parent=parent,
                    position=cpos,
                )
                by_path[sub.path_code] = sub
        self.report.categories = len(by_path)

        benefits: dict[str, Benefit] = {}
        cells: list[ShelfCell] = []
        rules: list[Eligibility] = []
        self.meta: dict[int, dict[str, Any]] = {}
        bar = self.progress(len(BENEFITS), "catalog")
        for spec in BENEFITS:
            price = Decimal(spec["price"]) if spec.get("price") else None
            benefit = benefit_create(
                category=by_path[spec["category"]],
                **demo_texts(spec),
                kind=spec.get("kind", BenefitKind.INCLUDED),
                price=price,
                uses_per_purchase=spec.get("uses_per_purchase", 1) or 1,
                shareable=bool(spec.get("shareable")),
                tags=list(spec.get("tags", [])),
                status=BenefitStatus.ON_SHELF,
                fulfilment_kind=demo_fulfilment_kind(spec),
            )
            benefits[spec["name"]] = benefit
            self.meta[benefit.pk] = spec
            period = spec.get("period", "calendar_year")
            for slug, quota in (spec.get("quota") or {}).items():
                cell_period = "unlimited" if quota is None else period
                if cell_period == "unlimited":
                    quota = None
                family = int(spec.get("family_quota") or 0) if spec.get("shareable") else 0
                if quota is not None:
                    family = min(family, quota)
                cells.append(
                    ShelfCell(
                        tier=Tier.by_slug(slug),
                        benefit=benefit,
                        period=cell_period,
                        quota=quota,
                        family_quota=family,
                    )
                )
            if spec.get("requires_product_line") or spec.get("min_age") or spec.get("max_age"):
                rules.append(
                    Eligibility(
                        benefit=benefit,
                        requires_product_line=spec.get("requires_product_line") or "",
                        min_age=spec.get("min_age"),
                        max_age=spec.get("max_age"),
                    )
                )
            bar.update(1)
        bar.close()
        for cell in cells:
            cell.full_clean()
        ShelfCell.objects.bulk_create(cells, batch_size=BATCH)
        Eligibility.objects.bulk_create(rules, batch_size=BATCH)
        # The catalog has been on the shelf since the start of the demo history, so the shelf
        # review judges it (benefits newer than the review's grace period are never proposed).
        since = self._moment(self.today - timedelta(days=HISTORY_DAYS))
        Benefit.objects.filter(pk__in=[b.pk for b in benefits.values()]).update(
            on_shelf_since=since, status_changed_at=since
        )
        self.report.benefits = len(benefits)
        self.report.cells = len(cells)
        return benefits

    # -- people -----------------------------------------------------------------------------
    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))

    def _phone(self, used: set[str]) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in used:
                used.add(phone)
                return phone

    def _id_number(self, region: str, birth: date, gender: str) -> str:
        seq = self.rng.randrange(0, 500) * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
        return first17 + resident_id_check_digit(first17)

    def build_agents(self) -> list[Agent]:
        n_agents = max(3, self.n_customers // 40)
        n_supervisors = max(1, n_agents // 8)
        agents: list[Agent] = []
        supervisors: list[Agent] = []
        for i in range(n_agents + n_supervisors):
            is_sup = i < n_supervisors
            agent = Agent.objects.create(
                agent_no=f"{'S' if is_sup else 'A'}{i + 1:05d}",
                name=self._name(),
                city=self.rng.choice(list(CITIES)),
                supervisor=None if is_sup else supervisors[i % n_supervisors],
            )
            (supervisors if is_sup else agents).append(agent)
        # Demo logins for the first supervisor and the first two agents, in their groups.
        staff_groups_sync()
        groups = {g.name: g for g in Group.objects.all()}
        logins: list[tuple[str, Agent | None, dict[str, Any]]] = [
            ("supervisor", supervisors[0], {"first_name": supervisors[0].name}),
            ("agent", agents[0], {"first_name": agents[0].name}),
            ("agent2", agents[1], {"first_name": agents[1].name}),
            ("product", None, {"first_name": "王敏"}),  # product staff, a person's name
            ("admin", None, {"is_superuser": True}),
        ]
        kept = []
        for username, login_agent, flags in logins:
            user = self._demo_login(username, flags)
            if user is None:
                kept.append(username)
                continue
            if login_agent is not None:
                group = AGENT_SUPERVISOR if login_agent in supervisors else AGENT
                user.groups.add(groups[group])
                login_agent.user = user
                login_agent.save(update_fields=["user", "updated_at"])
            elif not user.is_superuser:
                user.groups.add(groups[PRODUCT_STAFF])
        self.report.logins_kept = ", ".join(kept) or "-"
        self.report.agents = len(agents) + len(supervisors)
        return agents

    @staticmethod
    def _demo_login(username: str, flags: dict[str, Any]) -> Any:
        """Create a missing demo login; an existing user is never touched (None)."""
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            return None
        return user_model.objects.create_user(
            username=username, password=DEMO_PASSWORD, is_staff=True, **flags
        )

    def build_customers(self, agents: list[Agent]) -> list[Customer]:
        rng = self.rng
        rules = list(TierRule.objects.order_by("tier"))
        thresholds = {Tier(r.tier): r.min_annual_premium for r in rules}
        tiers = list(TIER_WEIGHTS)
        weights = list(TIER_WEIGHTS.values())
        phones: set[str] = set()
        customers: list[Customer] = []
        policies_by_no: dict[str, list[Policy]] = {}
        bar = self.progress(self.n_customers, "customers")
        for i in range(self.n_customers):
            # Every tier is present even in a small demo.
            # Every tier is present even in a small demo.
            tier = tiers[i % len(tiers)] if i < 2 * len(tiers) else rng.choices(tiers, weights)[0]
            gender = rng.choice([Gender.FEMALE, Gender.MALE])
            age = rng.randint(22, 78)
            birth = self.today - timedelta(days=age * 365 + rng.randrange(365))
            city = rng.choice(list(CITIES))
            no = f"C{100000000 + i:09d}"
            tags: list[str] = []
            if age >= 45 and rng.random() < 0.35:
                tags.append("chronic_condition")
            if rng.random() < 0.2 + (0.2 if tier >= Tier.PLATINUM else 0):
                tags.append("frequent_traveller")
            if 28 <= age <= 45 and rng.random() < 0.45:
                tags.append("young_children")
            if 35 <= age <= 60 and rng.random() < 0.35:
                tags.append("elderly_parents")
            if age < 50 and rng.random() < 0.25:
                tags.append("fitness")
            if age >= 60:
                tags.append("senior")
            if tier >= Tier.DIAMOND:
                tags.append("high_income")
            customer = Customer(
                customer_no=no,
                name=self._name(),
                birth_date=birth,
                gender=gender,
                city=city,
                phone=self._phone(phones),
                id_number=self._id_number(CITIES[city], birth, gender),
                agent=rng.choice(agents),
                tags=tags,
            )
            customer.search_columns_refresh()  # bulk_create skips save()
            policies = self._policies_for(no, tier, thresholds)
            premium = sum(
                (p.annual_premium for p in policies if p.status == PolicyStatus.IN_FORCE),
                Decimal("0"),
            )
            has_in_force = any(p.status == PolicyStatus.IN_FORCE for p in policies)
            decision = tier_from_premium(has_in_force=has_in_force, premium=premium, rules=rules)
            customer.tier = decision.tier
            customer.tier_reason = decision.reason
            customer.tier_set_at = timezone.now()
            customers.append(customer)
            policies_by_no[no] = policies
            bar.update(1)
        bar.close()
        for batch in batched(customers):
            Customer.objects.bulk_create(batch)
        saved = {c.customer_no: c for c in Customer.objects.filter(customer_no__in=policies_by_no)}
        all_policies: list[Policy] = []
        for no, policies in policies_by_no.items():
            for p in policies:
                p.customer = saved[no]
                all_policies.append(p)
        for policy_batch in batched(all_policies):
            Policy.objects.bulk_create(policy_batch)
        self.report.customers = len(saved)
        self.report.policies = len(all_policies)
        return list(saved.values())

    def _policies_for(self, no: str, tier: Tier, thresholds: dict[Tier, Decimal]) -> list[Policy]:
        rng = self.rng
        if tier == Tier.PROSPECT:
            if rng.random() < 0.3:  # a lapsed policy from the past
                return [self._policy(no, 0, ProductLine.ACCIDENT, Decimal("800"), lapsed=True)]
            return []
        ladder = [Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND, Tier.HIGH_NET_WORTH]
        low = Decimal("1000") if tier == Tier.ORDINARY else thresholds[tier]
        nxt = [thresholds[t] for t in ladder if t > tier]
        high = nxt[0] - 1 if nxt else thresholds[Tier.HIGH_NET_WORTH] * 3
        if tier == Tier.ORDINARY:
            high = thresholds[Tier.GOLD] - 1
        target = Decimal(rng.uniform(float(low), float(high))).quantize(Decimal("1"))
        n = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
        lines = [ProductLine.LONG_TERM_LIFE if rng.random() < 0.55 else ProductLine.MEDICAL]
        others = [
            ProductLine.CRITICAL_ILLNESS,
            ProductLine.MEDICAL,
            ProductLine.ACCIDENT,
            ProductLine.ANNUITY,
            ProductLine.PROPERTY,
        ]
        lines += rng.sample(others, n - 1)
        shares = [rng.random() + 0.2 for _ in lines]
        total = sum(shares)
        premiums = [(target * Decimal(s / total)).quantize(Decimal("1")) for s in shares]
        premiums[0] += target - sum(premiums)
        return [
            self._policy(no, k, line, prem)
            for k, (line, prem) in enumerate(zip(lines, premiums, strict=True))
        ]

    def _policy(self, no: str, k: int, line: str, premium: Decimal, lapsed: bool = False) -> Policy:
        start = self.today - timedelta(days=self.rng.randint(200, 3000))
        return Policy(
            policy_no=f"P{no[1:]}{k:02d}",
            product_line=line,
            annual_premium=max(premium, Decimal("100")),
            status=PolicyStatus.LAPSED if lapsed else PolicyStatus.IN_FORCE,
            start_date=start,
            end_date=None,
        )

    def build_families(self, customers: list[Customer]) -> list[tuple[Customer, Customer, str]]:
        rng = self.rng
        pool = customers[:]
        rng.shuffle(pool)
        pairs: list[tuple[Customer, Customer, str]] = []
        i = 0
        while i + 1 < len(pool) and i < len(pool) * 0.5:
            size = rng.choice([2, 2, 3, 3, 4])
            group = pool[i : i + size]
            i += size
            head = max(group, key=lambda c: c.tier)
            for member in group:
                if member is head:
                    continue
                age_gap = head.birth_date.year - member.birth_date.year
                relation: str
                if age_gap > 18:
                    relation = Relation.PARENT
                elif age_gap < -18:
                    relation = Relation.CHILD
                else:
                    relation = Relation.SPOUSE
                pairs.append((head, member, str(relation)))
        links: list[FamilyLink] = []
        for head, member, relation in pairs:
            links.append(FamilyLink(customer=head, relative=member, relation=relation))
            links.append(
                FamilyLink(
                    customer=member, relative=head, relation=INVERSE_RELATION[Relation(relation)]
                )
            )
        for batch in batched(links):
            FamilyLink.objects.bulk_create(batch)
        self.report.family_links = len(links)
        return pairs

    # -- history ----------------------------------------------------------------------------
    def _moment(self, day: date) -> datetime:
        return timezone.make_aware(
            datetime.combine(day, time(self.rng.randint(8, 20), self.rng.randint(0, 59))),
            self.tz,
        )

    def build_history(
        self,
        customers: list[Customer],
        pairs: list[tuple[Customer, Customer, str]],
    ) -> None:
        rng = self.rng
        today = self.today
        cells_by_tier: dict[int, list[ShelfCell]] = defaultdict(list)
        for cell in ShelfCell.objects.select_related("benefit", "benefit__eligibility"):
            cells_by_tier[cell.tier].append(cell)
        lines: dict[int, set[str]] = defaultdict(set)
        anchors: dict[int, date] = {}
        for cid, line, start in Policy.objects.filter(status=PolicyStatus.IN_FORCE).values_list(
            "customer_id", "product_line", "start_date"
        ):
            lines[cid].add(line)
            anchors[cid] = min(anchors.get(cid, start), start)
        relatives: dict[int, list[Customer]] = defaultdict(list)
        for head, member, _relation in pairs:
            relatives[head.pk].append(member)

        used: Counter[tuple[int, int, date]] = Counter()
        family_used: Counter[tuple[int, int, date]] = Counter()
        ends: dict[tuple[int, int, date], date | None] = {}
        redemptions: list[Redemption] = []
        bar = self.progress(len(customers), "redemptions")
        for customer in customers:
            for cell in cells_by_tier.get(customer.tier, []):
                benefit = cell.benefit
                spec = self.meta.get(benefit.pk, {})
                rules = getattr(benefit, "eligibility", None)
                if (
                    rules
                    and rules.requires_product_line
                    and (rules.requires_product_line not in lines[customer.pk])
                ):
                    continue
                age = customer.age_on(today)
                if rules and (
                    (rules.min_age is not None and age < rules.min_age)
                    or (rules.max_age is not None and age > rules.max_age)
                ):
                    continue
                popularity = float(spec.get("popularity", 0.1))
                if set(spec.get("tags", [])) & set(customer.tags):
                    popularity = min(0.95, popularity * 2.2)
                if rng.random() > popularity * HISTORY_DAYS / 365:
                    continue
                uses = 1 + int(rng.expovariate(1.2) * (cell.quota or 3) / 2)
                family = relatives.get(customer.pk, []) if cell.family_quota else []
                for _ in range(uses):
                    day = today - timedelta(days=rng.randrange(HISTORY_DAYS))
                    start, end = period_bounds(cell.period, day, anchors.get(customer.pk))
                    key = (customer.pk, benefit.pk, start)
                    beneficiary = customer
                    source = Source.TIER
                    if family and rng.random() < 0.3 and family_used[key] < cell.family_quota:
                        beneficiary = rng.choice(family)
                        source = Source.FAMILY
                    if cell.quota is not None and used[key] >= cell.quota:
                        continue
                    used[key] += 1
                    if source == Source.FAMILY:
                        family_used[key] += 1
                    ends[key] = end
                    redemptions.append(
                        Redemption(
                            holder=customer,
                            beneficiary=beneficiary,
                            benefit=benefit,
                            source=source,
                            channel=rng.choice(
                                [Channel.APP] * 6 + [Channel.AGENT] * 2 + [Channel.PHONE]
                            ),
                            period_start=start,
                            period_end=end,
                            tier_snapshot=customer.tier,
                            benefit_code=benefit.code,
                            category_code=benefit.code.split(".")[0],
                            created_at=self._moment(day),
                        )
                    )
            bar.update(1)
        bar.close()
        redemptions.sort(key=lambda r: r.created_at)
        for batch in batched(redemptions):
            Redemption.objects.bulk_create(batch)
            self.build_feedback(batch)
        balances = [
            QuotaBalance(
                holder_id=holder_id,
                benefit_id=benefit_id,
                period_start=start,
                period_end=ends[(holder_id, benefit_id, start)],
                used=n,
                family_used=family_used[(holder_id, benefit_id, start)],
            )
            for (holder_id, benefit_id, start), n in used.items()
        ]
        for balance_batch in batched(balances):
            QuotaBalance.objects.bulk_create(balance_batch)
        self.report.redemptions = len(redemptions)

    def build_feedback(self, redemptions: list[Redemption]) -> None:
        """About a third of uses are rated 0-10 ("would you recommend it?"). Each benefit has
        its own typical score; the rarest benefits are loved by the few who use them, so the
        review can show "keep, promote it" beside "retire"."""
        rng = self.feedback_rng
        answers: list[RedemptionFeedback] = []
        for redemption in redemptions:
            spec = self.meta.get(redemption.benefit_id, {})
            rare = float(spec.get("popularity", 0.1)) <= 0.006
            if rng.random() > (0.9 if rare else 0.3):
                continue
            # From the code, not the database id: the same demo whatever ids the rows get.
            base = 9.5 if rare else 5 + (zlib.crc32(redemption.benefit_code.encode()) % 5)
            score = min(10, max(0, round(rng.gauss(base, 1.6))))
            answers.append(
                RedemptionFeedback(
                    redemption=redemption,
                    customer_id=redemption.beneficiary_id,
                    benefit_id=redemption.benefit_id,
                    tier_snapshot=redemption.tier_snapshot,
                    # The snapshots `redemption_feedback_create` takes; the supplier is known
                    # once the money has priced the history (`demo_day`).
                    channel=redemption.channel,
                    agent_id=redemption.beneficiary.agent_id or redemption.holder.agent_id,
                    score=score,
                    created_at=min(
                        timezone.now(), redemption.created_at + timedelta(hours=rng.randint(1, 72))
                    ),
                )
            )
        RedemptionFeedback.objects.bulk_create(answers, batch_size=BATCH)
        self.report.feedback += len(answers)

    def build_purchases(self, customers: list[Customer]) -> None:
        rng = self.rng
        priced = list(
            Benefit.objects.filter(price__isnull=False, status=BenefitStatus.ON_SHELF).order_by(
                "code"
            )
        )
        if not priced:
            return
        purchases: list[Purchase] = []
        redemptions: list[Redemption] = []
        for customer in customers:
            if customer.tier == Tier.PROSPECT or rng.random() > 0.12:
                continue
            benefit = rng.choice(priced)
            quantity = rng.choice([1, 1, 2])
            bought = self.today - timedelta(days=rng.randrange(300))
            granted = quantity * benefit.uses_per_purchase
            spent = rng.randint(0, granted)
            assert benefit.price is not None
            purchase = Purchase(
                customer=customer,
                benefit=benefit,
                quantity=quantity,
                unit_price=benefit.price,
                total_price=benefit.price * quantity,
                uses_granted=granted,
                uses_used=spent,
                valid_from=bought,
                valid_until=bought + timedelta(days=benefit.purchase_valid_days - 1),
                payment_reference=f"DEMO-PAY-{customer.customer_no}-{len(purchases):04d}",
                benefit_code=benefit.code,
            )
            purchases.append(purchase)
        Purchase.objects.bulk_create(purchases)
        for purchase in purchases:
            for _ in range(purchase.uses_used):
                day = purchase.valid_from + timedelta(
                    days=rng.randrange(max(1, (self.today - purchase.valid_from).days + 1))
                )
                redemptions.append(
                    Redemption(
                        holder=purchase.customer,
                        beneficiary=purchase.customer,
                        benefit=purchase.benefit,
                        source=Source.PURCHASE,
                        purchase=purchase,
                        channel=Channel.APP,
                        period_start=purchase.valid_from,
                        period_end=purchase.valid_until,
                        tier_snapshot=purchase.customer.tier,
                        benefit_code=purchase.benefit_code,
                        category_code=purchase.benefit_code.split(".")[0],
                        created_at=self._moment(day),
                    )
                )
        Redemption.objects.bulk_create(redemptions, batch_size=BATCH)
        self.report.purchases = len(purchases)
        self.report.redemptions += len(redemptions)

    def build_demand(self, customers: list[Customer]) -> None:
        rng = self.rng
        tops = {c.path_code: c for c in Category.objects.filter(parent__isnull=True)}
        signals: list[DemandSignal] = []
        scale = max(1.0, self.n_customers / 500)
        for top, text, text_zh, count in DEMAND_GROUPS:
            for k in range(int(count * scale)):
                customer = rng.choice(customers) if rng.random() < 0.8 else None
                phrase = text if k % 3 else text_zh
                signals.append(
                    DemandSignal(
                        text=phrase,
                        category=tops.get(top),
                        customer=customer,
                        source=DemandSource.CUSTOMER if customer else DemandSource.AGENT,
                        tier_snapshot=customer.tier if customer else None,
                        text_key=demand_text_key(phrase),
                        created_at=self._moment_past(
                            self.today - timedelta(days=rng.randrange(80))
                        ),
                    )
                )
        made = DemandSignal.objects.bulk_create(signals, batch_size=BATCH)
        # Written in bulk, past the service: grouped now, so the group pages show them.
        demand_group_missing(DemandSignal.objects.filter(pk__in=[s.pk for s in made]))
        self.report.demand_signals = len(signals)

    def _moment_past(self, day: date) -> datetime:
        """A moment of that day, never after now (a request of today was made already)."""
        return min(self._moment(day), timezone.now())

    def retire_one(self, benefits: dict[str, Benefit]) -> None:
        """The demo shows a retired benefit whose purchased grants stay usable."""
        candidates = [b for b in benefits.values() if b.kind == BenefitKind.PAID]
        if candidates:
            benefit_retire(
                benefit=candidates[-1],
                reason="Demo: replaced by a newer partner offer; purchases stay valid.",
            )

    def build_deliveries(self, customers: list[Customer]) -> None:
        """Suppliers, code pools and a few requests at every stage, through the services:
        after the history and its rollup, which they add to. The money (prices, the
        history priced, statements, budgets) comes before the requests, so they are charged."""
        money = MoneyBuilder(today=self.today, history_days=HISTORY_DAYS)
        deliveries = DeliveriesBuilder(seed=self.seed, today=self.today).run(
            list(Benefit.objects.order_by("code")), customers, before_requests=money.run
        )
        self.report.prices = money.report.prices
        self.report.budgets = money.report.budgets
        self.report.statements = money.report.statements
        self.report.suppliers = deliveries.suppliers
        self.report.pool_codes = deliveries.pool_codes
        self.report.fulfilments = deliveries.fulfilments
        self.report.overdue_cases = deliveries.overdue_cases

    def build_day(self, agents: list[Agent]) -> None:
        """The agent's morning: suggestions, detractor follow-ups, survey invitations."""
        now = (
            timezone.now()
            if self.today == timezone.localdate()
            else timezone.make_aware(datetime.combine(self.today, time(12, 0)), self.tz)
        )
        day = DemoDayBuilder(seed=self.seed, today=self.today, now=now, login_agent=agents[0])
        for name, value in vars(day.run()).items():
            setattr(self.report, name, value)

    @transaction.atomic
    def run(self) -> SeedReport:
        benefits = self.build_catalog()
        agents = self.build_agents()
        customers = self.build_customers(agents)
        pairs = self.build_families(customers)
        self.build_history(customers, pairs)
        self.build_purchases(customers)
        # The history was written in bulk, past the services: count it once, in the database.
        usage_rebuild(today=self.today)
        self.build_demand(customers)
        self.retire_one(benefits)
        self.build_deliveries(customers)
        demo_consents_give()
        self.build_day(agents)
        shelf_version_bump()
        return self.report
