from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import Redemption
from bookshelf.reach.selectors import recommendations_evaluate
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _use(customer, benefit, days_ago):
    result = redemption_create(customer=customer, benefit_code=benefit.code)
    Redemption.objects.filter(pk=result.redemption.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )


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
    cutoff = timezone.localdate() - timedelta(days=60)
    report = recommendations_evaluate(cutoff=cutoff, horizon_days=60, k=5)
    assert report.customers == 1
    # The baseline ranks the crowd's five favourites first and misses the habit.
    assert (report.recommender_hits, report.baseline_hits) == (1, 0)


def test_the_command_reports_both_rates(capsys):
    call_command("bench_recommendations", "--horizon-days", "30")
    out = capsys.readouterr().out
    assert "recommender hit rate@5" in out and "baseline (tier popularity)" in out
