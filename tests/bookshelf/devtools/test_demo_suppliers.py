"""The demo's deliveries: every booked or issued benefit has a supplier, every issued one a
code pool, and the demo's requests stand at every stage of the lifecycle with the ledger
exact. (Seeded once for the module, like test_seed_demo.py, and rolled back at its end.)"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q

from benefits.models import Benefit, BenefitStatus, FulfilmentKind
from bookshelf.devtools.demo_catalog import BENEFITS
from bookshelf.devtools.demo_suppliers import SCENARIOS, demo_fulfilment_kind
from bookshelf.fulfilment.pools import code_open
from bookshelf.fulfilment.transitions import OPEN_STATES, allowed
from bookshelf.ledger.selectors import quota_audit
from bookshelf.models import (
    BenefitSupplier,
    CaseKind,
    CodePool,
    CodeState,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    OperationsCase,
    PoolCode,
    RedemptionStatus,
    Supplier,
    SupplierKey,
)
from customers.pii import decrypt_value

pytestmark = pytest.mark.django_db

S = FulfilmentState


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command(
                "seed_demo", customers=24, seed=3, no_progress=True, force=True, stdout=out
            )
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _spec(name: str) -> dict:
    return next(b for b in BENEFITS if b["name"] == name)


def test_the_kinds_follow_the_rule():
    kinds = {name: demo_fulfilment_kind(_spec(name)) for name in (
        "Online private-doctor consultation", "Family doctor phone line",
        "Psychological counselling hotline", "Overseas emergency assistance",
        "VIP hospital escort", "Expert outpatient booking help", "Standard health check-up",
        "Dental cleaning", "Roadside assistance", "Elderly home-care visit", "Wealth salon",
        "Coffee vouchers", "Gift redemption", "Supermarket gift card", "Concert tickets",
        "Blood glucose monitoring kit", "Mid-Autumn mooncake gift box",
    )}  # fmt: skip
    instant = {n for n, k in kinds.items() if k == FulfilmentKind.INSTANT}
    booked = {n for n, k in kinds.items() if k == FulfilmentKind.BOOKED}
    assert instant == {
        "Online private-doctor consultation",
        "Family doctor phone line",
        "Psychological counselling hotline",
        # The README's API example: a use of it is done at once, as the example says.
        "Overseas emergency assistance",
    }
    assert booked == {
        "VIP hospital escort",
        "Expert outpatient booking help",
        "Standard health check-up",
        "Dental cleaning",
        "Roadside assistance",
        "Elderly home-care visit",
        "Wealth salon",
    }
    all_kinds = {demo_fulfilment_kind(spec) for spec in BENEFITS}
    assert all_kinds == set(FulfilmentKind.values)


def test_the_catalog_carries_the_kinds_and_the_readme_example_stays_instant(seeded):
    stored = dict(Benefit.objects.values_list("name_en", "fulfilment_kind"))
    assert stored == {spec["name"]: demo_fulfilment_kind(spec) for spec in BENEFITS}
    assert Benefit.objects.get(code="TRV.04.001").fulfilment_kind == FulfilmentKind.INSTANT


def test_every_benefit_has_a_supplier_and_every_booked_or_issued_one_an_active_one(seeded):
    assert not Benefit.objects.filter(suppliers__isnull=True).exists()
    delivered = Benefit.objects.filter(
        status=BenefitStatus.ON_SHELF,
        fulfilment_kind__in=[FulfilmentKind.BOOKED, FulfilmentKind.ISSUED],
    )
    assert delivered.count() > 50
    active = Q(suppliers__active=True, suppliers__supplier__active=True)
    without = delivered.exclude(pk__in=delivered.filter(active).values("pk"))
    assert not without.exists(), list(without.values_list("code", flat=True))
    assert delivered.annotate(n=Count("suppliers")).filter(n=2).exists()


def test_service_levels_fit_the_kind(seeded):
    links = BenefitSupplier.objects.select_related("benefit")
    for link in links:
        if link.benefit.fulfilment_kind == FulfilmentKind.INSTANT:
            assert (link.confirm_hours, link.deliver_hours) == (None, None), link
        else:
            assert 2 <= link.confirm_hours <= 24, link
            assert 24 <= link.deliver_hours <= 14 * 24, link
    priorities = {
        (link.benefit_id, link.priority) for link in links if link.benefit.suppliers.count() > 1
    }
    assert {p for _b, p in priorities} == {1, 2}


def test_suppliers_are_named_in_both_languages_with_contact_and_one_secret_key(seeded):
    suppliers = list(Supplier.objects.all())
    assert len(suppliers) >= 12
    for supplier in suppliers:
        assert supplier.name_en and supplier.name_zh_hans, supplier.code
        assert supplier.name_en != supplier.name_zh_hans
        assert supplier.contact_name and supplier.contact_phone and supplier.contact_email
        assert supplier.service_hours and supplier.time_zone == "Asia/Shanghai"
    keys = SupplierKey.objects.values("supplier").annotate(n=Count("id"))
    assert sorted(k["n"] for k in keys) == [1] * len(suppliers)
    key = SupplierKey.objects.first()
    secret = decrypt_value(key.secret_encrypted)
    assert len(secret) >= 40 and secret not in key.secret_encrypted


def test_every_issued_benefit_has_a_pool_of_encrypted_codes_and_one_is_low(seeded):
    issued = Benefit.objects.filter(
        status=BenefitStatus.ON_SHELF, fulfilment_kind=FulfilmentKind.ISSUED
    )
    assert issued.count() >= 10
    pools = CodePool.objects.annotate(
        left=Count("codes", filter=Q(codes__state=CodeState.AVAILABLE))
    )
    by_benefit = {p.benefit_id: p for p in pools}
    for benefit in issued:
        pool = by_benefit[benefit.pk]
        assert pool.left > 0, benefit.code
        assert pool.supplier.benefits.filter(benefit=benefit, priority=1).exists()
    low = [p for p in pools if p.left < p.low_stock_threshold]
    assert len(low) == 1
    code = PoolCode.objects.filter(valid_until__isnull=False).first()
    assert code.valid_from < code.valid_until
    plain = code_open(code)
    assert plain and plain not in code.code_encrypted and code.code_hash != plain


def test_the_requests_stand_at_every_stage(seeded):
    states = set(Fulfilment.objects.values_list("state", flat=True))
    assert {S.REQUESTED, S.BOOKED, S.ISSUED} <= states
    assert {S.FULFILLED, S.NO_SHOW, S.REDEEMED, S.FAILED, S.CANCELLED} <= states
    assert Fulfilment.objects.count() == len(SCENARIOS)
    for booked in Fulfilment.objects.filter(state=S.BOOKED).prefetch_related("events"):
        assert booked.place and booked.appointment_at < booked.deliver_due_at
        assert booked.appointment_at > max(e.at for e in booked.events.all())
    # A rebooking is one more booked → booked event.
    assert FulfilmentEvent.objects.filter(from_state=S.BOOKED, to_state=S.BOOKED).exists()
    # Every event is a move the table allows, in time order.
    for fulfilment in Fulfilment.objects.prefetch_related("events"):
        events = list(fulfilment.events.all())
        assert events[0].from_state == "" and events[-1].to_state == fulfilment.state
        for event in events[1:]:
            assert allowed(fulfilment.kind, event.from_state, event.to_state), event
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert fulfilment.created_at == fulfilment.redemption.created_at == events[0].at


def test_holds_settlements_and_give_backs_match_the_states(seeded):
    for fulfilment in Fulfilment.objects.select_related("redemption"):
        status = fulfilment.redemption.status
        if fulfilment.state in OPEN_STATES:
            assert status == RedemptionStatus.HELD
        elif fulfilment.state in {S.FULFILLED, S.NO_SHOW, S.REDEEMED}:
            assert status == RedemptionStatus.COMPLETED
        else:
            assert status == RedemptionStatus.CANCELLED
    codes = dict(
        PoolCode.objects.filter(redemption_id_claimed__isnull=False).values_list(
            "redemption_id_claimed", "state"
        )
    )
    issued = Fulfilment.objects.filter(kind=FulfilmentKind.ISSUED)
    assert {f.state: codes[f.redemption_id] for f in issued} == {
        S.ISSUED: CodeState.CLAIMED,
        S.REDEEMED: CodeState.CLAIMED,
        S.CANCELLED: CodeState.VOID,
    }


def test_overdue_requests_have_their_case_once_and_a_failure_its_own(seeded):
    overdue = OperationsCase.objects.filter(kind=CaseKind.CONFIRM_OVERDUE)
    assert 2 <= overdue.count() <= 3
    for case in overdue.select_related("fulfilment"):
        assert case.fulfilment.state == S.REQUESTED
        assert case.fulfilment.confirm_due_at < case.opened_at
        assert case.supplier_id == case.fulfilment.supplier_id
    assert not OperationsCase.objects.filter(kind=CaseKind.DELIVER_OVERDUE).exists()
    assert OperationsCase.objects.filter(kind=CaseKind.FAILED, fulfilment__state=S.FAILED).exists()
    # The waiting ones within their deadline have none.
    waiting = Fulfilment.objects.filter(state=S.REQUESTED).exclude(cases__isnull=False)
    assert waiting.exists()


def test_the_ledger_audit_is_clean_after_seeding(seeded):
    audit = quota_audit()
    assert audit.exact, audit.problems
    assert audit.redemptions > 100


def test_the_requests_are_the_named_customers(seeded):
    holders = set(Fulfilment.objects.values_list("holder__customer_no", flat=True))
    assert "C100000002" in holders
    assert holders <= {f"C1000000{n:02d}" for n in range(12)}
    assert re.search(r"suppliers: 15\n", seeded) and re.search(r"overdue_cases: [23]\n", seeded)
