"""The desk's "Undo a recent use" card (`DeskCancelMixin`, `recent_uses_context`,
_recent_uses.html), on the real desk, through Django's test client: the agent who recorded a use
cancels it within the window with a reason, once; everything else is refused by the cancel
service and nothing changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import Channel, QuotaBalance, Redemption, RedemptionStatus
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_customer, make_family

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _record(office: Office, benefit: Any, user: Any = None) -> Redemption:
    return redemption_create(
        customer=office.mine,
        benefit_code=benefit.code,
        channel=Channel.AGENT,
        recorded_by=user if user is not None else office.agent.user,
    ).redemption


def _cancel_url(customer: Any, redemption: Redemption) -> str:
    return reverse("admin:customers_customer_cancel_use", args=[customer.pk, redemption.pk])


def _desk(client: Any, customer: Any) -> Any:
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    return response


def _used(redemption: Redemption) -> int:
    return QuotaBalance.objects.get(holder_id=redemption.holder_id).used


def test_the_card_lists_the_agent_s_own_recent_uses_with_minutes_left(office, gold_benefit):
    mine = _record(office, gold_benefit)
    client = office.client_for(office.agent.user)
    response = _desk(client, office.mine)
    assert [u.redemption.pk for u in response.context["recent_uses"]] == [mine.pk]
    body = response.content.decode()
    assert 'id="recent-uses-cancel"' in body
    assert _cancel_url(office.mine, mine) in body
    assert "Cancel (30 min left)" in body
    assert 'name="reason" required' in body
    assert "Older uses" not in body  # the records link is for supervisors


def test_no_card_without_a_use_to_undo(office, gold_benefit):
    _record(office, gold_benefit, user=office.supervisor.user)  # not the agent's
    body = _desk(office.client_for(office.agent.user), office.mine).content.decode()
    assert 'id="recent-uses-cancel"' not in body


def test_the_agent_cancels_with_a_reason_and_the_use_is_given_back(office, gold_benefit):
    use = _record(office, gold_benefit)
    client = office.client_for(office.agent.user)
    token = _desk(client, office.mine).context["recent_uses_token"]
    response = client.post(
        _cancel_url(office.mine, use), {"token": token, "reason": "clicked the wrong row"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{office.mine.pk}/change/")  # the outcome is on top
    assert any("Cancelled the use of Green channel" in m for m in _messages(response))
    use.refresh_from_db()
    assert use.status == RedemptionStatus.CANCELLED
    assert (use.cancelled_by_id, use.cancel_reason) == (
        office.agent.user.pk,
        "clicked the wrong row",
    )
    assert _used(use) == 0
    # The same form sent again (a double click) does nothing more.
    again = client.post(_cancel_url(office.mine, use), {"token": token, "reason": "again"})
    assert any("already sent" in m for m in _messages(again))
    assert 'id="recent-uses-cancel"' not in _desk(client, office.mine).content.decode()


def test_without_a_reason_nothing_changes_and_the_form_can_be_sent_again(office, gold_benefit):
    use = _record(office, gold_benefit)
    client = office.client_for(office.agent.user)
    token = _desk(client, office.mine).context["recent_uses_token"]
    response = client.post(_cancel_url(office.mine, use), {"token": token, "reason": "  "})
    assert any("Say why the use is cancelled" in m for m in _messages(response))
    use.refresh_from_db()
    assert use.status == RedemptionStatus.COMPLETED and _used(use) == 1
    # The refused cancel gave its token back with everything else.
    client.post(_cancel_url(office.mine, use), {"token": token, "reason": "mis-click"})
    use.refresh_from_db()
    assert use.status == RedemptionStatus.CANCELLED


def test_after_the_window_the_agent_is_told_to_ask_a_supervisor(office, gold_benefit):
    use = _record(office, gold_benefit)
    Redemption.objects.filter(pk=use.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    client = office.client_for(office.agent.user)
    assert _desk(client, office.mine).context["recent_uses"] == []
    response = client.post(
        _cancel_url(office.mine, use), {"token": "t-late", "reason": "mis-click"}
    )
    assert any("only a supervisor can cancel it now" in m for m in _messages(response))
    use.refresh_from_db()
    assert use.status == RedemptionStatus.COMPLETED and _used(use) == 1


def test_another_s_use_is_refused(office, gold_benefit):
    by_app = redemption_create(customer=office.mine, benefit_code=gold_benefit.code).redemption
    client = office.client_for(office.agent.user)
    response = client.post(_cancel_url(office.mine, by_app), {"token": "t-app", "reason": "x"})
    assert any("Only a supervisor" in m for m in _messages(response))
    assert Redemption.objects.get(pk=by_app.pk).status == RedemptionStatus.COMPLETED


def test_a_use_of_another_customer_is_not_found_under_this_one(office, gold_benefit):
    other = make_customer(tier=Tier.GOLD, agent=office.agent)
    use = redemption_create(
        customer=other, benefit_code=gold_benefit.code, recorded_by=office.agent.user
    ).redemption
    client = office.client_for(office.agent.user)
    response = client.post(_cancel_url(office.mine, use), {"token": "t-other", "reason": "x"})
    assert any("has no redemption" in m for m in _messages(response))
    assert Redemption.objects.get(pk=use.pk).status == RedemptionStatus.COMPLETED


def test_a_family_member_s_use_shows_who_used_it(office):
    from tests.factories import make_benefit

    spouse = make_customer(tier=Tier.ORDINARY, agent=office.agent)
    make_family(office.mine, spouse)
    shared = make_benefit(cells={Tier.GOLD: 3}, shareable=True, family_quota=2, name="Shared")
    redemption_create(
        customer=office.mine,
        benefit_code=shared.code,
        beneficiary_no=spouse.customer_no,
        recorded_by=office.agent.user,
    )
    body = _desk(office.client_for(office.agent.user), office.mine).content.decode()
    assert f"used by {spouse.customer_no}" in body


def test_a_customer_outside_the_agent_s_scope_is_a_404(office, gold_benefit):
    use = redemption_create(
        customer=office.theirs, benefit_code=gold_benefit.code, recorded_by=office.agent.user
    ).redemption
    client = office.client_for(office.agent.user)
    response = client.post(_cancel_url(office.theirs, use), {"token": "t-out", "reason": "x"})
    assert response.status_code == 404
    assert Redemption.objects.get(pk=use.pk).status == RedemptionStatus.COMPLETED


def test_staff_who_neither_record_nor_cancel_uses_are_refused(office, gold_benefit):
    use = _record(office, gold_benefit)
    client = office.client_for(office.product)  # sees every customer, records nothing
    assert "recent-uses-cancel" not in _desk(client, office.mine).content.decode()
    response = client.post(_cancel_url(office.mine, use), {"token": "t-prod", "reason": "x"})
    assert response.status_code == 403
    assert Redemption.objects.get(pk=use.pk).status == RedemptionStatus.COMPLETED


def test_a_get_only_goes_back_to_the_desk(office, gold_benefit):
    use = _record(office, gold_benefit)
    response = office.client_for(office.agent.user).get(_cancel_url(office.mine, use))
    assert response.status_code == 302
    assert Redemption.objects.get(pk=use.pk).status == RedemptionStatus.COMPLETED


def test_a_supervisor_s_card_links_to_the_records_for_older_uses(office, gold_benefit):
    _record(office, gold_benefit, user=office.supervisor.user)
    body = _desk(office.client_for(office.supervisor.user), office.mine).content.decode()
    assert "Older uses: cancel them in the use records" in body
    assert f"/admin/bookshelf/redemption/?q={office.mine.customer_no}" in body


def test_the_card_adds_one_query_to_the_desk(office, gold_benefit, django_assert_num_queries):
    from django.test import RequestFactory

    from bookshelf.admin.desk_cancel import recent_uses_context

    _record(office, gold_benefit)
    request = RequestFactory().get("/")
    request.user = office.agent.user
    request.user.has_perm("bookshelf.add_redemption")  # permissions cached, as on a page
    with django_assert_num_queries(1):
        context = recent_uses_context(request, office.mine)
        assert [u.redemption.benefit.code for u in context["recent_uses"]] == [gold_benefit.code]
