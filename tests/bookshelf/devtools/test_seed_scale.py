"""seed_scale: PostgreSQL only, and the data it writes with COPY has the product's invariants
(quotas never exceeded, balances equal to the uses, tiers equal to what the rules give), so
the benchmark measures states production can reach."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bookshelf.devtools.scale.seed import seed_meta
from bookshelf.models import Redemption, RedemptionFeedback, ShelfCell
from customers.models import Customer, Tier
from customers.selectors import tier_recalc_candidates, tier_rules_list
from customers.services import customer_tiers_recalculate


@pytest.mark.django_db
@pytest.mark.sqlite
def test_it_refuses_sqlite_with_a_clear_message():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("seed_scale", "--customers", "100", "--redemptions", "1000")


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def _foreign_keys() -> int:
    return _scalar(
        "SELECT count(*) FROM pg_constraint WHERE contype IN ('f', 'u') AND conrelid IN "
        "('bookshelf_redemption'::regclass, 'bookshelf_quotabalance'::regclass, "
        "'customers_customer'::regclass, 'customers_policy'::regclass, "
        "'bookshelf_redemptionfeedback'::regclass)"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_scale_data_keeps_every_invariant():
    constraints = _foreign_keys()
    out = StringIO()
    call_command(
        "seed_scale", "--customers", "300", "--redemptions", "6000", "--no-progress", stdout=out
    )
    assert "Scale data ready" in out.getvalue()

    assert Customer.objects.count() == 300
    assert set(Customer.objects.values_list("tier", flat=True)) == {t.value for t in Tier}
    assert ShelfCell.objects.filter(tier=Tier.HIGH_NET_WORTH).count() >= 100
    made = Redemption.objects.count()
    assert 5000 < made < 7000  # the size asked for, give or take the sampling
    policies = _scalar("SELECT count(*) FROM customers_policy")
    assert 1.2 < policies / 300 < 1.8

    # Balances equal the completed uses of every period, and no quota is exceeded.
    assert not _scalar(
        "WITH r AS (SELECT holder_id, benefit_id, period_start, count(*) AS n, "
        "count(*) FILTER (WHERE source = 'family') AS f FROM bookshelf_redemption "
        "WHERE status = 'completed' AND source IN ('tier', 'family') GROUP BY 1, 2, 3) "
        "SELECT count(*) FROM r FULL JOIN bookshelf_quotabalance b "
        "USING (holder_id, benefit_id, period_start) "
        "WHERE r.n IS DISTINCT FROM b.used OR r.f IS DISTINCT FROM b.family_used"
    )
    assert not _scalar(
        "SELECT count(*) FROM bookshelf_quotabalance b "
        "JOIN customers_customer c ON c.id = b.holder_id "
        "JOIN bookshelf_shelfcell s ON s.benefit_id = b.benefit_id AND s.tier = c.tier "
        "WHERE (s.quota IS NOT NULL AND b.used > s.quota) OR b.family_used > s.family_quota"
    )
    # Ratings only for completed uses, by the one who used it.
    assert RedemptionFeedback.objects.exists()
    assert not _scalar(
        "SELECT count(*) FROM bookshelf_redemptionfeedback f JOIN bookshelf_redemption r "
        "ON r.id = f.redemption_id WHERE r.status <> 'completed' "
        "OR r.beneficiary_id <> f.customer_id"
    )
    # Ids follow time, as in production (what the BRIN index relies on).
    assert not _scalar(
        "SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back "
        "FROM bookshelf_redemption) x WHERE back"
    )
    # Every tier is what the rules give: the nightly job has nothing to do.
    _last, scanned, candidates = tier_recalc_candidates(
        after=0, size=1000, rules=tier_rules_list(), now=timezone.now()
    )
    assert (scanned, candidates) == (300, [])
    report = customer_tiers_recalculate()
    assert (report.upgrades, report.downgrades, report.downgrades_pending) == (0, 0, 0)
    # Indexes and constraints dropped for the load are all back; the run is recorded.
    assert _foreign_keys() == constraints
    meta = seed_meta()
    assert meta is not None
    assert (meta["customers"], meta["redemptions_asked"]) == (300, 6000)

    # A second run refuses to add to it.
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_scale", "--customers", "300", "--redemptions", "6000", "--no-progress")
