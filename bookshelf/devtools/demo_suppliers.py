"""The demo's deliveries: how each demo benefit is delivered, who delivers it, the code pools
of the issued ones, and a few requests at every stage of their lifecycle.

How a demo benefit is delivered (`demo_fulfilment_kind`, the first rule that matches):

1. Its name says it is a code or a shipment (voucher, coupon, card, pass, membership, kit,
   device, gift, box, hamper, cake, flowers, tickets, rewards, lounge, fast-track, a home
   or meal delivery): **issued**.
2. Its name says it is answered on the phone or online (hotline, phone line, online,
   concierge line, calls, insurance upgrade): **instant**.
3. Its unit is an appointment (visit, session, escort, booking, event, trip, check-up,
   day): **booked**.
4. It is in Gifts (GFT): **issued**.
5. Its sub-category is delivered by appointment (check-ups, dental and eye care, medical
   care, airport services, car owner services, home services, dining, elderly care,
   wealth): **booked**.
6. Its unit is an item: **issued**.
7. Everything else (consultations and services of the doctors' platform, emergency
   assistance lines, programmes run remotely): **instant**. Overseas emergency assistance
   (TRV.04.001, the README's API example) is instant.

Every benefit has one or two suppliers (`SUBCATEGORY_SUPPLIERS`, `NAME_SUPPLIERS`), fictional
Chinese partners with their service levels; each supplier has one callback key (its secret
random, never printed). Every issued benefit on the shelf has a code pool with its first
supplier; one pool is below its low-stock threshold. The requests (`SCENARIOS`) are made
for the demo's first customers (C100000002 to C100000011, the same tiers in every demo)
through the real services (`use_request`, `fulfilment_transition`, `use_cancel`), so the
ledger holds, settles and gives back exactly as in production; their times are then set
back to look like the last days' work, and `cases_open_overdue` opens the cases of those
past their confirm deadline. Reproducible for a seed and a day: its own random stream, and
times relative to the demo's day.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from benefits.models import Benefit, BenefitStatus, FulfilmentKind
from config.exceptions import DomainError
from customers.models import Customer
from customers.pii import encrypt_value

from ..fulfilment.models import (
    ActorKind,
    BenefitSupplier,
    CodePool,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    OperationsCase,
    PoolCode,
    Supplier,
    SupplierKey,
)
from ..fulfilment.pools import code_fingerprint, code_seal
from ..fulfilment.services import (
    Actor,
    Change,
    UseResult,
    cases_open_overdue,
    fulfilment_transition,
    use_request,
)
from ..fulfilment.transitions import OPEN_STATES, RELEASING_STATES
from ..ledger.models import Channel, Redemption
from ..shelf.models import ShelfCell

S = FulfilmentState

ISSUED_WORDS = (
    "voucher", "coupon", "card", "pass", "membership", "kit", "device", "gift", "box",
    "hamper", "cake", "flowers", "tickets", "rewards", "lounge", "fast-track",
    "home delivery", "meal delivery", "car wash",
)  # fmt: skip
INSTANT_WORDS = (
    "hotline", "phone line", "online", "concierge line", "calls", "insurance upgrade",
)  # fmt: skip
BOOKED_UNITS = frozenset(
    {"visit", "session", "escort", "booking", "event", "trip", "check-up", "day"}
)
BOOKED_SUBCATEGORIES = (
    "HLT.01", "HLT.04", "MED.", "TRV.01", "TRV.03", "LIF.01", "LIF.02", "ELD.", "WLT.",
)  # fmt: skip


def demo_fulfilment_kind(spec: dict[str, Any]) -> str:
    """How a demo benefit is delivered, by the rule in the module's docstring."""
    name = spec["name"].lower()
    unit = spec.get("unit", "use")
    if any(word in name for word in ISSUED_WORDS):
        return FulfilmentKind.ISSUED
    if any(word in name for word in INSTANT_WORDS):
        return FulfilmentKind.INSTANT
    if unit in BOOKED_UNITS:
        return FulfilmentKind.BOOKED
    if spec["category"].startswith("GFT."):
        return FulfilmentKind.ISSUED
    if spec["category"].startswith(BOOKED_SUBCATEGORIES):
        return FulfilmentKind.BOOKED
    if unit == "item":
        return FulfilmentKind.ISSUED
    return FulfilmentKind.INSTANT


