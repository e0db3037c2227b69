"""The customer value profile in SQL: one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` per
batch of customers, every score, the value score, the lifetime value and the segment computed
by the database from the `ValueWeights` row (the formula is in the README, "Customer value").

The same statement runs on PostgreSQL and SQLite: every threshold is a parameter computed
here (a cut-off instant or day, a multiple of a "top"), so the SQL compares columns with
values and needs no date arithmetic of either dialect.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from customers.models import PolicyStatus

from ..ledger.models import RedemptionStatus
from .models import Segment, ValueWeights

# A use counts for recency and frequency while it is held for its supplier too: the customer
# asked for it (the engagement is real), and the night after it fails it is cancelled and
# drops out. Its cost is then the price the budget was charged at the request.
USE_STATUSES = (RedemptionStatus.COMPLETED, RedemptionStatus.HELD)
YEAR_DAYS = 365
# Days since the last use scored 5, 4, 3 and 2 (older, or never: 1).
RECENCY_DAYS = (30, 90, 180, 365)

# Score bands of a value against its "top": (score, multiplier): the value scores `score` when
# value * multiplier >= top. Premium: top, top/2, top/5, top/20; counts: top, top/2, top/4,
# then at least one. Nothing (0, no policy, no use) always scores 1.
PREMIUM_BANDS = ((5, 1), (4, 2), (3, 5), (2, 20))
COUNT_BANDS = ((5, 1), (4, 2), (3, 4))


def _band_case(
    column: str, top: Any, bands: tuple[tuple[int, int], ...], floor: int
) -> tuple[str, list[Any]]:
    """`CASE WHEN column <= 0 THEN 1 WHEN column * m >= top THEN s ... ELSE floor END`."""
    sql = [f"CASE WHEN {column} <= 0 THEN 1"]
    params: list[Any] = []
    for score, multiplier in bands:
        sql.append(f"WHEN {column} * {multiplier} >= %s THEN {score}")
        params.append(top)
    sql.append(f"ELSE {floor} END")
    return " ".join(sql), params


def _recency_case(now: datetime) -> tuple[str, list[Any]]:
    sql = ["CASE WHEN b.last_use IS NULL THEN 1"]
    params: list[Any] = []
    for score, days in zip((5, 4, 3, 2), RECENCY_DAYS, strict=True):
        sql.append(f"WHEN b.last_use >= %s THEN {score}")
        params.append(_instant(now - timedelta(days=days)))
    sql.append("ELSE 1 END")
    return " ".join(sql), params


def _tenure_case(today: date, top_years: int) -> tuple[str, list[Any]]:
    """Years since the first policy in force: top, top/2, top/4, then at least one year."""
    sql = ["CASE WHEN b.first_on IS NULL THEN 1"]
    params: list[Any] = []
    for score, years in ((5, top_years), (4, top_years / 2), (3, top_years / 4), (2, 1)):
        sql.append(f"WHEN b.first_on <= %s THEN {score}")
        params.append(_day(today - timedelta(days=round(365.25 * years))))
    sql.append("ELSE 1 END")
    return " ".join(sql), params


def _instant(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _day(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _money(value: Decimal) -> Any:
    # SQLite binds a Decimal as text, and text never compares equal to or below a number
    # there: a float keeps the comparisons numeric (yuan amounts are exact in a double).
    return value if connection.vendor == "postgresql" else float(value)


def lookback_days(weights: ValueWeights) -> int:
    """How far back the last use is looked for: a year, or longer when 'dormant' is."""
    return max(YEAR_DAYS, weights.dormant_days)


def _base_sql() -> str:
    """Per customer of the batch: premium, policies and first start date of the policies in
    force; last use (in the look-back), uses and their cost in the last year, as beneficiary.
    Both aggregates are bounded by the batch's keys: the redemptions' (beneficiary,
    -created_at) index and the monthly partitions' time bounds serve them."""
    return """
        SELECT c.id, c.tier_downgrade_due AS downgrade_due,
               COALESCE(p.premium, 0) AS premium, COALESCE(p.n, 0) AS policies,
               p.first_on, u.last_use, COALESCE(u.uses, 0) AS uses, COALESCE(u.cost, 0) AS cost
        FROM customers_customer c
        LEFT JOIN (
            SELECT customer_id, sum(annual_premium) AS premium, count(*) AS n,
                   min(start_date) AS first_on
            FROM customers_policy
            WHERE status = %s AND customer_id > %s AND customer_id <= %s
            GROUP BY customer_id
        ) p ON p.customer_id = c.id
        LEFT JOIN (
            SELECT beneficiary_id, max(created_at) AS last_use,
                   sum(CASE WHEN created_at >= %s THEN 1 ELSE 0 END) AS uses,
                   sum(CASE WHEN created_at >= %s THEN COALESCE(unit_cost, 0) ELSE 0 END) AS cost
            FROM bookshelf_redemption
            WHERE beneficiary_id > %s AND beneficiary_id <= %s
              AND created_at >= %s AND created_at <= %s AND status IN (%s, %s)
            GROUP BY beneficiary_id
        ) u ON u.beneficiary_id = c.id
        WHERE c.id > %s AND c.id <= %s
    """


