"""The customer value profile (RFM): premium, recency and frequency of benefit use, tenure and
policies held, a value score, a lifetime-value estimate and a segment agents understand.

`customer_values_refresh` (the nightly job) recomputes every customer's `CustomerValue` in
keyset batches by customer key, one statement per batch (`value_sql`): no customer's rows
pass through Python, so memory stays flat in the number of customers. `value_reason` says
why, in the reader's language at render time; `values_for` reads many profiles at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.display import money, reasons_separator

from .models import CustomerValue, Segment, ValueWeights
from .value_sql import BOUND_SQL, upsert_statement

BATCH_SIZE = 50_000


@dataclass
class ValueRefreshReport:
    customers: int = 0
    batches: int = 0
    segments: dict[str, int] = field(default_factory=dict)


def value_weights_get() -> ValueWeights:
    """The one row of weights product staff tune in the admin (made with defaults if none)."""
    weights, _created = ValueWeights.objects.get_or_create(pk=1)
    return weights


def _batch_refresh(
    *, after: int, size: int, now: datetime, weights: ValueWeights
) -> tuple[int, int]:
    """Recompute the next `size` customers after key `after`: (last key, customers). The
    bound, then one INSERT ... ON CONFLICT DO UPDATE (and on PostgreSQL a SET LOCAL: a short
    statement compiled by JIT spends longer compiling than running)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BOUND_SQL, [after, max(size - 1, 0), after])
        row = cursor.fetchone()
        upper = row[0] if row else None
        if upper is None:
            return after, 0
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        sql, params = upsert_statement(after=after, upper=upper, now=now, weights=weights)
        cursor.execute(sql, params)
        return int(upper), max(cursor.rowcount, 0)


def customer_values_refresh(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], Any] | None = None,
) -> ValueRefreshReport:
    """Recompute every customer's value profile as of `now`, `batch_size` customers per
    statement in key order. Idempotent: a second run with the same `now` writes the same
    values. Queries: the weights, then per batch its bound and the upsert (and a SET LOCAL
    on PostgreSQL), one bound that finds no more, and the count per segment."""
    now = now or timezone.now()
    weights = value_weights_get()
    report = ValueRefreshReport()
    last = 0
    while True:
        last, done = _batch_refresh(after=last, size=batch_size, now=now, weights=weights)
        if not done:
            break
        report.customers += done
        report.batches += 1
        if progress is not None:
            progress(done)
    report.segments = dict(
        CustomerValue.objects.values_list("segment")
        .annotate(n=Count("pk"))
        .order_by("segment")
        .values_list("segment", "n")
    )
    return report


# -- reads -------------------------------------------------------------------------------------


def values_for(customer_ids: Iterable[int]) -> dict[int, CustomerValue]:
    """The value profiles of these customers, by customer key, with the customer: one query
    (none for none). A customer not computed yet has none."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = CustomerValue.objects.filter(customer_id__in=ids).select_related("customer")
    return {v.customer_id: v for v in rows}


def _idle(value: CustomerValue, now: datetime, segment: Segment) -> str:
    """'Dormant: no benefit used for 14 months' (days under two months)."""
    assert value.last_use_at is not None
    days = max((now - value.last_use_at).days, 0)
    months = days // 30
    if segment == Segment.DORMANT:
        if months >= 2:
            return ngettext(
                "Dormant: no benefit used for %(n)s month",
                "Dormant: no benefit used for %(n)s months",
                months,
            ) % {"n": months}
        return ngettext(
            "Dormant: no benefit used for %(n)s day",
            "Dormant: no benefit used for %(n)s days",
            days,
        ) % {"n": days}
    if months >= 2:
        return ngettext(
            "At risk of leaving: no benefit used for %(n)s month",
            "At risk of leaving: no benefit used for %(n)s months",
            months,
        ) % {"n": months}
    return ngettext(
        "At risk of leaving: no benefit used for %(n)s day",
        "At risk of leaving: no benefit used for %(n)s days",
        days,
    ) % {"n": days}


def _lead(value: CustomerValue, now: datetime) -> str:
    """The segment and what put the customer in it."""
    segment = Segment(value.segment)
    uses = value.uses_year
    if segment == Segment.NEW:
        if value.first_policy_on is None:
            return _("New customer: no policy yet")
        days = max((timezone.localdate(now) - value.first_policy_on).days, 0)
        return ngettext(
            "New customer: first policy %(n)s day ago",
            "New customer: first policy %(n)s days ago",
            days,
        ) % {"n": days}
    if segment == Segment.AT_RISK and CustomerValue.customer.is_cached(value):
        # A tier about to drop is the more pressing reason (and the one the agent can act on).
        due = value.customer.tier_downgrade_due
        if due is not None:
            return _("At risk of leaving: the tier drops on %(date)s") % {
                "date": formats.date_format(due, "SHORT_DATE_FORMAT")
            }
    if segment in (Segment.DORMANT, Segment.AT_RISK):
        if value.last_use_at is None:
            return _("Dormant: never used a benefit")
        return _idle(value, now, segment)
    if segment == Segment.LOYAL:
        return ngettext(
            "Loyal regular: %(n)s benefit use in 12 months",
            "Loyal regular: %(n)s benefit uses in 12 months",
            uses,
        ) % {"n": uses}
    return ngettext(
        "Steady: %(n)s benefit use in 12 months", "Steady: %(n)s benefit uses in 12 months", uses
    ) % {"n": uses}


def value_reason(value: CustomerValue, *, now: datetime | None = None) -> str:
    """Why the customer is in their segment, in the reader's language: "Dormant: no benefit
    used for 14 months; premium ¥12,000 a year; customer for 6 years". No query: an at-risk
    customer's dropping tier is said when `value.customer` is loaded (`values_for` does)."""
    now = now or timezone.now()
    parts = [_lead(value, now)]
    if value.premium > 0:
        parts.append(_("premium %(amount)s a year") % {"amount": money(value.premium)})
    if value.first_policy_on is not None:
        years = (timezone.localdate(now) - value.first_policy_on).days * 100 // 36525
        if years >= 1:
            parts.append(
                ngettext("customer for %(n)s year", "customer for %(n)s years", years)
                % {"n": years}
            )
    return reasons_separator().join(parts)
