"""A supervisor cancels uses from the records (Redemptions) list: the action asks for the reason
on an intermediate page first, then cancels through the one service, which keeps who and why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import QuotaBalance, Redemption, RedemptionStatus
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bookshelf_redemption_changelist"


def _post(client: Any, pks: list[int], **extra: str) -> Any:
    return client.post(reverse(CHANGELIST), {"action": "cancel", "_selected_action": pks, **extra})


def test_the_action_asks_for_a_reason_before_cancelling(office: Office, gold_benefit):
    use = redemption_create(customer=office.mine, benefit_code=gold_benefit.code).redemption
    client = office.client_for(office.supervisor.user)
    page = _post(client, [use.pk], index="0")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="id_reason"' in body and "required" in body
    assert use.benefit_code in body and office.mine.customer_no in body
    assert f'name="_selected_action" value="{use.pk}"' in body
    assert office.mine.name not in body  # numbers only, no personal data
    assert Redemption.objects.get(pk=use.pk).status == RedemptionStatus.COMPLETED
    # Confirmed without a reason: asked again, nothing cancelled.
    again = _post(client, [use.pk], confirm="yes", reason="  ")
    assert again.status_code == 200
    assert any("Say why the uses are cancelled" in str(m) for m in get_messages(again.wsgi_request))
    assert Redemption.objects.get(pk=use.pk).status == RedemptionStatus.COMPLETED


def test_confirmed_with_a_reason_it_cancels_any_use_and_keeps_who_and_why(
    office: Office, gold_benefit
):
    old = redemption_create(
        customer=office.mine, benefit_code=gold_benefit.code, recorded_by=office.agent.user
    ).redemption
    Redemption.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    client = office.client_for(office.supervisor.user)
    response = _post(client, [old.pk], confirm="yes", reason="customer disputed the use")
    assert response.status_code == 302
    assert any("1 use cancelled" in str(m) for m in get_messages(response.wsgi_request))
    old.refresh_from_db()
    assert old.status == RedemptionStatus.CANCELLED
    assert (old.cancelled_by_id, old.cancel_reason) == (
        office.supervisor.user.pk,
        "customer disputed the use",
    )
    assert QuotaBalance.objects.get(holder=office.mine).used == 0
    detail = client.get(reverse("admin:bookshelf_redemption_change", args=[old.pk]))
    assert "customer disputed the use" in detail.content.decode()


def test_selecting_across_pages_is_carried_through_the_reason_page(office: Office, gold_benefit):
    uses = [
        redemption_create(customer=office.mine, benefit_code=gold_benefit.code).redemption
        for _ in range(2)
    ]
    client = office.client_for(office.supervisor.user)
    page = _post(client, [uses[0].pk], select_across="1", index="0")
    assert 'name="select_across" value="1"' in page.content.decode()
    assert page.context["total"] == 2
    _post(client, [uses[0].pk], select_across="1", confirm="yes", reason="test data")
    assert not Redemption.objects.filter(status=RedemptionStatus.COMPLETED).exists()
