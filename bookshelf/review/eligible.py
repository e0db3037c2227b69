"""Who could use a benefit: customers per tier passing each eligibility rule, counted once
per review run and shared by its chunks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

from benefits.models import Benefit
from customers.models import PolicyStatus

from .models import (
    ReviewRun,
)
from .thresholds import review_benefit_ids

ELIGIBLE_CACHE_SECONDS = 6 * 3600


log = logging.getLogger(__name__)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _eligible_counts(
    rules: Iterable[tuple[str, int | None, int | None]], on: date, using: str
) -> dict[tuple[str, int | None, int | None], dict[int, int]]:
    """Customers per tier who pass each distinct eligibility rule (the product line the
    holder must hold in force, the age range on `on - 1 day`).

    One GROUP BY over the customers, joined once to their in-force product lines, with a
    count per rule: the customers are read once whatever the number of rules (a query per
    rule, or an `IN (policies)` per rule, rescanned them at a million customers). Plain SQL
    that SQLite runs too."""
    distinct = sorted(set(rules), key=lambda r: (r[0], r[1] or -1, r[2] or -1))
    out: dict[tuple[str, int | None, int | None], dict[int, int]] = {r: {} for r in distinct}
    if not distinct:
        return out
    day = on - timedelta(days=1)
    lines = sorted({line for line, _min, _max in distinct if line})
    line_columns = "".join(
        f", MAX(CASE WHEN product_line = %s THEN 1 ELSE 0 END) AS line_{i}"
        for i in range(len(lines))
    )
    params: list[Any] = []
    counts: list[str] = []
    for line, min_age, max_age in distinct:
        conditions = ["1 = 1"]
        if line:
            conditions.append(f"p.line_{lines.index(line)} = 1")
        if min_age is not None:
            conditions.append("c.birth_date <= %s")
            params.append(_years_before(day, min_age))
        if max_age is not None:
            conditions.append("c.birth_date > %s")
            params.append(_years_before(day, max_age + 1))
        counts.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END)")
    if lines:
        join = (
            f"LEFT JOIN (SELECT customer_id{line_columns} FROM customers_policy "  # noqa: S608
            "WHERE status = %s GROUP BY customer_id) p ON p.customer_id = c.id"
        )
        # The counts' placeholders come first in the text, then the join's.
        params = [*params, *lines, PolicyStatus.IN_FORCE.value]
    else:
        join = ""
    sql = f"SELECT c.tier, {', '.join(counts)} FROM customers_customer c {join} GROUP BY c.tier"  # noqa: S608 - built from placeholders only
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for tier, *numbers in rows:
        for rule, number in zip(distinct, numbers, strict=True):
            out[rule][tier] = int(number or 0)
    return out


def _run_rules(run: ReviewRun) -> list[tuple[str, int | None, int | None]]:
    """The distinct eligibility rules of every benefit the run reviews."""
    rows = (
        Benefit.objects.filter(pk__in=review_benefit_ids(run=run))
        .values_list(
            "eligibility__requires_product_line", "eligibility__min_age", "eligibility__max_age"
        )
        .distinct()
    )
    return [(line or "", low, high) for line, low, high in rows]


def eligible_for_run(
    run: ReviewRun,
    rules: list[tuple[str, int | None, int | None]],
    on: date,
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> dict[tuple[str, int | None, int | None], dict[int, int]]:
    """Eligible customers per rule and tier, counted once per run for all its chunks: the
    first chunk counts them for every rule the run needs and shares them through the cache
    (Redis when configured), so workers sharing a review don't each read every customer.
    Whoever misses (no cache, evicted) counts again: the same numbers. `using`: where the
    customers are counted (a replica, `config.replicas.analytics_alias`)."""
    key = f"review:{run.pk}:{on.isoformat()}:eligible"
    try:
        shared = cache.get(key)
    except Exception:
        shared = None
    if shared is not None and all(rule in shared for rule in rules):
        return dict(shared)
    counts = _eligible_counts([*rules, *_run_rules(run)], on, using)
    try:
        cache.set(key, counts, timeout=ELIGIBLE_CACHE_SECONDS)
    except Exception:
        log.warning("review: could not share the eligible counts")
    return counts
