"""seed_demo builds a realistic shelf, is safe to run twice, and is reproducible for a seed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q

from benefits.models import Benefit, BenefitKind, BenefitStatus, Category
from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    Purchase,
    QuotaBalance,
    Redemption,
    RedemptionStatus,
    ShelfCell,
    Source,
)
from customers.models import Customer, FamilyLink, Policy, ProductLine, Tier

pytestmark = pytest.mark.django_db

N = 60


def _seed(**kwargs):
    out = StringIO()
    call_command(
        "seed_demo",
        **{"customers": N, "seed": 3, "no_progress": True, "force": True, **kwargs},
        stdout=out,
    )
    return out.getvalue()


def _counts():
    models = [
        Category,
        Benefit,
        ShelfCell,
        Customer,
        Policy,
        FamilyLink,
        Redemption,
        Purchase,
        QuotaBalance,
    ]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint within it, so what a test writes is undone as usual."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_demo_shelf_has_every_tier_and_category(seeded):
    assert "Demo shelf ready" in seeded
    assert set(Customer.objects.values_list("tier", flat=True)) == set(Tier.values)
    assert Customer.objects.count() == N

    tops = Category.objects.filter(parent__isnull=True).annotate(n=Count("children"))
    assert tops.count() >= 7
    assert all(top.n >= 2 for top in tops), [(t.code, t.n) for t in tops]
    assert {"HLT", "MED", "SPT", "TRV", "LIF", "GFT", "WLT"} <= {t.code for t in tops}
    assert Benefit.objects.count() >= 120


def test_the_high_net_worth_tier_holds_over_a_hundred_benefits_in_seven_categories(seeded):
    hnw = ShelfCell.objects.filter(tier=Tier.HIGH_NET_WORTH).select_related("benefit__category")
    assert hnw.count() >= 100
    assert len({cell.benefit.category.top_code for cell in hnw}) >= 7
    shared = hnw.filter(benefit__shareable=True, family_quota__gt=0)
    assert shared.count() >= 5
    # Higher tiers hold at least as much as lower ones.
    per_tier = [ShelfCell.objects.filter(tier=t).count() for t in Tier]
    assert per_tier == sorted(per_tier)


def test_the_articles_benefits_are_there(seeded):
    names = " ".join(Benefit.objects.values_list("name", flat=True)).lower()
    for words in [
        "private-doctor consultation",
        "expert outpatient",
        "hospital escort",
        "check-up",
        "private doctor",
        "chronic",
        "overseas",
        "green channel",
        "wealth salon",
        "gift",
    ]:
        assert words in names, words


def test_service_treasure_is_open_to_ordinary_customers_holding_long_term_life(seeded):
    treasure = Benefit.objects.filter(name__startswith="Service treasure")
    assert treasure.count() >= 3
    for benefit in treasure:
        assert benefit.eligibility.requires_product_line == ProductLine.LONG_TERM_LIFE
        assert benefit.shelf_cells.filter(tier=Tier.ORDINARY).exists()
        assert not benefit.shelf_cells.filter(tier=Tier.PROSPECT).exists()

    code = treasure.first().code
    ordinary = (
        Customer.objects.filter(tier=Tier.ORDINARY, policies__product_line="long_term_life")
        .filter(policies__status="in_force")
        .first()
    )
    assert ordinary is not None
    assert code in {e.code for e in bookshelf_for_customer(customer=ordinary).entries}


def test_there_are_paid_add_ons_and_a_retired_one(seeded):
    paid = Benefit.objects.filter(kind=BenefitKind.PAID)
    assert paid.count() >= 5
    assert not paid.filter(price__isnull=True).exists()
    assert Benefit.objects.filter(status=BenefitStatus.RETIRED).count() >= 1


def test_families_are_linked_both_ways(seeded):
    links = set(FamilyLink.objects.values_list("customer_id", "relative_id"))
    assert len(links) >= 10
    assert all((b, a) in links for a, b in links)


def test_usage_differs_by_benefit_and_balances_agree_with_the_history(seeded):
    per_benefit = list(
        Redemption.objects.values("benefit").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert sum(per_benefit) >= 200
    assert max(per_benefit) >= 5 * min(per_benefit)  # some popular, some rarely used
    assert Benefit.objects.filter(redemptions__isnull=True).exists()  # some never used
    assert Redemption.objects.filter(source=Source.FAMILY).exists()
    assert Redemption.objects.filter(source=Source.PURCHASE).exists()

    # Each balance counts exactly the tier and family uses of its period, within the quota;
    # the demo's open requests are held, and counted as used until they are given back.
    live = (
        Redemption.objects.filter(status__in=[RedemptionStatus.COMPLETED, RedemptionStatus.HELD])
        .exclude(source=Source.PURCHASE)
        .values("holder_id", "benefit_id", "period_start")
        .annotate(
            n=Count("id"),
            fam=Count("id", filter=Q(source=Source.FAMILY)),
            held=Count("id", filter=Q(status=RedemptionStatus.HELD)),
        )
    )
    history = {
        (r["holder_id"], r["benefit_id"], r["period_start"]): (r["n"], r["fam"], r["held"])
        for r in live
    }
    balances = {
        (b.holder_id, b.benefit_id, b.period_start): (b.used, b.family_used, b.held)
        # A hold given back (failed, cancelled) leaves its balance row at zero.
        for b in QuotaBalance.objects.exclude(used=0, family_used=0, held=0)
    }
    assert any(held for _used, _family, held in balances.values())
    assert balances == history
    for purchase in Purchase.objects.annotate(n=Count("redemptions")):
        assert purchase.n == purchase.uses_used <= purchase.uses_granted


def test_a_demo_customer_can_redeem_on_top_of_the_history(seeded):
    # The balances written in bulk are the ones the services read and move.
    entry, customer = None, None
    for customer in Customer.objects.filter(tier__gte=Tier.GOLD).order_by("customer_no"):
        shelf = bookshelf_for_customer(customer=customer)
        entry = next(
            (e for e in shelf.entries if e.source == Source.TIER and e.remaining and e.used), None
        )
        if entry:
            break
    assert entry is not None
    result = redemption_create(customer=customer, benefit_code=entry.code)
    assert result.remaining == entry.remaining - 1


def test_running_it_twice_adds_nothing(seeded):
    before = _counts()
    output = _seed()
    assert "already here" in output
    assert "nothing was added" in output
    assert _counts() == before
