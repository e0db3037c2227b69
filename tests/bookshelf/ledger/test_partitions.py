"""The redemption table on PostgreSQL: range-partitioned by month, a DEFAULT partition so an
insert never fails, partitions made ahead, and queries on a time range that only read the
months they need. On SQLite the table stays one plain table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bookshelf.api.redemptions import RedemptionFilter
from bookshelf.ledger.partitions import (
    DEFAULT,
    add_months,
    is_partitioned,
    month_start,
    partition_name,
    partitions_list,
    redemption_partitions_ensure,
)
from bookshelf.ledger.services import redemption_create
from bookshelf.models import Redemption
from customers.models import Tier
from tests.factories import make_benefit, make_customer


def _partition_of(redemption_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM bookshelf_redemption WHERE id = %s",
            [redemption_id],
        )
        return cursor.fetchone()[0]


def _explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.sqlite
def test_on_sqlite_the_table_is_plain_and_the_command_says_so():
    assert not is_partitioned()
    assert redemption_partitions_ensure() == []
    out = StringIO()
    call_command("ensure_partitions", stdout=out)
    assert "not partitioned" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_table_is_partitioned_with_a_default_a_brin_and_a_composite_key():
    assert is_partitioned()
    parts = partitions_list()
    assert parts[-1].name == DEFAULT
    this_month = month_start(datetime.now(UTC).date())
    months = {p.start for p in parts if p.start}
    # The migration made this month and three ahead.
    assert {add_months(this_month, k) for k in range(4)} <= months
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'bookshelf_redemption'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, created_at)"
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'bookshelf_redemption' "
            "AND indexname = 'redemption_created_brin'"
        )
        assert "USING brin (created_at)" in cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = "
            "'bookshelf_redemptionfeedback'::regclass AND contype = 'f' "
            "AND confrelid = 'bookshelf_redemption'::regclass"
        )
        # Nothing may reference a partitioned table by id alone.
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_use_lands_in_its_month_and_one_outside_every_month_in_the_default():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    now = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    assert _partition_of(now.pk) == partition_name(month_start(now.created_at.astimezone(UTC)))

    far = timezone.now() + timedelta(days=400)  # no partition is made that far ahead
    late = Redemption.objects.create(
        holder=customer,
        beneficiary=customer,
        benefit=benefit,
        source="tier",
        channel="app",
        tier_snapshot=customer.tier,
        benefit_code=benefit.code,
        category_code=benefit.code.split(".")[0],
        created_at=far,
    )
    assert _partition_of(late.pk) == DEFAULT

    # Making that month's partition moves the row out of DEFAULT into it.
    created = redemption_partitions_ensure(months_ahead=14)
    month = month_start(far.astimezone(UTC).date())
    assert partition_name(month) in created
    assert _partition_of(late.pk) == partition_name(month)
    assert Redemption.objects.filter(pk=late.pk).exists()
    # Running it again changes nothing.
    assert redemption_partitions_ensure(months_ahead=14) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_command_prepares_months_ahead_and_lists_them():
    out = StringIO()
    call_command("ensure_partitions", "--months-ahead", "6", "--list", stdout=out)
    text = out.getvalue()
    sixth = add_months(month_start(datetime.now(UTC).date()), 6)
    assert partition_name(sixth) in text
    assert DEFAULT in text


@pytest.mark.postgres
@pytest.mark.django_db
def test_history_and_review_windows_read_only_their_months():
    customer = make_customer(tier=Tier.GOLD)
    redemption_partitions_ensure(start=date.today() - timedelta(days=400))
    history = Redemption.objects.filter(holder=customer)
    since = timezone.localdate() - timedelta(days=20)
    filtered = RedemptionFilter({"date_from": since.isoformat()}, queryset=history).qs
    plan = _explain(filtered)
    old_month = partition_name(month_start(date.today() - timedelta(days=200)))
    assert old_month not in plan
    assert old_month in _explain(history)  # without a date every month is read
    start = timezone.now() - timedelta(days=30)
    plan = _explain(Redemption.objects.filter(created_at__gte=start))
    assert old_month not in plan
