"""The monthly usage rollup the recommendations read: kept in step with the redemptions by
the services, equal to a rebuild from them, windowed and pruned by month, and right under
concurrent first uses and cancellations on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from bookshelf.ledger.services import redemption_cancel, redemption_create
from bookshelf.ledger.usage import (
    month_of,
    usage_prune,
    usage_rebuild,
    usage_recent,
    usage_record,
    window_start,
)
from bookshelf.models import Redemption, RedemptionStatus, UsageMonth
from bookshelf.reach.selectors import recommendations_for_customer
from customers.models import Customer, Tier
from tests.bookshelf.ledger.test_concurrency import THREADS, _race
from tests.factories import make_benefit, make_customer, make_family


def rows() -> set[tuple[int, int, date, int]]:
    return {
        (u.customer_id, u.benefit_id, u.month, u.uses)
        for u in UsageMonth.objects.filter(uses__gt=0)
    }


def months_ago(n: int) -> datetime:
    """Noon on the 15th, n calendar months before this one (local time)."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return timezone.make_aware(datetime(index // 12, index % 12 + 1, 15, 12))


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (date(2026, 11, 30), date(2025, 12, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2025, 2, 1)),
        (date(2024, 2, 29), date(2023, 3, 1)),
    ],
)
def test_the_window_is_this_month_and_the_eleven_before(today, first):
    assert window_start(today) == first


@pytest.mark.django_db
def test_uses_and_cancellations_move_the_rollup_in_step_and_match_a_rebuild():
    holder = make_customer(tier=Tier.GOLD)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse)
    own = make_benefit(cells={Tier.GOLD: 5})
    shared = make_benefit(cells={Tier.GOLD: 5}, family_quota=2, shareable=True)
    first = redemption_create(customer=holder, benefit_code=own.code).redemption
    redemption_create(customer=holder, benefit_code=own.code)
    redemption_create(customer=holder, benefit_code=shared.code, beneficiary_no=spouse.customer_no)
    month = month_of(timezone.now())
    # Counted for who used it: the spouse used the holder's shared allowance.
    assert rows() == {(holder.pk, own.pk, month, 2), (spouse.pk, shared.pk, month, 1)}
    assert usage_recent(customer_id=spouse.pk, today=timezone.localdate()) == {shared.pk: 1}

    redemption_cancel(redemption=first)
    assert rows() == {(holder.pk, own.pk, month, 1), (spouse.pk, shared.pk, month, 1)}
    kept = rows()
    UsageMonth.objects.all().delete()
    assert usage_rebuild() == 2
    assert rows() == kept


@pytest.mark.django_db
def test_recommendations_read_habits_from_the_rollup():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Habit")
    used = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    redemption_create(customer=customer, benefit_code=benefit.code)

    def reasons() -> list[str]:
        (rec,) = recommendations_for_customer(customer=customer, limit=1).recommendations
        return rec.reasons

    assert "used 2 times in the last year" in reasons()
    redemption_cancel(redemption=used)
    assert "used 1 time in the last year" in reasons()
    UsageMonth.objects.all().delete()  # what the recommendations read, and nothing else
    assert "not used yet" in reasons()


@pytest.mark.django_db
def test_rebuild_counts_only_completed_uses_inside_the_window_and_prune_drops_older_months():
    customer = make_customer(tier=Tier.GOLD)
    benefits = [make_benefit(cells={Tier.GOLD: None}) for _ in range(3)]
    made = [redemption_create(customer=customer, benefit_code=b.code).redemption for b in benefits]
    Redemption.objects.filter(pk=made[0].pk).update(created_at=months_ago(11))  # inside
    Redemption.objects.filter(pk=made[1].pk).update(created_at=months_ago(12))  # outside
    Redemption.objects.filter(pk=made[2].pk).update(status=RedemptionStatus.CANCELLED)
    usage_rebuild()
    assert rows() == {(customer.pk, benefits[0].pk, month_of(months_ago(11)), 1)}
    assert usage_recent(customer_id=customer.pk, today=timezone.localdate()) == {benefits[0].pk: 1}

    usage_record(customer_id=customer.pk, benefit_id=benefits[1].pk, at=months_ago(13), delta=1)
    usage_record(customer_id=customer.pk, benefit_id=benefits[2].pk, at=months_ago(0), delta=1)
    assert UsageMonth.objects.count() == 3
    assert usage_prune() == 1
    assert {u.month for u in UsageMonth.objects.all()} == {
        month_of(months_ago(11)),
        month_of(months_ago(0)),
    }


@pytest.mark.django_db
def test_a_cancellation_never_takes_the_count_below_zero():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    usage_record(customer_id=customer.pk, benefit_id=benefit.pk, at=timezone.now(), delta=-1)
    assert not UsageMonth.objects.exists()
    usage_record(customer_id=customer.pk, benefit_id=benefit.pk, at=timezone.now(), delta=1)
    usage_record(customer_id=customer.pk, benefit_id=benefit.pk, at=timezone.now(), delta=-1)
    usage_record(customer_id=customer.pk, benefit_id=benefit.pk, at=timezone.now(), delta=-1)
    assert UsageMonth.objects.get().uses == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uses_of_a_month_add_up_on_one_row():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: None})

    def work() -> None:
        redemption_create(customer=Customer.objects.get(pk=customer.pk), benefit_code=benefit.code)

    assert _race(work) == {"ok": THREADS}
    usage = UsageMonth.objects.get()
    assert (usage.customer_id, usage.benefit_id, usage.uses) == (customer.pk, benefit.pk, THREADS)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_give_one_use_back():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    redemption_create(customer=customer, benefit_code=benefit.code)
    target = redemption_create(customer=customer, benefit_code=benefit.code).redemption

    def work() -> None:
        redemption_cancel(redemption=Redemption.objects.get(pk=target.pk))

    assert _race(work) == {"ok": 1, "already_cancelled": THREADS - 1}
    assert UsageMonth.objects.get().uses == 1


@pytest.mark.django_db
def test_the_monthly_maintenance_job_prunes_the_rollup(celery_eager):
    from bookshelf.ledger.tasks import redemption_partitions_ensure_task as redemption_partitions

    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: None})
    usage_record(customer_id=customer.pk, benefit_id=benefit.pk, at=months_ago(12), delta=1)
    usage_record(customer_id=customer.pk, benefit_id=benefit.pk, at=months_ago(1), delta=1)
    redemption_partitions.delay()
    assert [u.month for u in UsageMonth.objects.all()] == [month_of(months_ago(1))]


@pytest.mark.django_db
def test_the_rebuild_command_replaces_a_drifted_rollup():
    from io import StringIO

    from django.core.management import call_command

    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: None})
    redemption_create(customer=customer, benefit_code=benefit.code)
    UsageMonth.objects.update(uses=7)  # drifted, e.g. redemptions restored from a backup
    out = StringIO()
    call_command("usage_rebuild", stdout=out)
    assert UsageMonth.objects.get().uses == 1
    assert "1 rows" in out.getvalue()