# Fictional partners. Their service level (hours to confirm, hours to deliver) applies to
# the booked and issued benefits they deliver; an instant benefit has none.
# fmt: off
SUPPLIERS: list[dict[str, Any]] = [
    {"code": "kangyi-doctors", "name": "KangYi Online Doctors", "name_zh": "康医在线",
     "contact": "周敏", "email": "partners@kangyi.example.com", "phone": "400-000-0101",
     "hours": "00:00-24:00", "sla": (2, 48)},
    {"code": "yihutong-medical", "name": "YiHuTong Medical Services",
     "name_zh": "医护通医疗服务", "contact": "陈立", "email": "ops@yihutong.example.com",
     "phone": "400-000-0102",
     "hours": "08:00-22:00", "sla": (4, 168)},
    {"code": "heyue-checkup", "name": "Heyue Health Check-up Centres",
     "name_zh": "禾悦健康体检中心", "contact": "刘洋", "email": "booking@heyue.example.com",
     "phone": "400-000-0103",
     "hours": "07:30-17:00", "sla": (24, 336)},
    {"code": "ruikang-checkup", "name": "Ruikang Check-up Clinics", "name_zh": "瑞康体检门诊",
     "contact": "孙静", "email": "service@ruikang.example.com", "phone": "400-000-0104",
     "hours": "07:30-16:30", "sla": (24, 336)},
    {"code": "anxin-dental-eye", "name": "Anxin Dental and Eye Clinics",
     "name_zh": "安心口腔眼科连锁", "contact": "黄丽", "email": "care@anxin.example.com",
     "phone": "400-000-0105", "hours": "09:00-21:00", "sla": (8, 240)},
    {"code": "xingtu-rescue", "name": "Xingtu Road Rescue", "name_zh": "行途道路救援",
     "contact": "马强", "email": "dispatch@xingtu.example.com", "phone": "400-000-0106",
     "hours": "00:00-24:00", "sla": (2, 24)},
    {"code": "huanyu-assist", "name": "Huanyu Travel Assistance", "name_zh": "寰宇旅行援助",
     "contact": "赵磊", "email": "alarm@huanyu.example.com", "phone": "400-000-0107",
     "hours": "00:00-24:00", "sla": (4, 72)},
    {"code": "lepin-gifts", "name": "Lepin Gift Shop", "name_zh": "乐品礼品商城",
     "contact": "吴芳", "email": "orders@lepin.example.com", "phone": "400-000-0108",
     "hours": "09:00-18:00", "sla": (24, 168)},
    {"code": "quanyitong-coupons", "name": "Quanyitong E-coupons", "name_zh": "券易通电子券",
     "contact": "郑杰", "email": "codes@quanyitong.example.com", "phone": "400-000-0109",
     "hours": "00:00-24:00", "sla": (2, 24)},
    {"code": "jinhui-events", "name": "Jinhui Events", "name_zh": "锦汇会务活动",
     "contact": "林婷", "email": "events@jinhui.example.com", "phone": "400-000-0110",
     "hours": "09:00-18:00", "sla": (24, 336)},
    {"code": "yuejia-home", "name": "Yuejia Home Services", "name_zh": "悦家到家服务",
     "contact": "何娟", "email": "service@yuejia.example.com", "phone": "400-000-0111",
     "hours": "08:00-20:00", "sla": (8, 120)},
    {"code": "zunxiang-concierge", "name": "Zunxiang Concierge", "name_zh": "尊享礼宾",
     "contact": "高鹏", "email": "desk@zunxiang.example.com", "phone": "400-000-0112",
     "hours": "00:00-24:00", "sla": (4, 72)},
    {"code": "dongli-sports", "name": "Dongli Sports Network", "name_zh": "动力运动联盟",
     "contact": "罗浩", "email": "clubs@dongli.example.com", "phone": "400-000-0113",
     "hours": "07:00-22:00", "sla": (8, 168)},
    {"code": "hengzhi-advisers", "name": "Hengzhi Legal and Tax Advisers",
     "name_zh": "恒智法税顾问", "contact": "谢宇", "email": "office@hengzhi.example.com",
     "phone": "400-000-0114", "hours": "09:00-18:00", "sla": (12, 240)},
    {"code": "yiyang-eldercare", "name": "Yiyang Elderly Care", "name_zh": "颐养长者照护",
     "contact": "曹兰", "email": "care@yiyang.example.com", "phone": "400-000-0115",
     "hours": "08:00-20:00", "sla": (12, 168)},
]