def _base_params(*, after: int, upper: int, now: datetime, weights: ValueWeights) -> list[Any]:
    year_ago = _instant(now - timedelta(days=YEAR_DAYS))
    since = _instant(now - timedelta(days=lookback_days(weights)))
    return [
        PolicyStatus.IN_FORCE.value,
        after,
        upper,
        year_ago,
        year_ago,
        after,
        upper,
        since,
        _instant(now),
        *(s.value for s in USE_STATUSES),
        after,
        upper,
    ]


def _scores_sql(*, now: datetime, today: date, weights: ValueWeights) -> tuple[str, list[Any]]:
    """The five 1-5 scores of each customer, over `_base_sql` (aliased b)."""
    premium_sql, premium_params = _band_case(
        "b.premium", _money(weights.premium_top), PREMIUM_BANDS, 1
    )
    uses_sql, uses_params = _band_case("b.uses", weights.uses_top, COUNT_BANDS, 2)
    policies_sql, policies_params = _band_case("b.policies", weights.policies_top, COUNT_BANDS, 2)
    recency_sql, recency_params = _recency_case(now)
    tenure_sql, tenure_params = _tenure_case(today, weights.tenure_top_years)
    # Built from constants and placeholders only.
    sql = (
        f"SELECT b.*, {premium_sql} AS ps, {uses_sql} AS fs, {recency_sql} AS rs, "  # noqa: S608
        f"{tenure_sql} AS ts, {policies_sql} AS ns FROM ({_base_sql()}) b"
    )
    params = [
        *premium_params,
        *uses_params,
        *recency_params,
        *tenure_params,
        *policies_params,
    ]
    return sql, params


def _score_factor(weights: ValueWeights) -> float:
    total = (
        weights.premium + weights.recency + weights.frequency + weights.tenure + weights.policies
    )
    return 100.0 / (5 * total) if total > 0 else 0.0


COLUMNS = (
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


def _segment_sql(*, now: datetime, today: date, weights: ValueWeights) -> tuple[str, list[Any]]:
    """new > dormant > at risk > loyal > steady, the first that applies."""
    sql = """CASE
        WHEN s.first_on IS NULL OR s.first_on >= %s THEN %s
        WHEN s.last_use IS NULL OR s.last_use < %s THEN %s
        WHEN s.last_use < %s OR s.downgrade_due IS NOT NULL THEN %s
        WHEN s.rs >= 4 AND s.fs >= 4 THEN %s
        ELSE %s END"""
    params = [
        _day(today - timedelta(days=weights.new_days)),
        Segment.NEW.value,
        _instant(now - timedelta(days=weights.dormant_days)),
        Segment.DORMANT.value,
        _instant(now - timedelta(days=weights.at_risk_days)),
        Segment.AT_RISK.value,
        Segment.LOYAL.value,
        Segment.STEADY.value,
    ]
    return sql, params


def upsert_statement(
    *, after: int, upper: int, now: datetime, weights: ValueWeights
) -> tuple[str, list[Any]]:
    """The one statement that recomputes the profiles of customers with after < id <= upper."""
    today = timezone.localdate(now)
    scores_sql, scores_params = _scores_sql(now=now, today=today, weights=weights)
    segment_sql, segment_params = _segment_sql(now=now, today=today, weights=weights)
    margin = _money(weights.margin)
    ltv = "CASE WHEN s.premium * %s > s.cost THEN (s.premium * %s - s.cost) * %s ELSE 0 END"
    weighted = "(%s * s.ps + %s * s.rs + %s * s.fs + %s * s.ts + %s * s.ns) * %s"
    since = _instant(now - timedelta(days=lookback_days(weights)))
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:] if c != "last_use_at")
    # A last use older than the look-back is kept from the night before (the segment and the
    # scores do not need it: it is older than 'dormant' and than a year), so the desk can
    # still say "no benefit used for 14 months"; a kept one inside the window was cancelled.
    sql = f"""
        INSERT INTO bookshelf_customervalue ({", ".join(COLUMNS)})
        SELECT s.id, s.premium, s.policies, s.first_on, s.last_use, s.uses, s.cost,
               s.rs, s.fs, s.ps, {weighted}, {ltv}, {segment_sql}, %s
        FROM ({scores_sql}) s
        WHERE 1 = 1
        ON CONFLICT (customer_id) DO UPDATE SET {updates},
            last_use_at = CASE WHEN excluded.last_use_at IS NOT NULL THEN excluded.last_use_at
                WHEN bookshelf_customervalue.last_use_at < %s
                THEN bookshelf_customervalue.last_use_at END
    """  # noqa: S608 - built from constants and placeholders only
    params = [
        weights.premium,
        weights.recency,
        weights.frequency,
        weights.tenure,
        weights.policies,
        _score_factor(weights),
        margin,
        margin,
        weights.horizon_years,
        *segment_params,
        _instant(now),
        *scores_params,
        *_base_params(after=after, upper=upper, now=now, weights=weights),
        since,
    ]
    return sql, params


BOUND_SQL = (
    "SELECT COALESCE((SELECT id FROM customers_customer WHERE id > %s ORDER BY id "
    "LIMIT 1 OFFSET %s), (SELECT max(id) FROM customers_customer WHERE id > %s))"
)
