"""The admin's forms and actions write through the services, with the services' rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from benefits.models import Benefit, Category
from bookshelf.ledger.services import redemption_create
from bookshelf.models import DemandSignal, DemandSource, QuotaBalance, RedemptionStatus
from customers.models import Customer, FamilyLink, Tier, TierChange
from tests.bookshelf.admin.conftest import Office
from tests.factories import category, make_customer, valid_id_number

pytestmark = pytest.mark.django_db


def test_adding_a_customer_and_a_policy_sets_the_tier_by_the_rules(office: Office):
    client = office.client_for(office.superuser)
    birth = date(1980, 5, 1)
    response = client.post(
        reverse("admin:customers_customer_add"),
        {
            "customer_no": "C-NEW-1",
            "name": "周新",
            "gender": "F",
            "birth_date": "1980-05-01",
            "city": "Wuhan",
            "phone": "13912345678",
            "id_number": valid_id_number(birth, 7),
            "agent": office.agent.pk,
            "tags": ["senior"],
            **_empty_inlines(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(customer_no="C-NEW-1")
    assert (customer.tier, customer.tier_reason, customer.tags) == (
        Tier.PROSPECT,
        "no in-force policy",
        ["senior"],
    )
    response = client.post(
        reverse("admin:customers_policy_add"),
        {
            "policy_no": "P-NEW-1",
            "customer": customer.pk,
            "product_line": "long_term_life",
            "annual_premium": "25000",
            "status": "in_force",
            "start_date": "2026-01-01",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.tier == Tier.GOLD
    assert TierChange.objects.filter(customer=customer, to_tier=Tier.GOLD).exists()


def _empty_inlines() -> dict[str, str]:
    data = {}
    for prefix in ("policies", "family_links"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def test_family_links_are_made_and_removed_in_both_directions(office: Office):
    client = office.client_for(office.superuser)
    spouse = make_customer(tier=Tier.ORDINARY)
    client.post(
        reverse("admin:customers_familylink_add"),
        {"customer": office.mine.pk, "relative": spouse.pk, "relation": "spouse"},
    )
    assert FamilyLink.objects.count() == 2
    link = FamilyLink.objects.get(customer=office.mine)
    client.post(reverse("admin:customers_familylink_delete", args=[link.pk]), {"post": "yes"})
    assert FamilyLink.objects.count() == 0


def test_a_tier_override_from_the_admin_applies_at_once(office: Office):
    client = office.client_for(office.superuser)
    expires = timezone.localtime() + timedelta(days=30)
    response = client.post(
        reverse("admin:customers_tieroverride_add"),
        {
            "customer": office.outside.pk,
            "tier": Tier.DIAMOND,
            "reason": "Board decision",
            "expires_at_0": expires.date().isoformat(),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    office.outside.refresh_from_db()
    assert office.outside.tier == Tier.DIAMOND
    assert office.outside.tier_overrides.get().created_by == office.superuser


def test_a_benefit_added_in_the_admin_gets_the_next_code_of_its_category(office: Office):
    client = office.client_for(office.product)
    sub = category("HLT", "03")
    response = client.post(
        reverse("admin:benefits_benefit_add"),
        {
            "category": sub.pk,
            "name_en": "Sleep coaching",
            "name_zh_hans": "睡眠指导",
            "unit_en": "session",
            "unit_zh_hans": "次",
            "kind": "included",
            "uses_per_purchase": 1,
            "purchase_valid_days": 365,
            "shelf_cells-TOTAL_FORMS": "1",
            "shelf_cells-INITIAL_FORMS": "0",
            "shelf_cells-0-tier": Tier.GOLD,
            "shelf_cells-0-period": "calendar_year",
            "shelf_cells-0-quota": "4",
            "shelf_cells-0-family_quota": "0",
            "eligibility-TOTAL_FORMS": "0",
            "eligibility-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    benefit = Benefit.objects.get(name="Sleep coaching")
    assert benefit.code == "HLT.03.001" and benefit.status == "draft"
    assert benefit.shelf_cells.get().quota == 4
    assert Category.objects.get(pk=sub.pk).last_benefit_seq == 1


def test_an_agent_records_a_customer_request(office: Office):
    client = office.client_for(office.agent.user)
    response = client.post(
        reverse("admin:bookshelf_demandsignal_add"),
        {"text": "Pet doctor by video", "customer": office.mine.pk, "source": "agent"},
    )
    assert response.status_code == 302
    signal = DemandSignal.objects.get()
    assert (signal.source, signal.tier_snapshot) == (DemandSource.AGENT, Tier.GOLD)


def test_a_supervisor_cancels_a_use_and_gives_it_back(office: Office, gold_benefit):
    result = redemption_create(customer=office.mine, benefit_code=gold_benefit.code)
    client = office.client_for(office.supervisor.user)
    response = client.post(
        reverse("admin:bookshelf_redemption_changelist"),
        {
            "action": "cancel",
            "_selected_action": [result.redemption.pk],
            "confirm": "yes",
            "reason": "recorded in error",
        },
    )
    assert response.status_code == 302
    result.redemption.refresh_from_db()
    assert result.redemption.status == RedemptionStatus.CANCELLED
    assert QuotaBalance.objects.get(holder=office.mine).used == 0
    again = client.post(
        reverse("admin:bookshelf_redemption_changelist"),
        {
            "action": "cancel",
            "_selected_action": [result.redemption.pk],
            "confirm": "yes",
            "reason": "recorded in error",
        },
    )
    messages = [str(m) for m in get_messages(again.wsgi_request)]
    assert any("already cancelled" in m for m in messages)
    # Agents may not cancel.
    agent = office.client_for(office.agent.user)
    page = agent.get(reverse("admin:bookshelf_redemption_changelist"))
    assert page.context["action_form"] is None