# Who delivers the benefits of a sub-category (or a whole top category), first asked first.
SUBCATEGORY_SUPPLIERS: dict[str, tuple[str, ...]] = {
    "HLT.01": ("heyue-checkup", "ruikang-checkup"),
    "HLT.02": ("kangyi-doctors",), "HLT.03": ("kangyi-doctors",),
    "HLT.04": ("anxin-dental-eye",), "HLT.05": ("kangyi-doctors",),
    "MED.01": ("yihutong-medical",), "MED.02": ("yihutong-medical",),
    "MED.03": ("yihutong-medical",), "MED.04": ("yihutong-medical",),
    "MED.05": ("huanyu-assist", "yihutong-medical"),
    "SPT": ("dongli-sports",),
    "TRV.01": ("huanyu-assist",), "TRV.02": ("zunxiang-concierge",),
    "TRV.03": ("xingtu-rescue",), "TRV.04": ("huanyu-assist",), "TRV.05": ("zunxiang-concierge",),
    "LIF.01": ("yuejia-home",), "LIF.02": ("zunxiang-concierge",), "LIF.03": ("kangyi-doctors",),
    "LIF.04": ("zunxiang-concierge",), "LIF.05": ("jinhui-events",),
    "GFT": ("lepin-gifts",), "GFT.04": ("quanyitong-coupons", "lepin-gifts"),
    "WLT": ("hengzhi-advisers",), "WLT.01": ("jinhui-events",),
    "ELD": ("yiyang-eldercare",), "ELD.03": ("ruikang-checkup", "heyue-checkup"),
}
# Benefits delivered by someone else than their sub-category's suppliers.
NAME_SUPPLIERS: dict[str, tuple[str, ...]] = {
    "Blood glucose monitoring kit": ("lepin-gifts",),
    "HPV vaccination booking": ("yihutong-medical",),
    "Meditation app membership": ("quanyitong-coupons",),
    "Expert outpatient booking help": ("yihutong-medical", "kangyi-doctors"),
    "Service treasure: expert outpatient booking": ("yihutong-medical", "kangyi-doctors"),
    "Remote multidisciplinary consultation": ("kangyi-doctors",),
    "Step challenge rewards": ("quanyitong-coupons",),
    "Family fun run": ("jinhui-events",),
    "Designated driver": ("xingtu-rescue",),
    "Roadside assistance": ("xingtu-rescue", "huanyu-assist"),
    "Healthy meal delivery": ("lepin-gifts",),
    "Newborn care home visit": ("yuejia-home",),
    "Postnatal recovery package": ("yuejia-home",),
    "Summer camp place": ("jinhui-events",),
    "Parenting lecture": ("jinhui-events",),
    "Concert tickets": ("quanyitong-coupons",),
    "Health mall voucher": ("quanyitong-coupons",),
    "Wedding anniversary dinner": ("zunxiang-concierge",),
    "Succession planning workshop": ("jinhui-events",),
    "Cognitive screening": ("kangyi-doctors",),
    "Fall-prevention class": ("yiyang-eldercare",),
}
# The pool kept below its threshold, so the low-stock notice shows in the demo.
LOW_POOL = "Video streaming membership"
LOW_POOL_CODES = 12
POOL_THRESHOLD = 20

