"""Cost in the shelf review: the window's cost per benefit and tier is the sum of its uses'
unit costs, cost per use / user / promoter follow from it, a benefit costly for its use is
proposed (unless its NPS keeps it, it is new, or its category allows more) with what that
saves a year, and on PostgreSQL the cost is read from the review's covering index alone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookshelf.fulfilment.services import use_request
from bookshelf.ledger.services import redemption_feedback_create
from bookshelf.models import (
    ContractPrice,
    Proposal,
    ProposalKind,
    Redemption,
    RedemptionStatus,
    ReviewFinding,
    ReviewSettings,
    Verdict,
)
from bookshelf.review.savings import annualised, quota_saving, smaller_quota
from bookshelf.review.services import review_chunk_compute, review_chunks, review_run_open
from bookshelf.review.services import review_run as run_review
from customers.models import Tier
from tests.bookshelf.review.test_review import _age, _settings
from tests.factories import category, make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


def _tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def _priced(name: str, cost: str, cells=None, *, since_days: int = 30):
    benefit = make_benefit(cells=cells or {Tier.GOLD: 10}, name=name)
    supplier = make_supplier(f"sup-{benefit.pk}", benefits=[benefit])
    ContractPrice.objects.create(
        supplier=supplier,
        benefit=benefit,
        unit_cost=Decimal(cost),
        valid_from=timezone.localdate() - timedelta(days=since_days),
    )
    return benefit, supplier


def _use(customer, benefit) -> Redemption:
    result = use_request(customer=customer, benefit_code=benefit.code)
    return Redemption.objects.get(pk=result.redemption.pk)


def _finding(run, benefit, tier=None) -> ReviewFinding:
    if tier is None:
        return ReviewFinding.objects.get(run=run, benefit=benefit, tier__isnull=True)
    return ReviewFinding.objects.get(run=run, benefit=benefit, tier=tier)


def test_the_cost_per_tier_and_benefit_is_the_sum_of_the_uses_unit_costs():
    """Uses priced at two prices (a new one in force today), a cancelled use left out, a use
    without a price counted as a use but not as cost."""
    _settings()
    benefit, supplier = _priced("Consult", "35.50", {Tier.GOLD: 10, Tier.PLATINUM: 10})
    _age(benefit)
    gold = [make_customer(tier=Tier.GOLD) for _ in range(3)]
    platinum = make_customer(tier=Tier.PLATINUM)
    first = [_use(gold[0], benefit), _use(gold[0], benefit), _use(gold[1], benefit)]
    ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal("40.25"), valid_from=date.today()
    )
    later = [_use(gold[2], benefit), _use(platinum, benefit)]
    assert {u.unit_cost for u in first + later} == {Decimal("35.50"), Decimal("40.25")}
    cancelled = _use(gold[1], benefit)
    Redemption.objects.filter(pk=cancelled.pk).update(status=RedemptionStatus.CANCELLED)
    unpriced = _use(gold[2], benefit)
    Redemption.objects.filter(pk=unpriced.pk).update(unit_cost=None)
    redemption_feedback_create(redemption=first[0], score=10)

    run = run_review(window_end=_tomorrow(), window_days=90).run

    def summed(**filters) -> Decimal:
        return Redemption.objects.filter(
            benefit=benefit, status=RedemptionStatus.COMPLETED, **filters
        ).aggregate(s=Sum("unit_cost"))["s"]

    gold_finding = _finding(run, benefit, Tier.GOLD)
    assert gold_finding.cost == summed(tier_snapshot=Tier.GOLD) == Decimal("146.75")
    assert gold_finding.uses == 5 and gold_finding.users == 3
    assert gold_finding.cost_per_use == Decimal("29.35")
    assert gold_finding.cost_per_user == Decimal("48.92")
    assert gold_finding.cost_per_promoter == Decimal("146.75")  # one promoter (a 10)
    assert _finding(run, benefit, Tier.PLATINUM).cost == Decimal("40.25")
    assert _finding(run, benefit, Tier.PLATINUM).cost_per_promoter is None  # none there
    whole = _finding(run, benefit)
    assert whole.cost == summed() == Decimal("187.00")
    assert whole.cost_per_user == Decimal("46.75")  # 187.00 / 4 active users


def test_a_benefit_without_any_price_has_no_cost_and_is_never_costly():
    _settings(max_cost_per_user="0.00")
    benefit = make_benefit(cells={Tier.GOLD: 10}, name="Unpriced")
    make_supplier("unpriced", benefits=[benefit])
    _age(benefit)
    for _ in range(3):
        _use(make_customer(tier=Tier.GOLD), benefit)
    run = run_review(window_end=_tomorrow(), window_days=90).run
    finding = _finding(run, benefit)
    assert finding.cost is None and finding.cost_per_user is None
    assert finding.verdict == Verdict.HEALTHY


def _costly_world(*, loved: bool = False, new: bool = False):
    """Four gold customers of five use a 120-yuan benefit (one of them twice): healthy usage,
    600 yuan over 4 active users = 150 per user, above a 100-yuan threshold."""
    _settings(max_cost_per_user="100.00", min_responses=2, promote_nps=50)
    benefit, _supplier = _priced("Spa day", "120.00")
    if not new:
        _age(benefit)
    customers = [make_customer(tier=Tier.GOLD) for _ in range(5)]
    uses = [_use(c, benefit) for c in customers[:4]] + [_use(customers[0], benefit)]
    if loved:
        for use in uses[:2]:
            redemption_feedback_create(redemption=use, score=10)
    return benefit


def test_a_costly_benefit_is_proposed_with_its_saving_a_year_and_a_smaller_quota():
    benefit = _costly_world()
    run = run_review(window_end=_tomorrow(), window_days=90).run
    finding = _finding(run, benefit)
    assert (finding.cost, finding.cost_per_user) == (Decimal("600.00"), Decimal("150.00"))
    assert finding.rate is not None and finding.rate >= 0.25  # used enough: costly, not low
    assert finding.verdict == Verdict.COSTLY
    assert _finding(run, benefit, Tier.GOLD).verdict == Verdict.COSTLY
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE, benefit=benefit)
    assert proposal.saving_per_year == Decimal("2433.33")  # 600 × 365 / 90
    ev = proposal.evidence
    assert ev["costly"] is True and ev["cost_per_user"] == "150.00"
    assert ev["max_cost_per_user"] == "100.00"
    # 100 yuan a user pays for no whole use at 120: the smallest quota is 1; 5 uses − 4 users
    # × 1 = one use of 120 above it, 486.67 a year.
    assert ev["smaller_quotas"] == {
        str(Tier.GOLD.value): {"quota": 10, "smaller_quota": 1, "saving_per_year": "486.67"}
    }


def test_a_costly_benefit_its_nps_keeps_stays_healthy_and_is_not_proposed():
    benefit = _costly_world(loved=True)
    run = run_review(window_end=_tomorrow(), window_days=90).run
    assert _finding(run, benefit).verdict == Verdict.HEALTHY
    assert not Proposal.objects.filter(run=run, benefit=benefit).exists()


def test_a_new_costly_benefit_is_shown_costly_but_not_proposed():
    benefit = _costly_world(new=True)
    run = run_review(window_end=_tomorrow(), window_days=90).run
    assert _finding(run, benefit).verdict == Verdict.COSTLY
    assert not Proposal.objects.filter(run=run, benefit=benefit).exists()


def test_the_cost_threshold_is_per_category():
    benefit = _costly_world()
    ReviewSettings.objects.create(
        category=category("MED").parent, max_cost_per_user=Decimal("200.00")
    )
    run = run_review(window_end=_tomorrow(), window_days=90).run
    assert run.thresholds["categories"]["MED"]["max_cost_per_user"] == "200.00"
    assert _finding(run, benefit).verdict == Verdict.HEALTHY


def test_a_run_from_before_costs_were_reviewed_is_judged_without_them():
    """A run's thresholds are a snapshot: one taken before max_cost_per_user existed never
    calls a benefit costly."""
    benefit = _costly_world()
    run, _created = review_run_open(window_end=_tomorrow(), window_days=90)
    run.thresholds["default"].pop("max_cost_per_user")
    run.save(update_fields=["thresholds"])
    (ids,) = review_chunks(run=run, size=100)
    review_chunk_compute(run_id=run.pk, benefit_ids=ids)
    assert _finding(run, benefit).verdict == Verdict.HEALTHY


def test_savings_are_annualised_and_a_smaller_quota_counts_only_uses_above_it():
    assert annualised(Decimal("90.00"), 90) == Decimal("365.00")
    assert annualised(None, 90) is None
    finding = ReviewFinding(cost=Decimal("1000.00"), uses=20, users=5)  # 50 a use, 200 a user
    assert smaller_quota(finding, Decimal("120.00")) == 2  # 2 uses × 50 fit in 120
    # 20 uses − 5 users × 2 = 10 uses of 50 above the quota: 500 in 30 days.
    assert quota_saving(finding, 2, 30) == Decimal("6083.33")
    assert quota_saving(finding, 4, 30) == Decimal("0.00")  # nobody above 4 on average


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's covering index")
def test_the_covering_index_carries_the_unit_cost_and_the_review_reads_it_index_only():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indexrelid WHERE c.relname = 'redemption_review'"
        )
        (definition,) = cursor.fetchone()
    assert "INCLUDE (tier_snapshot, holder_id, unit_cost)" in definition
    benefit = _costly_world()
    run, _created = review_run_open(window_end=_tomorrow(), window_days=90)
    (ids,) = review_chunks(run=run, size=100)
    with CaptureQueriesContext(connection) as ctx:
        review_chunk_compute(run_id=run.pk, benefit_ids=ids)
    (usage,) = [
        q["sql"]
        for q in ctx.captured_queries
        if "bookshelf_redemption" in q["sql"] and "SUM(" in q["sql"]
    ]
    assert '"unit_cost"' in usage  # the cost is summed in the uses' own GROUP BY
    with connection.cursor() as cursor:
        # Tiny tables: the planner would rather read them whole; the plan it would use for
        # millions of rows is what this pins.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + usage)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scans = [line.strip() for line in plan.splitlines() if " Scan " in f" {line.strip()}"]
    assert scans and all(s.lstrip("-> ").startswith("Index Only Scan") for s in scans), plan
    assert _finding(run, benefit).cost == Decimal("600.00")
