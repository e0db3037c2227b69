"""The benefit centre is rendered with orjson, most of it from JSON kept per process: the
own-tier entries the customer has not touched (no balance row, nothing held) are rendered
once per plan (tier, day, eligibility), category, language and period and reused for every
customer. What it answers must be what rendering every entry afresh answers, in both
languages, whatever is touched, held or budgeted."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from django.utils import timezone, translation

from bookshelf.api import benefit_centre
from bookshelf.api.benefit_centre import benefit_centre_payload, bookshelf_payload
from bookshelf.api.renderers import FastJSONRenderer
from bookshelf.fulfilment.selectors import held_requests_from_rows
from bookshelf.ledger.selectors import bookshelf_from_rows
from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.models import Budget, BudgetPeriod
from config.db_batch import Key, fetch_batch
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def _both_ways(customer) -> tuple[dict, dict, int]:
    """The centre rendered lean from what the process keeps (as the API does) and with every
    entry made and rendered afresh (nothing kept), and how many entries the lean one left
    untouched."""
    today = timezone.localdate()
    rows = fetch_batch(benefit_centre._centre_reads(Key.of(customer.pk), today))
    *centre, requests, used_up = rows
    answers = []
    untouched = 0
    for lean in (True, False):
        shelf = bookshelf_from_rows(customer, centre, today=today, lean=lean)
        if lean:
            assert shelf.lean is not None
            untouched = len(shelf.lean.plan.views) - len(shelf.lean.touched)
        payload = bookshelf_payload(
            shelf, requests=held_requests_from_rows(requests), used_up=used_up, kept=lean
        )
        answers.append(orjson.loads(FastJSONRenderer().render(payload)))
    return answers[0], answers[1], untouched


def _household():
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    make_family(customer, make_customer(tier=Tier.DIAMOND))
    benefits = [
        make_benefit(cells={Tier.GOLD: 2, Tier.DIAMOND: 3}, shareable=True, family_quota=1)
        for _ in range(4)
    ]
    priced = make_benefit(cells={}, price=Decimal("99.50"))
    redemption_create(customer=customer, benefit_code=benefits[0].code)
    purchase_create(customer=customer, benefit_code=priced.code, quantity=1, payment_reference="P1")
    return customer, benefits


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_lean_centre_answers_what_the_full_one_does(language):
    customer, benefits = _household()
    # A budget used up and marking: its benefit is untouched, yet must say so.
    budget = Budget.objects.create(benefit=benefits[1], cap_uses=1, when_exhausted="mark")
    today = timezone.localdate()
    BudgetPeriod.objects.create(
        budget=budget, start=today.replace(day=1), end=today, cap_uses=1, used_uses=1
    )
    # And one that hides its benefit.
    hidden = Budget.objects.create(benefit=benefits[2], cap_uses=1, when_exhausted="hide")
    BudgetPeriod.objects.create(
        budget=hidden, start=today.replace(day=1), end=today, cap_uses=1, used_uses=1
    )
    with translation.override(language):
        # Twice: the second answer is made from the JSON the first one kept.
        for _ in range(2):
            lean, full, untouched = _both_ways(customer)
            assert lean == full
    assert untouched >= 2  # the test would prove nothing if no entry took the lean way
    names = [b["name"] for c in lean["categories"] for b in c["benefits"]]
    assert names and all(names)
    marked = [b for c in lean["categories"] for b in c["benefits"] if b["budget_exhausted"]]
    assert {b["code"] for b in marked} == {benefits[1].code}  # own and family entries
    assert benefits[2].code not in {b["code"] for c in lean["categories"] for b in c["benefits"]}


def test_an_entry_kept_for_one_customer_carries_the_next_ones_number():
    first, benefits = _household()
    other = make_customer(tier=Tier.GOLD)
    _both_ways(first)  # renders, and keeps, the untouched entries with a stand-in holder
    lean_other, full_other, _n = _both_ways(other)
    assert lean_other == full_other
    holders = {b["holder"] for c in lean_other["categories"] for b in c["benefits"]}
    assert holders == {other.customer_no}
    used = {b["code"]: b["used"] for c in lean_other["categories"] for b in c["benefits"]}
    assert used[benefits[0].code] == 0  # the first customer's use is theirs alone
    # A third who used it once, as the first did: the first's kept entry, the third's number.
    third = make_customer(tier=Tier.GOLD)
    redemption_create(customer=third, benefit_code=benefits[0].code)
    lean_third, full_third, _n = _both_ways(third)
    assert lean_third == full_third
    (entry,) = [
        b for c in lean_third["categories"] for b in c["benefits"] if b["code"] == benefits[0].code
    ]
    assert (entry["holder"], entry["used"], entry["remaining"]) == (third.customer_no, 1, 1)


def test_the_api_renders_the_payload_it_makes():
    customer, _benefits = _household()
    body = FastJSONRenderer().render(benefit_centre_payload(customer))
    assert orjson.loads(body)["customer"]["customer_no"] == customer.customer_no
