from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.models import Redemption
from bookshelf.reach.selectors import recommendations_evaluate
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def _use(customer, benefit, days_ago, **kwargs):
    result = redemption_create(customer=customer, benefit_code=benefit.code, **kwargs)
    Redemption.objects.filter(pk=result.redemption.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )


def _cutoff():
    return timezone.localdate() - timedelta(days=60)


def test_hits_are_counted_against_what_was_used_after_the_cutoff():
    habit = make_benefit(cells={Tier.GOLD: None}, name="Habit")
    popular = [make_benefit(cells={Tier.GOLD: None}, name=f"Popular {i}") for i in range(5)]
    loyal = make_customer(tier=Tier.GOLD)
    crowd = [make_customer(tier=Tier.GOLD) for _ in range(4)]
    for _ in range(16):  # gold customers who used nothing: the crowd is a fifth of the tier
        make_customer(tier=Tier.GOLD)
    for person in crowd:
        for benefit in popular:
            _use(person, benefit, 200)
    _use(loyal, habit, 150)
    _use(loyal, habit, 130)
    _use(loyal, habit, 120)
    _use(loyal, habit, 10)  # after the cut-off: the loyal customer comes back to their habit
    report = recommendations_evaluate(cutoff=_cutoff(), horizon_days=60, k=5)
    assert report.customers == 1
    # The baseline ranks the crowd's five favourites first and misses the habit.
    assert (report.recommender_hits, report.baseline_hits) == (1, 0)


def test_an_elderly_parent_counts_as_it_does_live():
    """The production family tags: elderly parents too, not only young children."""
    elder_care = make_benefit(cells={Tier.GOLD: None}, tags=["elderly_parents"], name="Elder")
    others = [make_benefit(cells={Tier.GOLD: None}, name=f"Other {i}") for i in range(5)]
    child = make_customer(tier=Tier.GOLD, age=45)
    make_family(child, make_customer(tier=Tier.PROSPECT, age=72), "parent")
    someone = make_customer(tier=Tier.GOLD)
    for _ in range(18):
        make_customer(tier=Tier.GOLD)
    for benefit in others:
        _use(someone, benefit, 200)
    _use(child, elder_care, 10)
    report = recommendations_evaluate(cutoff=_cutoff(), horizon_days=60, k=5)
    assert report.customers == 1
    # The tier's habits fill the baseline's five; the recommender puts the family's need first.
    assert (report.recommender_hits, report.baseline_hits) == (1, 0)