# Where the demo's appointments are (the supplier's own words: an address in Chinese).
PLACES: dict[str, str] = {
    "heyue-checkup": "上海市徐汇区漕溪北路 88 号 禾悦体检中心 3 楼",
    "ruikang-checkup": "北京市朝阳区建国路 93 号 瑞康体检 B 座",
    "anxin-dental-eye": "深圳市南山区科技园南路 16 号 安心口腔",
    "yihutong-medical": "上海交通大学医学院附属瑞金医院 门诊大厅服务台",
    "yuejia-home": "上门服务（客户登记地址）",
    "yiyang-eldercare": "上门服务（客户登记地址）",
    "dongli-sports": "杭州市西湖区文三路 259 号 动力运动馆",
    "jinhui-events": "上海市浦东新区世纪大道 100 号 环球金融中心 52 楼",
    "zunxiang-concierge": "北京市东城区王府井大街 1 号",
    "hengzhi-advisers": "广州市天河区珠江新城华夏路 10 号 恒智大厦 18 楼",
}
DEFAULT_PLACE = "上门服务（客户登记地址）"
# fmt: on


# The reasons are the supplier's or the customer's own words, in Chinese as they write them.
@dataclass(frozen=True)
class Step:
    """A move after the request: its target, how long after the request it happened, and
    (for a booking) the appointment: days after the demo's day, or before it if negative."""

    target: str
    after_hours: float
    appointment_days: int | None = None
    reason: str = ""
    by_supplier: bool = True


@dataclass(frozen=True)
class Scenario:
    """One demo request: the customer (index of the demo's customers), the benefit's kind,
    how long ago it was asked (hours) and what happened since."""

    customer: int
    kind: str
    age_hours: float
    steps: tuple[Step, ...] = ()
    prefer: tuple[str, ...] = ()
    overdue: bool = False  # asked longer ago than its supplier's hours to confirm
    channel: str = Channel.APP


B, ISS = FulfilmentKind.BOOKED, FulfilmentKind.ISSUED
SCENARIOS: tuple[Scenario, ...] = (
    # Open: booked for next week, waiting for confirmation, past the deadline, a code issued.
    Scenario(2, B, 20, (Step(S.BOOKED, 6, 6),), prefer=("Dental cleaning",)),
    Scenario(2, ISS, 50, prefer=("Coffee vouchers",)),
    Scenario(3, B, 1, prefer=("Standard health check-up",)),
    Scenario(3, B, 30, (Step(S.BOOKED, 20, 8),), prefer=("Expert outpatient booking help",)),
    Scenario(4, B, 0, overdue=True, prefer=("Standard health check-up",), channel=Channel.AGENT),
    Scenario(5, B, 0, overdue=True, prefer=("VIP hospital escort",)),
    Scenario(
        5,
        B,
        70,
        (Step(S.BOOKED, 5, 3), Step(S.BOOKED, 40, 5, "客户要求改期")),
        prefer=("High-end health check-up",),
    ),
    Scenario(11, B, 0, overdue=True, prefer=("Home cleaning", "Elderly home-care visit")),
    # Closed: settled, failed (a case opens), cancelled (given back), no-show, redeemed.
    Scenario(
        8,
        B,
        200,
        (Step(S.BOOKED, 3, -3), Step(S.FULFILLED, 150)),
        prefer=("Dental cleaning", "Standard health check-up"),
    ),
    Scenario(
        9,
        B,
        120,
        (Step(S.FAILED, 30, reason="服务时限内无专家号源"),),
        prefer=("Expert outpatient booking help",),
    ),
    Scenario(
        10,
        B,
        96,
        (
            Step(S.BOOKED, 4, 2),
            Step(S.CANCELLED, 30, reason="客户临时出差，取消预约", by_supplier=False),
        ),
        prefer=("Eye examination",),
    ),
    Scenario(11, B, 260, (Step(S.BOOKED, 2, -4), Step(S.NO_SHOW, 170)), prefer=("Golf green fee",)),
    Scenario(4, ISS, 140, (Step(S.REDEEMED, 30),), prefer=("Coffee vouchers",)),
    Scenario(
        9,
        ISS,
        80,
        (Step(S.CANCELLED, 2, reason="误操作申请", by_supplier=False),),
        prefer=("Supermarket gift card",),
    ),
)


