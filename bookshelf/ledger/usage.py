"""Who used what, month by month: the rollup behind "used 3 times in the last year".

The recommendations weigh a customer's habits on every call. Counting a year of their
redemptions means probing twelve monthly partitions of the largest table each time; this
rollup answers from one index range of a dozen rows. It is kept in step inside the
redemption's own transaction (`usage_record`: +1 on a use, -1 on its cancellation), so it
is never ahead of or behind the redemptions it counts. `usage_rebuild` recomputes it from the
redemptions in one `INSERT ... SELECT ... GROUP BY` (the migration that made it, the seeders,
`manage.py usage_rebuild`), and the monthly maintenance job prunes months past the window.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, Sum
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from .models import Redemption, RedemptionStatus, UsageMonth

# The current month and the eleven before it: "the last year".
WINDOW_MONTHS = 12


def month_of(at: datetime) -> date:
    """The calendar month (its first day, local time) a moment falls in."""
    return timezone.localdate(at).replace(day=1)


def window_start(today: date, months: int = WINDOW_MONTHS) -> date:
    """The first day of the oldest month in the window ending with today's month."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def usage_record(*, customer_id: int, benefit_id: int, at: datetime, delta: int) -> None:
    """Count a use (delta=1) or give one back (delta=-1), in the caller's transaction."""
    table = UsageMonth._meta.db_table
    month = month_of(at)
    with connection.cursor() as cursor:
        if delta > 0:
            # One statement on PostgreSQL and SQLite alike; concurrent first uses of a month
            # meet on the unique constraint and add up instead of failing.
            cursor.execute(
                f"INSERT INTO {table} (customer_id, benefit_id, month, uses) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (customer_id, month, benefit_id) "
                f"DO UPDATE SET uses = {table}.uses + EXCLUDED.uses",
                [customer_id, benefit_id, month, delta],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET uses = uses - %s "
                "WHERE customer_id = %s AND month = %s AND benefit_id = %s AND uses >= %s",
                [-delta, customer_id, month, benefit_id, -delta],
            )


def usage_recent(*, customer_id: int, today: date) -> dict[int, int]:
    """Benefit id -> completed uses by this customer in the last twelve months."""
    rows = (
        UsageMonth.objects.filter(
            customer_id=customer_id, month__gte=window_start(today), uses__gt=0
        )
        .values("benefit_id")
        .annotate(n=Sum("uses"))
        .order_by()
    )
    return {r["benefit_id"]: r["n"] for r in rows}


def _grouped(redemption: Any, since: date) -> Any:
    start = timezone.make_aware(datetime.combine(since, time.min))
    return (
        redemption.objects.filter(status=RedemptionStatus.COMPLETED, created_at__gte=start)
        .annotate(month=Cast(TruncMonth("created_at"), DateField()))
        .values("beneficiary_id", "benefit_id", "month")
        .annotate(uses=Count("id"))
        .order_by()
    )


def usage_rebuild(
    *, today: date | None = None, redemption: Any = Redemption, usage: Any = UsageMonth
) -> int:
    """Recompute the window from the redemptions, in the database. The models can be a
    migration's historical ones. Returns the number of rows written."""
    today = today or timezone.localdate()
    sql, params = _grouped(redemption, window_start(today)).query.sql_with_params()
    table = usage._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} (customer_id, benefit_id, month, uses) {sql}", params)
        return max(cursor.rowcount, 0)


def usage_prune(*, today: date | None = None) -> int:
    """Drop the months that have left the window. Returns how many rows went."""
    today = today or timezone.localdate()
    deleted, _ = UsageMonth.objects.filter(month__lt=window_start(today)).delete()
    return deleted
