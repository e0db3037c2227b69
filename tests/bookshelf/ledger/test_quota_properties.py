"""Property tests of the quota arithmetic (Hypothesis): for any sequence of redemptions,
cancellations, purchases and period roll-overs, what is left equals what was granted minus
what was used, never goes below zero, and the family never takes more than its allowance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import purchase_create, redemption_cancel, redemption_create
from bookshelf.models import Purchase, QuotaBalance, Redemption, RedemptionStatus, Source
from bookshelf.shelf import cache as shelf_cache
from bookshelf.shelf.selectors import period_bounds
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import ensure_reference_data, make_benefit, make_customer, make_family

QUOTA = 3
FAMILY = 2

operation = st.one_of(
    st.just(("own",)),
    st.just(("family",)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("buy"), st.integers(min_value=1, max_value=2)),
    st.just(("next_month",)),
)


class QuotaArithmetic(TestCase):
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(operation, min_size=1, max_size=25))
    def test_remaining_is_granted_minus_used_and_never_negative(self, ops):
        # Each example rolls back its rows, so no commit ever bumps the shelf cache's version:
        # start every example with an empty cache.
        cache.clear()
        shelf_cache.forget()
        ensure_reference_data()
        holder = make_customer(tier=Tier.DIAMOND)
        child = make_customer(tier=Tier.PROSPECT, age=9)
        make_family(holder, child, "child")
        benefit = make_benefit(
            cells={Tier.DIAMOND: QUOTA},
            period="calendar_month",
            shareable=True,
            family_quota=FAMILY,
            price=Decimal("20.00"),
        )
        today = date(2026, 1, 10)
        payments = 0
        for op in ops:
            kind = op[0]
            try:
                if kind == "own":
                    redemption_create(customer=holder, benefit_code=benefit.code, today=today)
                elif kind == "family":
                    redemption_create(
                        customer=holder,
                        benefit_code=benefit.code,
                        beneficiary_no=child.customer_no,
                        today=today,
                    )
                elif kind == "cancel":
                    done = list(
                        Redemption.objects.filter(status=RedemptionStatus.COMPLETED).order_by("pk")
                    )
                    if done:
                        redemption_cancel(redemption=done[op[1] % len(done)])
                elif kind == "buy":
                    payments += 1
                    purchase_create(
                        customer=holder,
                        benefit_code=benefit.code,
                        quantity=op[1],
                        payment_reference=f"P{payments}",
                        today=today,
                    )
                else:
                    month = today.month % 12 + 1
                    today = date(today.year + (today.month == 12), month, 10)
            except DomainError as exc:
                # Only the shelf saying "no uses left" is an acceptable refusal here.
                assert exc.code in {"quota_exhausted", "family_allowance_exhausted"}, exc.code
            self._check(holder, benefit, today)

    def _check(self, holder, benefit, today):
        for balance in QuotaBalance.objects.filter(holder=holder, benefit=benefit):
            uses = Redemption.objects.filter(
                holder=holder,
                benefit=benefit,
                period_start=balance.period_start,
                status=RedemptionStatus.COMPLETED,
                source__in=[Source.TIER, Source.FAMILY],
            )
            assert balance.used == uses.count()
            assert balance.family_used == uses.filter(source=Source.FAMILY).count()
            assert 0 <= balance.family_used <= FAMILY
            assert 0 <= balance.used <= QUOTA
        for purchase in Purchase.objects.filter(customer=holder):
            used = Redemption.objects.filter(
                purchase=purchase, status=RedemptionStatus.COMPLETED
            ).count()
            assert purchase.uses_used == used
            assert 0 <= purchase.remaining == purchase.uses_granted - used
        shelf = bookshelf_for_customer(customer=holder, today=today)
        start, _end = period_bounds("calendar_month", today)
        tier_entry = next(e for e in shelf.entries if e.source == Source.TIER)
        in_period = Redemption.objects.filter(
            holder=holder,
            benefit=benefit,
            period_start=start,
            status=RedemptionStatus.COMPLETED,
            source__in=[Source.TIER, Source.FAMILY],
        ).count()
        assert tier_entry.used == in_period
        assert tier_entry.remaining == QUOTA - in_period >= 0
        for entry in shelf.entries:
            if entry.source == Source.PURCHASE:
                assert entry.remaining is not None and entry.remaining > 0