@dataclass
class DeliveriesReport:
    suppliers: int = 0
    pool_codes: int = 0
    fulfilments: int = 0
    overdue_cases: int = 0
    skipped: list[str] = field(default_factory=list)


def _suppliers_of(spec_name: str, path: str) -> tuple[str, ...]:
    if spec_name in NAME_SUPPLIERS:
        return NAME_SUPPLIERS[spec_name]
    sub = path.rsplit(".", 1)[0]  # "HLT.01.003" -> "HLT.01"
    return SUBCATEGORY_SUPPLIERS.get(sub) or SUBCATEGORY_SUPPLIERS[sub.split(".")[0]]


class DeliveriesBuilder:
    """Suppliers, code pools and the requests of the demo, after its catalog and history."""

    def __init__(self, *, seed: int, today: date) -> None:
        # Its own stream: the rest of the demo is the same with or without it.
        self.rng = random.Random(seed * 104729 + 17)
        self.today = today
        tz = timezone.get_current_timezone()
        # The demo's "now": the real one for today's demo, noon of another day's.
        self.now = (
            timezone.now()
            if today == timezone.localdate()
            else timezone.make_aware(datetime.combine(today, time(12, 0)), tz)
        )
        self.tz = tz
        self.report = DeliveriesReport()

    def run(
        self,
        benefits: list[Benefit],
        customers: list[Customer],
        before_requests: Callable[[], Any] | None = None,
    ) -> DeliveriesReport:
        suppliers = self.build_suppliers()
        self.build_links(benefits, suppliers)
        self.build_pools(benefits)
        if before_requests is not None:  # the demo's money: prices and budgets first
            before_requests()
        self.build_requests(customers)
        self.report.overdue_cases = cases_open_overdue(now=self.now)
        return self.report

    # -- suppliers --------------------------------------------------------------------------
    def build_suppliers(self) -> dict[str, Supplier]:
        rows = [
            Supplier(
                code=s["code"],
                name_en=s["name"],
                name_zh_hans=s["name_zh"],
                contact_name=s["contact"],
                contact_email=s["email"],
                contact_phone=s["phone"],
                service_hours=s["hours"],
                time_zone="Asia/Shanghai",
            )
            for s in SUPPLIERS
        ]
        Supplier.objects.bulk_create(rows)
        suppliers = {s.code: s for s in Supplier.objects.filter(code__in=[r.code for r in rows])}
        # One callback key each; the secret is random and never shown (rotate it in the admin
        # to get one a supplier can sign with).
        SupplierKey.objects.bulk_create(
            SupplierKey(
                supplier=supplier,
                key_id=f"sk_{secrets.token_hex(12)}",
                secret_encrypted=encrypt_value(secrets.token_urlsafe(32)),
            )
            for supplier in suppliers.values()
        )
        self.report.suppliers = len(suppliers)
        return suppliers

    def build_links(self, benefits: list[Benefit], suppliers: dict[str, Supplier]) -> None:
        sla = {s["code"]: s["sla"] for s in SUPPLIERS}
        links = []
        for benefit in benefits:
            instant = benefit.fulfilment_kind == FulfilmentKind.INSTANT
            names = _suppliers_of(benefit.name_en or "", benefit.code)
            for priority, code in enumerate(names, 1):
                confirm, deliver = (None, None) if instant else sla[code]
                links.append(
                    BenefitSupplier(
                        benefit=benefit,
                        supplier=suppliers[code],
                        priority=priority,
                        confirm_hours=confirm,
                        deliver_hours=deliver,
                    )
                )
        BenefitSupplier.objects.bulk_create(links)

    # -- code pools -------------------------------------------------------------------------
    def _code(self, prefix: str) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
        body = "".join(self.rng.choice(alphabet) for _ in range(12))
        return f"{prefix}-{body[:4]}-{body[4:8]}-{body[8:]}"

    def build_pools(self, benefits: list[Benefit]) -> None:
        issued = [
            b
            for b in benefits
            if b.fulfilment_kind == FulfilmentKind.ISSUED and b.status == BenefitStatus.ON_SHELF
        ]
        first = {
            link.benefit_id: link.supplier_id
            for link in BenefitSupplier.objects.filter(benefit__in=issued, priority=1)
        }
        pools = CodePool.objects.bulk_create(
            CodePool(benefit=b, supplier_id=first[b.pk], low_stock_threshold=POOL_THRESHOLD)
            for b in issued
        )
        codes = []
        for pool, benefit in zip(pools, issued, strict=True):
            count = LOW_POOL_CODES if benefit.name_en == LOW_POOL else self.rng.randint(30, 200)
            valid_until = self.today + timedelta(days=self.rng.choice([90, 180, 365]))
            prefix = benefit.code.replace(".", "")
            for _ in range(count):
                plain = self._code(prefix)
                codes.append(
                    PoolCode(
                        pool=pool,
                        code_encrypted=code_seal(plain),
                        code_hash=code_fingerprint(plain),
                        valid_from=self.today - timedelta(days=30),
                        valid_until=valid_until,
                    )
                )
        PoolCode.objects.bulk_create(codes, batch_size=2000, ignore_conflicts=True)
        self.report.pool_codes = len(codes)

    # -- requests ---------------------------------------------------------------------------
    def build_requests(self, customers: list[Customer]) -> None:
        by_no = {c.customer_no: c for c in customers}
        for number, scenario in enumerate(SCENARIOS):
            customer = by_no.get(f"C{100000000 + scenario.customer:09d}")
            if customer is None:
                continue
            result = self._request(customer, scenario, number)
            if result is None or result.fulfilment is None:
                self.report.skipped.append(f"{customer.customer_no} {scenario.kind}")
                continue
            self._play(result, scenario, number)
            self.report.fulfilments += 1

    def _candidates(self, customer: Customer, scenario: Scenario, number: int) -> list[str]:
        """The benefits of this kind on the customer's tier, the preferred ones first, the
        others in an order that differs per scenario (so the demo shows many suppliers)."""
        rows = list(
            ShelfCell.objects.filter(
                tier=customer.tier,
                benefit__fulfilment_kind=scenario.kind,
                benefit__status=BenefitStatus.ON_SHELF,
            )
            .order_by("benefit__code")
            .values_list("benefit__code", "benefit__name_en")
        )
        preferred = [code for name in scenario.prefer for code, n in rows if n == name]
        rest = [code for code, _name in rows if code not in preferred]
        if rest:
            shift = (number * 7) % len(rest)
            rest = rest[shift:] + rest[:shift]
        return preferred + rest

    def _request(self, customer: Customer, scenario: Scenario, number: int) -> UseResult | None:
        for code in self._candidates(customer, scenario, number):
            try:
                return use_request(
                    customer=customer,
                    benefit_code=code,
                    channel=scenario.channel,
                    today=self.today,
                )
            except DomainError:
                continue  # not for this customer (age, product line, quota): the next one
        return None

    def _age(self, result: UseResult, scenario: Scenario) -> float:
        """How many hours ago the request was made: past its confirm deadline for an overdue
        one; well within its delivery deadline for one still open (the benefit that stood in
        for the preferred one may have a shorter service level)."""
        fulfilment = result.fulfilment
        assert fulfilment is not None
        link = BenefitSupplier.objects.get(
            benefit_id=fulfilment.benefit_id, supplier_id=fulfilment.supplier_id
        )
        if scenario.overdue:
            return (link.confirm_hours or 1) + 3 + self.rng.random() * 2
        ends_open = not scenario.steps or scenario.steps[-1].target in OPEN_STATES
        if ends_open and link.deliver_hours:
            return min(scenario.age_hours, link.deliver_hours * 0.4)
        return scenario.age_hours

    def _backdate(self, result: UseResult, at: datetime) -> Fulfilment:
        """Set the request back to when the demo says it was made, with its deadlines."""
        redemption, fulfilment = result.redemption, result.fulfilment
        assert fulfilment is not None
        shift = at - redemption.created_at
        Redemption.objects.filter(pk=redemption.pk, created_at=redemption.created_at).update(
            created_at=at
        )
        moves: dict[str, Any] = {"redemption_created_at": at, "created_at": at, "updated_at": at}
        for due in ("confirm_due_at", "deliver_due_at"):
            if getattr(fulfilment, due) is not None:
                moves[due] = getattr(fulfilment, due) + shift
        Fulfilment.objects.filter(pk=fulfilment.pk).update(**moves)
        FulfilmentEvent.objects.filter(fulfilment=fulfilment).update(at=at)
        PoolCode.objects.filter(redemption_id_claimed=redemption.pk).update(claimed_at=at)
        return Fulfilment.objects.select_related("redemption", "supplier").get(pk=fulfilment.pk)

    def _appointment(self, fulfilment: Fulfilment, days: int) -> datetime:
        at = timezone.make_aware(
            datetime.combine(self.today + timedelta(days=days), time(9, 30)), self.tz
        )
        if fulfilment.deliver_due_at is not None and days > 0:
            # Within the service level: a booking the supplier makes is one it can keep.
            latest = fulfilment.deliver_due_at - timedelta(hours=12)
            if latest < at:  # on the half hour, as suppliers book
                minute = 30 if latest.minute >= 30 else 0
                at = latest.replace(minute=minute, second=0, microsecond=0)
        return at

    def _play(self, result: UseResult, scenario: Scenario, number: int) -> None:
        age = self._age(result, scenario)
        # The steps keep their order and share of the time when the request is younger.
        scale = age / scenario.age_hours if scenario.age_hours else 1.0
        asked = self.now - timedelta(hours=age)
        fulfilment = self._backdate(result, asked)
        supplier = fulfilment.supplier
        for k, step in enumerate(scenario.steps):
            at = asked + timedelta(hours=step.after_hours * scale)
            if step.target == S.CANCELLED and not step.by_supplier:
                # The customer cancels in the app, on the demo's day (the desk's cutoff is
                # measured from the real clock, which the demo's history is not on).
                event = fulfilment_transition(
                    fulfilment_id=fulfilment.pk,
                    target=S.CANCELLED,
                    actor=Actor(ActorKind.CLIENT),
                    change=Change(reason=step.reason),
                ).event
            else:
                appointment = None
                if step.appointment_days is not None:
                    appointment = self._appointment(fulfilment, step.appointment_days)
                change = Change(
                    reason=step.reason,
                    appointment_at=appointment,
                    place=PLACES.get(supplier.code, DEFAULT_PLACE) if appointment else "",
                    reference=f"{supplier.code[:3].upper()}-{number:03d}{k}",
                    event_id=f"demo-{number:03d}-{k}",
                )
                event = fulfilment_transition(
                    fulfilment_id=fulfilment.pk,
                    target=step.target,
                    actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
                    change=change,
                ).event
            self._retime(fulfilment, event.pk, step.target, at)
            fulfilment.refresh_from_db()

    def _retime(self, fulfilment: Fulfilment, event_id: int, target: str, at: datetime) -> None:
        """The services stamp their rows with the real time: set them to the demo's."""
        FulfilmentEvent.objects.filter(pk=event_id).update(at=at)
        Fulfilment.objects.filter(pk=fulfilment.pk).update(updated_at=at)
        OperationsCase.objects.filter(fulfilment=fulfilment, closed_at__isnull=True).update(
            opened_at=at
        )
        if target in RELEASING_STATES:
            Redemption.objects.filter(pk=fulfilment.redemption_id).update(cancelled_at=at)
