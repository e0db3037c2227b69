"""seed_demo into an empty database: reproducible for a seed, and refuses a too-small demo.
(Kept apart from test_seed_demo.py, whose module-wide seeded shelf these must not see.)"""

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from benefits.models import Benefit
from bookshelf.devtools.demo import DemoBuilder
from bookshelf.models import CodePool, Fulfilment, FulfilmentEvent, OperationsCase, Redemption
from customers.models import Customer, FamilyLink

pytestmark = pytest.mark.django_db


def _seed(**kwargs):
    out = StringIO()
    call_command(
        "seed_demo", **{"seed": 3, "no_progress": True, "force": True, **kwargs}, stdout=out
    )
    return out.getvalue()


def test_too_few_customers_is_refused():
    with pytest.raises(CommandError):
        _seed(customers=5)
    assert not Customer.objects.exists()


def _digest() -> str:
    rows = [
        *Customer.objects.order_by("customer_no").values_list(
            "customer_no", "name", "tier", "birth_date", "phone", "id_number", "agent__agent_no"
        ),
        *FamilyLink.objects.order_by("customer__customer_no", "relative__customer_no").values_list(
            "customer__customer_no", "relative__customer_no", "relation"
        ),
        *Redemption.objects.order_by("created_at", "benefit_code", "holder__customer_no")
        .values_list("holder__customer_no", "benefit_code", "source", "created_at")
        .iterator(),
        *Benefit.objects.order_by("code").values_list("code", "name", "status", "fulfilment_kind"),
        *Fulfilment.objects.order_by("redemption_created_at", "benefit__code").values_list(
            "holder__customer_no", "benefit__code", "supplier__code", "state", "appointment_at"
        ),
        *FulfilmentEvent.objects.order_by(
            "fulfilment__redemption_created_at", "at", "id"
        ).values_list("fulfilment__benefit__code", "from_state", "to_state", "at"),
        *OperationsCase.objects.order_by("fulfilment__redemption_created_at", "kind").values_list(
            "fulfilment__benefit__code", "kind", "due_at", "opened_at"
        ),
        *CodePool.objects.annotate(n=Count("codes"))
        .order_by("benefit__code")
        .values_list("benefit__code", "supplier__code", "n"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


class _Rollback(Exception):
    pass


def _build_and_digest(seed: int, customers: int = 24) -> str:
    """Run the builder into an empty shelf, take its digest, roll everything back."""
    digest = ""
    try:
        with transaction.atomic():
            DemoBuilder(customers=customers, seed=seed, today=date(2025, 6, 15)).run()
            digest = _digest()
            raise _Rollback
    except _Rollback:
        pass
    assert not Customer.objects.exists() and not Benefit.objects.exists()
    return digest


def test_the_same_seed_gives_the_same_demo():
    first = _build_and_digest(seed=3)
    again = _build_and_digest(seed=3)
    other = _build_and_digest(seed=4)
    assert first == again
    assert other != first
