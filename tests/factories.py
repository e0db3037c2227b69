"""Test data built through the same services production uses, so tests never pass on states
the product cannot reach. factory_boy supplies the sequences and the plain records."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from benefits.models import Benefit, BenefitStatus, Category
from benefits.services import benefit_create, category_create
from bookshelf.models import QuotaPeriod
from bookshelf.shelf.services import eligibility_set, shelf_cell_set
from customers.models import Agent, Customer, Gender, ProductLine, Tier
from customers.pii import resident_id_check_digit
from customers.services import customer_create, family_link_create, policy_create

_seq = itertools.count(1)

# Annual premiums that land a customer in each tier under the default rules.
PREMIUM_FOR_TIER = {
    Tier.ORDINARY: Decimal("5000"),
    Tier.GOLD: Decimal("25000"),
    Tier.PLATINUM: Decimal("60000"),
    Tier.DIAMOND: Decimal("150000"),
    Tier.HIGH_NET_WORTH: Decimal("800000"),
}


def valid_id_number(birth: date, n: int) -> str:
    first17 = f"110105{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("pw-for-tests-1")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    agent_no = factory.Sequence(lambda n: f"A{n:05d}")
    name = factory.Sequence(lambda n: f"Agent {n}")
    user = factory.SubFactory(UserFactory)


def ensure_default_tier_rules() -> None:
    """Transactional tests flush the tables, data migrations included: put the ladder back."""
    from customers.models import TierPolicy, TierRule

    if not TierRule.objects.exists():
        for tier, amount in ((20, "20000"), (30, "50000"), (40, "100000"), (50, "600000")):
            TierRule.objects.create(tier=tier, min_annual_premium=Decimal(amount))
    if not TierPolicy.objects.exists():
        TierPolicy.objects.create(downgrade_grace_days=90)


def ensure_reference_data() -> None:
    """Everything data migrations create that tests rely on."""
    from django.contrib.auth.models import Group

    from bookshelf.roles import AGENT, staff_groups_sync

    ensure_default_tier_rules()
    if not Group.objects.filter(name=AGENT).exists():
        staff_groups_sync()
    ensure_consent_texts()


def ensure_consent_texts() -> None:
    """The first consent text of each purpose (migration customers 0007 puts them in)."""
    from customers.models import ConsentText
    from customers.services import consent_texts_ensure

    if not ConsentText.objects.exists():
        consent_texts_ensure()


def give_consents(customer: Customer, purposes: Any = None) -> None:
    """The customer agrees to be pushed to (every purpose by default), on the current texts,
    through the services (as the customer would in the app)."""
    from customers.models import ConsentChannel, ConsentPurpose
    from customers.services import CONSENT_TEXTS_V1, consent_give

    ensure_consent_texts()
    for purpose in purposes if purposes is not None else ConsentPurpose.values:
        consent_give(
            customer=customer,
            purpose=purpose,
            channel=ConsentChannel.APP,
            text_version=CONSENT_TEXTS_V1[purpose][0],
            client_name="tests",
        )


def make_customer(
    *,
    tier: Tier = Tier.ORDINARY,
    age: int = 40,
    product_line: str = ProductLine.MEDICAL,
    agent: Agent | None = None,
    tags: list[str] | None = None,
    policy_start: date | None = None,
    name: str = "张三",
    consent: bool = True,
) -> Customer:
    """A customer whose tier comes from a real in-force policy through the tier rules, and
    who consents to marketing pushes (`consent=False`: who was never asked)."""
    ensure_default_tier_rules()
    n = next(_seq)
    today = timezone.localdate()
    birth = (
        date(today.year - age, 1, 15)
        if (today.month, today.day) >= (1, 15)
        else date(today.year - age - 1, 1, 15)
    )
    customer = customer_create(
        customer_no=f"T{n:08d}",
        name=name,
        birth_date=birth,
        gender=Gender.FEMALE,
        phone=f"138{n:08d}",
        id_number=valid_id_number(birth, n),
        city="Shanghai",
        agent=agent,
        tags=tags or [],
    )
    if tier != Tier.PROSPECT:
        policy_create(
            customer=customer,
            policy_no=f"TP{n:08d}",
            product_line=product_line,
            annual_premium=PREMIUM_FOR_TIER[tier],
            start_date=policy_start or today - timedelta(days=400),
        )
        customer.refresh_from_db()
    assert customer.tier == tier, (customer.tier, tier)
    if consent:
        give_consents(customer)
    return customer


def make_family(holder: Customer, relative: Customer, relation: str = "spouse") -> None:
    family_link_create(customer=holder, relative=relative, relation=relation)


def category(code: str = "MED", sub: str = "01") -> Category:
    top = Category.objects.filter(path_code=code).first() or category_create(
        code=code, name=f"Category {code}", name_zh_hans="类别"
    )
    path = f"{code}.{sub}"
    return Category.objects.filter(path_code=path).first() or category_create(
        code=sub, name=f"Sub {path}", parent=top
    )


def make_benefit(
    *,
    cells: dict[Tier, int | None] | None = None,
    period: str = QuotaPeriod.CALENDAR_YEAR,
    family_quota: int = 0,
    shareable: bool = False,
    price: Decimal | None = None,
    kind: str = "included",
    status: str = BenefitStatus.ON_SHELF,
    category_code: str = "MED",
    requires_product_line: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
    name: str = "Test benefit",
    name_zh_hans: str = "测试权益",
    **extra: Any,
) -> Benefit:
    benefit = benefit_create(
        category=category(category_code),
        name=name,
        name_zh_hans=name_zh_hans,
        shareable=shareable,
        price=price,
        kind=kind,
        status=status,
        **extra,
    )
    for tier, quota in (cells or {}).items():
        shelf_cell_set(
            tier=tier,
            benefit=benefit,
            period=QuotaPeriod.UNLIMITED if quota is None else period,
            quota=quota,
            family_quota=family_quota,
        )
    if requires_product_line or min_age is not None or max_age is not None:
        eligibility_set(
            benefit=benefit,
            requires_product_line=requires_product_line,
            min_age=min_age,
            max_age=max_age,
        )
    return benefit


def make_supplier(
    code: str = "doc-platform",
    *,
    benefits: list[Benefit] | tuple[Benefit, ...] = (),
    priority: int = 1,
    confirm_hours: int | None = None,
    deliver_hours: int | None = None,
    name: str = "Doctors' platform",
    name_zh_hans: str = "医生平台",
) -> Any:
    """A supplier delivering `benefits` at the given priority and service level."""
    from bookshelf.models import BenefitSupplier, Supplier

    supplier = Supplier.objects.filter(code=code).first() or Supplier.objects.create(
        code=code, name_en=name, name_zh_hans=name_zh_hans
    )
    for benefit in benefits:
        BenefitSupplier.objects.update_or_create(
            benefit=benefit,
            supplier=supplier,
            defaults={
                "priority": priority,
                "confirm_hours": confirm_hours,
                "deliver_hours": deliver_hours,
            },
        )
    return supplier
