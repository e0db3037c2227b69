"""The customer value profile: the formula, every segment boundary, batches, idempotency, the
pinned query count, and the reason the desk shows. Run on PostgreSQL and on SQLite (the same
statement runs on both)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from bookshelf.ledger.models import Redemption, RedemptionStatus, Source
from bookshelf.reach.models import CustomerValue, Segment, ValueWeights
from bookshelf.reach.selectors import value_reason, values_for
from bookshelf.reach.services import customer_values_refresh, value_weights_get
from customers.models import Customer, Policy, PolicyStatus, ProductLine, Tier
from customers.services import policy_create
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 6, 15, 12, 0))
TODAY = timezone.localdate(NOW)
_policy_no = count(1)


@pytest.fixture
def benefit() -> Any:
    return make_benefit(cells={Tier.ORDINARY: None})


def use(
    customer: Customer,
    benefit: Any,
    at: datetime,
    *,
    status: str = RedemptionStatus.COMPLETED,
    cost: str | None = None,
    holder: Customer | None = None,
) -> Redemption:
    """A use as the ledger leaves it (written directly: its time and status are the point)."""
    return Redemption.objects.create(
        holder=holder or customer,
        beneficiary=customer,
        benefit=benefit,
        source=Source.TIER,
        channel="app",
        status=status,
        tier_snapshot=customer.tier,
        benefit_code=benefit.code,
        category_code="MED",
        created_at=at,
        unit_cost=Decimal(cost) if cost is not None else None,
    )


def policy(customer: Customer, premium: str, start: date, status: str = "in_force") -> Policy:
    return policy_create(
        customer=customer,
        policy_no=f"VP{next(_policy_no):08d}",
        product_line=ProductLine.MEDICAL,
        annual_premium=Decimal(premium),
        start_date=start,
        status=status,
        refresh_tier=False,
    )


def prospect() -> Customer:
    return make_customer(tier=Tier.PROSPECT)


def customer_since(days: int, premium: str = "10000") -> Customer:
    c = prospect()
    policy(c, premium, TODAY - timedelta(days=days))
    return c


def refresh(**kwargs: Any) -> CustomerValue:
    customer_values_refresh(now=NOW, **kwargs)
    return CustomerValue.objects.order_by("-customer_id").first()  # type: ignore[return-value]


def value_of(c: Customer) -> CustomerValue:
    return CustomerValue.objects.get(customer=c)


# -- the formula -----------------------------------------------------------------------------


def test_scores_score_and_lifetime_value_follow_the_formula(benefit: Any) -> None:
    w = value_weights_get()
    w.premium, w.recency, w.frequency, w.tenure, w.policies = 3, 2, 2, 1, 1
    w.premium_top, w.uses_top, w.tenure_top_years, w.policies_top = Decimal(200000), 12, 10, 4
    w.margin, w.horizon_years = Decimal("0.150"), 8
    w.save()
    c = prospect()
    # Two policies in force (120,000 a year: ≥ top/2 → premium 4), one lapsed (not counted).
    policy(c, "70000", TODAY - timedelta(days=round(365.25 * 6)))  # 6 years: ≥ top/2 → 4
    policy(c, "50000", TODAY - timedelta(days=800))
    policy(c, "90000", TODAY - timedelta(days=9000), status=PolicyStatus.LAPSED)
    # Three uses in the year (≥ top/4 → frequency 3), the last 45 days ago (≤ 90 → 4); one
    # older than a year (not counted in uses or cost); one cancelled (not counted at all).
    for days, cost in ((45, "100.50"), (100, "200"), (300, None)):
        use(c, benefit, NOW - timedelta(days=days), cost=cost)
    use(c, benefit, NOW - timedelta(days=400), cost="999")
    use(c, benefit, NOW - timedelta(days=2), status=RedemptionStatus.CANCELLED, cost="999")
    v = refresh()
    assert v.customer_id == c.pk
    assert (v.premium, v.policies, v.first_policy_on) == (
        Decimal("120000.00"),
        2,
        TODAY - timedelta(days=round(365.25 * 6)),
    )
    assert (v.uses_year, v.cost_year) == (3, Decimal("300.50"))
    assert v.last_use_at == NOW - timedelta(days=45)
    assert (v.premium_score, v.frequency_score, v.recency_score) == (4, 3, 4)
    # tenure 4, policies 2 of top 4 → 4: 100 × (3·4 + 2·4 + 2·3 + 1·4 + 1·4) / (5 × 9)
    assert v.score == pytest.approx(100 * (12 + 8 + 6 + 4 + 4) / 45)
    # (120,000 × 0.15 − 300.50) × 8
    assert v.lifetime_value == Decimal("141596.00")
    assert v.segment == Segment.STEADY
    assert v.computed_at == NOW


@pytest.mark.parametrize(
    ("premium", "expected"),
    [
        ("200000", 5),
        ("199999.99", 4),
        ("100000", 4),
        ("99999", 3),
        ("40000", 3),
        ("39999", 2),
        ("10000", 2),
        ("9999", 1),
    ],
)
def test_premium_score_bands(premium: str, expected: int) -> None:
    customer_since(1000, premium)
    assert refresh().premium_score == expected


@pytest.mark.parametrize(
    ("uses", "expected"), [(0, 1), (1, 2), (2, 2), (3, 3), (5, 3), (6, 4), (11, 4), (12, 5)]
)
def test_frequency_score_bands(benefit: Any, uses: int, expected: int) -> None:
    c = customer_since(1000)
    for i in range(uses):
        use(c, benefit, NOW - timedelta(days=1 + i))
    assert refresh().frequency_score == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, 5), (30, 5), (31, 4), (90, 4), (91, 3), (180, 3), (181, 2), (365, 2), (None, 1)],
)
def test_recency_score_bands(benefit: Any, days: int | None, expected: int) -> None:
    c = customer_since(1000)
    if days is not None:
        use(c, benefit, NOW - timedelta(days=days))
    assert refresh().recency_score == expected


def test_a_use_just_older_than_a_year_scores_recency_1(benefit: Any) -> None:
    c = customer_since(1000)
    use(c, benefit, NOW - timedelta(days=365, seconds=1))
    v = refresh()
    assert (v.recency_score, v.uses_year) == (1, 0)


def test_zero_weights_score_zero() -> None:
    ValueWeights.objects.update_or_create(
        pk=1, defaults={"premium": 0, "recency": 0, "frequency": 0, "tenure": 0, "policies": 0}
    )
    customer_since(1000, "500000")
    assert refresh().score == 0


def test_lifetime_value_is_never_negative(benefit: Any) -> None:
    c = customer_since(1000, "1000")  # 150 a year of margin
    use(c, benefit, NOW - timedelta(days=3), cost="151")
    assert refresh().lifetime_value == 0


def test_a_prospect_who_never_used_anything() -> None:
    prospect()
    v = refresh()
    assert (v.premium, v.policies, v.first_policy_on, v.last_use_at) == (0, 0, None, None)
    assert (v.uses_year, v.cost_year, v.lifetime_value) == (0, 0, 0)
    assert (v.premium_score, v.frequency_score, v.recency_score) == (1, 1, 1)
    assert v.score == pytest.approx(20.0)  # every score 1 of 5
    assert v.segment == Segment.NEW


# -- segments and their boundaries ---------------------------------------------------------


@pytest.mark.parametrize(("days", "segment"), [(180, Segment.NEW), (181, Segment.DORMANT)])
def test_new_for_new_days_after_the_first_policy(days: int, segment: str) -> None:
    customer_since(days)
    assert refresh().segment == segment


@pytest.mark.parametrize(
    ("idle", "segment"),
    [
        (timedelta(days=365, seconds=1), Segment.DORMANT),
        (timedelta(days=365), Segment.AT_RISK),
        (timedelta(days=120, seconds=1), Segment.AT_RISK),
        (timedelta(days=120), Segment.STEADY),
    ],
)
def test_dormant_and_at_risk_boundaries(benefit: Any, idle: timedelta, segment: str) -> None:
    c = customer_since(1000)
    use(c, benefit, NOW - idle)
    assert refresh().segment == segment


def test_never_used_is_dormant() -> None:
    customer_since(1000)
    assert refresh().segment == Segment.DORMANT


def test_a_tier_about_to_drop_is_at_risk(benefit: Any) -> None:
    c = customer_since(1000)
    for i in range(8):
        use(c, benefit, NOW - timedelta(days=1 + i))
    Customer.objects.filter(pk=c.pk).update(tier_downgrade_due=TODAY + timedelta(days=20))
    assert refresh().segment == Segment.AT_RISK


@pytest.mark.parametrize(
    ("uses", "last_days", "segment"),
    [
        (6, 90, Segment.LOYAL),  # recency 4, frequency 4
        (5, 1, Segment.STEADY),  # frequency 3
        (6, 91, Segment.STEADY),  # recency 3
    ],
)
def test_loyal_needs_recent_and_frequent_use(
    benefit: Any, uses: int, last_days: int, segment: str
) -> None:
    c = customer_since(1000)
    for i in range(uses):
        use(c, benefit, NOW - timedelta(days=last_days + i))
    assert refresh().segment == segment


def test_new_wins_over_dormant_and_a_tuned_threshold_applies() -> None:
    customer_since(200)
    assert refresh().segment == Segment.DORMANT
    ValueWeights.objects.filter(pk=1).update(new_days=200)
    assert refresh().segment == Segment.NEW


# -- what counts as a use -------------------------------------------------------------------


def test_held_uses_count_cancelled_do_not_and_the_beneficiary_is_credited(benefit: Any) -> None:
    holder, relative = customer_since(1000), customer_since(1000)
    use(relative, benefit, NOW - timedelta(days=5), holder=holder, cost="80")
    use(relative, benefit, NOW - timedelta(days=6), status=RedemptionStatus.HELD, cost="20")
    use(relative, benefit, NOW - timedelta(days=1), status=RedemptionStatus.CANCELLED)
    customer_values_refresh(now=NOW)
    got = value_of(relative)
    assert (got.uses_year, got.cost_year) == (2, Decimal("100.00"))
    assert got.last_use_at == NOW - timedelta(days=5)
    assert value_of(holder).uses_year == 0  # whose allowance it spent is not who used it


def test_a_future_use_is_not_counted_as_of_a_past_night(benefit: Any) -> None:
    c = customer_since(1000)
    use(c, benefit, NOW + timedelta(hours=1))
    assert refresh().uses_year == 0


def test_a_last_use_older_than_the_look_back_is_kept_from_the_night_before(benefit: Any) -> None:
    c = customer_since(3000)
    use(c, benefit, NOW - timedelta(days=300))
    refresh()
    later = NOW + timedelta(days=100)  # the use is now 400 days old: out of the look-back
    customer_values_refresh(now=later)
    v = value_of(c)
    assert v.last_use_at == NOW - timedelta(days=300)
    assert (v.segment, v.recency_score, v.uses_year) == (Segment.DORMANT, 1, 0)


def test_a_cancelled_last_use_inside_the_window_is_forgotten(benefit: Any) -> None:
    c = customer_since(1000)
    r = use(c, benefit, NOW - timedelta(days=10))
    refresh()
    Redemption.objects.filter(pk=r.pk).update(status=RedemptionStatus.CANCELLED)
    v = refresh()
    assert (v.last_use_at, v.segment) == (None, Segment.DORMANT)


# -- batches, idempotency, queries ----------------------------------------------------------


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        CustomerValue.objects.order_by("customer_id").values_list(
            "customer_id",
            "premium",
            "policies",
            "first_policy_on",
            "last_use_at",
            "uses_year",
            "cost_year",
            "recency_score",
            "frequency_score",
            "premium_score",
            "score",
            "lifetime_value",
            "segment",
            "computed_at",
        )
    )


def _mixed_customers(benefit: Any) -> list[Customer]:
    out = [prospect(), customer_since(30), customer_since(1000, "250000")]
    for i, c in enumerate(out):
        for k in range(i * 3):
            use(c, benefit, NOW - timedelta(days=10 + k), cost="10")
    out.append(customer_since(2000))
    use(out[-1], benefit, NOW - timedelta(days=200))
    out.append(customer_since(2000, "60000"))
    return out


def test_batches_cover_every_customer_once_even_at_a_boundary(benefit: Any) -> None:
    customers = _mixed_customers(benefit)
    customer_values_refresh(now=NOW, batch_size=len(customers))
    whole = _snapshot()
    CustomerValue.objects.all().delete()
    seen: list[int] = []
    report = customer_values_refresh(now=NOW, batch_size=2, progress=seen.append)
    assert report.customers == len(customers) == sum(seen)
    assert report.batches == 3 and seen == [2, 2, 1]
    # The customer ending the first batch and the one starting the second: same values.
    assert _snapshot() == whole
    assert report.segments == {
        Segment.NEW: 2,
        Segment.LOYAL: 1,
        Segment.AT_RISK: 1,
        Segment.DORMANT: 1,
    }


def test_a_second_run_writes_the_same_values(benefit: Any) -> None:
    _mixed_customers(benefit)
    customer_values_refresh(now=NOW, batch_size=2)
    first = _snapshot()
    customer_values_refresh(now=NOW, batch_size=3)
    assert _snapshot() == first
    assert CustomerValue.objects.count() == Customer.objects.count()


def test_a_fixed_number_of_queries_per_batch(
    benefit: Any, django_assert_num_queries: Any, django_db_blocker: Any
) -> None:
    from django.db import connection

    _mixed_customers(benefit)
    value_weights_get()
    # Per batch: its bound, (SET LOCAL jit on PostgreSQL,) the upsert, inside a savepoint
    # here (the test's transaction; a transaction of its own in production).
    per_batch = 5 if connection.vendor == "postgresql" else 4
    # The weights; 3 batches; the bound that finds no more (in its savepoint); the segments.
    with django_assert_num_queries(1 + 3 * per_batch + 3 + 1):
        customer_values_refresh(now=NOW, batch_size=2)
    with django_assert_num_queries(1 + 1 * per_batch + 3 + 1):
        customer_values_refresh(now=NOW, batch_size=50)


def test_the_command_recomputes_everyone(benefit: Any, capsys: Any) -> None:
    _mixed_customers(benefit)
    call_command("customer_values_refresh", "--batch-size", "2", "--no-progress")
    assert CustomerValue.objects.count() == 5
    assert "customers" in capsys.readouterr().out


def test_the_task_is_registered_under_its_pinned_name() -> None:
    from bookshelf import jobs
    from bookshelf.reach.tasks import customer_values_refresh_task

    assert customer_values_refresh_task.name == jobs.CUSTOMER_VALUES_REFRESH
    assert jobs.CUSTOMER_VALUES_REFRESH == "bookshelf.customer_values_refresh"


# -- reading it ------------------------------------------------------------------------------


def test_values_for_reads_many_in_one_query(benefit: Any, django_assert_num_queries: Any) -> None:
    customers = _mixed_customers(benefit)
    customer_values_refresh(now=NOW)
    ids = [c.pk for c in customers]
    with django_assert_num_queries(1):
        got = values_for([*ids, 10**9])
        reasons = [value_reason(v, now=NOW) for v in got.values()]
    assert set(got) == set(ids) and all(reasons)
    with django_assert_num_queries(0):
        assert values_for([]) == {}


def _reason(c: Customer) -> str:
    return value_reason(values_for([c.pk])[c.pk], now=NOW)


def test_the_reason_says_why_in_english_and_chinese(benefit: Any) -> None:
    dormant = customer_since(round(365.25 * 6) + 10, "12000")
    use(dormant, benefit, NOW - timedelta(days=300))
    customer_values_refresh(now=NOW)
    customer_values_refresh(now=NOW + timedelta(days=130))  # 430 days idle: dormant
    later = NOW + timedelta(days=130)
    v = values_for([dormant.pk])[dormant.pk]
    assert value_reason(v, now=later) == (
        "Dormant: no benefit used for 14 months; premium ¥12,000 a year; customer for 6 years"
    )
    with translation.override("zh-hans"):
        text = value_reason(v, now=later)
    # Clauses joined the Chinese way (the words come from the catalogue, see the notes).
    assert "14" in text and "¥12,000" in text and "；" in text


def test_the_reason_of_each_segment(benefit: Any) -> None:
    new, none = customer_since(12), prospect()
    at_risk = customer_since(1000)
    use(at_risk, benefit, NOW - timedelta(days=150))
    dropping = customer_since(1000)
    use(dropping, benefit, NOW - timedelta(days=2))
    Customer.objects.filter(pk=dropping.pk).update(tier_downgrade_due=date(2026, 7, 1))
    loyal = customer_since(1000)
    for i in range(7):
        use(loyal, benefit, NOW - timedelta(days=3 + i))
    never = customer_since(1000)
    customer_values_refresh(now=NOW)
    assert _reason(new).startswith("New customer: first policy 12 days ago; premium ¥10,000")
    assert _reason(none) == "New customer: no policy yet"
    assert _reason(at_risk).startswith("At risk of leaving: no benefit used for 5 months;")
    assert _reason(dropping).startswith("At risk of leaving: the tier drops on ")
    assert _reason(loyal).startswith("Loyal regular: 7 benefit uses in 12 months;")
    assert _reason(never).startswith("Dormant: never used a benefit;")
    assert _reason(never).endswith("customer for 2 years")