def _family_and_purchase():
    """A relative who draws on the holder's family share, a customer who bought an add-on:
    both had a use left at the cut-off and used it after."""
    shared = make_benefit(
        cells={Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=2, name="Shared"
    )
    holder = make_customer(tier=Tier.HIGH_NET_WORTH, age=45)
    spouse = make_customer(tier=Tier.ORDINARY, age=43)
    make_family(holder, spouse, "spouse")
    _use(spouse, shared, 100)
    _use(spouse, shared, 10)
    addon = make_benefit(kind="paid", price=Decimal("99.00"), name="Add-on")
    buyer = make_customer(tier=Tier.GOLD)
    purchase_create(
        customer=buyer,
        benefit_code=addon.code,
        quantity=1,
        payment_reference=f"PAY-{buyer.customer_no}",
        today=_cutoff() - timedelta(days=30),
    )
    _use(buyer, addon, 10)
    return shared, addon


def test_the_centre_as_of_the_cutoff_holds_family_shares_and_purchases():
    _family_and_purchase()
    report = recommendations_evaluate(cutoff=_cutoff(), horizon_days=60, k=5)
    assert report.customers == 2
    assert (report.recommender_hits, report.baseline_hits) == (2, 2)


def test_nothing_used_up_by_the_cutoff_is_recommended():
    """A family share and a purchase spent before the cut-off are habits, not candidates."""
    shared = make_benefit(
        cells={Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=2, name="Shared"
    )
    ordinary = make_benefit(cells={Tier.ORDINARY: 2}, name="Ordinary")
    holder = make_customer(tier=Tier.HIGH_NET_WORTH, age=45)
    spouse = make_customer(tier=Tier.ORDINARY, age=43)
    make_family(holder, spouse, "spouse")
    _use(spouse, shared, 100)
    _use(spouse, shared, 90)
    _use(spouse, ordinary, 10)
    addon = make_benefit(kind="paid", price=Decimal("99.00"), name="Add-on")
    gold = make_benefit(cells={Tier.GOLD: 2}, name="Gold")
    buyer = make_customer(tier=Tier.GOLD)
    purchase_create(
        customer=buyer,
        benefit_code=addon.code,
        quantity=1,
        payment_reference="PAY-1",
        today=_cutoff() - timedelta(days=30),
    )
    _use(buyer, addon, 80)
    _use(buyer, gold, 10)
    report = recommendations_evaluate(cutoff=_cutoff(), horizon_days=60, k=1)
    assert report.customers == 2
    assert report.recommender_hits == 2


def test_with_nothing_in_between_the_evaluation_ranks_as_the_live_path():
    """The cut-off tomorrow: the state as of it is today's, so the replayed benefit centre,
    family tags, habits, peers and ranking are the live ones."""
    from benefits.models import Benefit
    from bookshelf.reach.evaluation import replay_customer, replay_load
    from bookshelf.reach.selectors import recommendations_for_customer
    from bookshelf.reach.services import peer_usage_refresh

    tomorrow = timezone.localdate() + timedelta(days=1)
    customer = make_customer(tier=Tier.GOLD, age=45, tags=["fitness"])
    make_family(customer, make_customer(tier=Tier.PROSPECT, age=72), "parent")
    make_family(customer, make_customer(tier=Tier.PROSPECT, age=6), "child")
    spouse = make_customer(tier=Tier.HIGH_NET_WORTH, age=50)
    make_family(customer, spouse, "spouse")
    peer = make_customer(tier=Tier.GOLD, age=46)
    make_benefit(cells={Tier.GOLD: 2}, tags=["elderly_parents"], name="Elder")
    make_benefit(cells={Tier.GOLD: 1}, tags=["young_children"], name="Kids")
    gym = make_benefit(cells={Tier.GOLD: 3}, tags=["fitness"], name="Gym", period="calendar_month")
    make_benefit(cells={Tier.GOLD: 2}, requires_product_line="long_term_life", name="Life")
    make_benefit(cells={Tier.GOLD: 2}, min_age=60, name="Seniors")
    make_benefit(cells={Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=2, name="Share")
    popular = make_benefit(cells={Tier.GOLD: None}, name="Popular")
    addon = make_benefit(kind="paid", price=Decimal("99.00"), name="Add-on")
    purchase_create(customer=customer, benefit_code=addon.code, quantity=1, payment_reference="P1")
    redemption_create(customer=customer, benefit_code=gym.code)
    redemption_create(customer=peer, benefit_code=popular.code)
    peer_usage_refresh(today=tomorrow)
    live = recommendations_for_customer(customer=customer, limit=20, today=tomorrow)
    ids = dict(Benefit.objects.values_list("code", "pk"))
    ours, _popular = replay_customer(replay_load([customer], tomorrow), customer, k=20)
    assert ours == [ids[r.code] for r in live.recommendations]
    assert len(ours) == 6  # not the life policy's, not the seniors'


def test_the_evaluation_runs_the_same_queries_for_more_customers():
    _family_and_purchase()
    recommendations_evaluate(cutoff=_cutoff(), horizon_days=60)  # the shelf's cache is warm

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            recommendations_evaluate(cutoff=_cutoff(), horizon_days=60)
        return len(captured)

    few = queries()
    _family_and_purchase()
    _family_and_purchase()
    assert recommendations_evaluate(cutoff=_cutoff(), horizon_days=60).customers == 6
    # Who used what after the cut-off, those customers, their family links, the household's
    # policies, habits, balances, purchases and their uses, events, every customer's band.
    assert queries() == few == 10


def test_the_command_reports_both_rates(capsys):
    call_command("bench_recommendations", "--horizon-days", "30")
    out = capsys.readouterr().out
    assert "recommender hit rate@5" in out and "baseline (tier popularity)" in out
