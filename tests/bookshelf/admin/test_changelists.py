"""Every admin list opens, and none of them queries once per row (list_select_related)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from benefits.services import benefit_put_under_review
from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.reach.services import push_create
from bookshelf.review.services import demand_signal_create
from bookshelf.shelf.services import eligibility_set
from customers.models import Tier
from customers.services import tier_override_create
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db

_n = iter(range(10_000))


def _add_rows(office: Office) -> None:
    """One more of everything each list shows, with its related rows."""
    i = next(_n)
    customer = make_customer(tier=Tier.GOLD, agent=office.agent)
    make_family(customer, make_customer(tier=Tier.ORDINARY, agent=office.agent))
    benefit = make_benefit(cells={Tier.GOLD: 5}, shareable=True, family_quota=1)
    paid = make_benefit(price=Decimal("50"), kind="paid")
    eligibility_set(benefit=benefit, min_age=18)
    redemption_create(customer=customer, benefit_code=benefit.code, recorded_by=office.superuser)
    purchase_create(
        customer=customer, benefit_code=paid.code, quantity=1, payment_reference=f"P-{i}"
    )
    push_create(
        customer=customer, benefit_code=benefit.code, channel="sms", pushed_by=office.superuser
    )
    demand_signal_create(text=f"Pet doctor {i}", customer=customer, benefit=benefit)
    tier_override_create(
        customer=customer,
        tier=Tier.PLATINUM,
        reason="Key account",
        expires_at=timezone.now() + timedelta(days=10),
        created_by=office.superuser,
    )
    benefit_put_under_review(benefit=benefit, reason="check", by=office.superuser)


def _changelists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in {"customers", "benefits", "bookshelf"}
    ]


def test_every_list_opens_and_costs_the_same_queries_for_more_rows(
    office: Office, client, django_capture_on_commit_callbacks
):
    client.force_login(office.superuser)

    def add_rows() -> None:
        # After-commit work (shelf cache invalidation, push delivery) runs as in production.
        with django_capture_on_commit_callbacks(execute=True):
            _add_rows(office)

    def counts() -> dict[str, int]:
        out = {}
        for url in _changelists():
            client.get(url)  # warm per-session caches
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, url
            out[url] = len(ctx)
        return out

    add_rows()
    before = counts()
    for _ in range(3):
        add_rows()
    after = counts()
    assert len(before) >= 17
    grew = {url: (before[url], after[url]) for url in before if after[url] != before[url]}
    assert grew == {}
