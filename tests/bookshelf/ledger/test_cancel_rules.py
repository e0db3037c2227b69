"""Who may cancel a use, decided once in `redemption_cancel`: a supervisor any time; the agent
who recorded it within BOOKSHELF_SELF_CANCEL_MINUTES, with a reason; nobody else. The API
client and the system cancel as before. Every refusal leaves the use and its balance alone."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from bookshelf.ledger.selectors import redemptions_self_cancellable
from bookshelf.ledger.services import redemption_cancel, redemption_create
from bookshelf.models import Channel, QuotaBalance, Redemption, RedemptionStatus
from bookshelf.roles import AGENT, AGENT_SUPERVISOR, staff_groups_sync
from config.exceptions import DomainError
from customers.models import Tier
from tests.bookshelf.ledger.test_concurrency import THREADS, _race
from tests.factories import make_benefit, make_customer


def _staff(username: str, group: str) -> Any:
    staff_groups_sync()
    user = get_user_model().objects.create_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def agent(db: Any) -> Any:
    return _staff("ann", AGENT)


@pytest.fixture
def other_agent(db: Any) -> Any:
    return _staff("bob", AGENT)


@pytest.fixture
def supervisor(db: Any) -> Any:
    return _staff("sup", AGENT_SUPERVISOR)


@pytest.fixture
def recorded(agent: Any) -> Redemption:
    """A use the agent recorded at the desk just now (2 of 3 left)."""
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    return redemption_create(
        customer=customer, benefit_code=benefit.code, channel=Channel.AGENT, recorded_by=agent
    ).redemption


def _recorded_ago(redemption: Redemption, minutes: float) -> Redemption:
    """Move the use back in time (the partition key: an UPDATE moves the row if it must)."""
    at = timezone.now() - timedelta(minutes=minutes)
    Redemption.objects.filter(pk=redemption.pk).update(created_at=at)
    return Redemption.objects.get(pk=redemption.pk)


def _unchanged(redemption: Redemption) -> None:
    fresh = Redemption.objects.get(pk=redemption.pk)
    assert fresh.status == RedemptionStatus.COMPLETED
    assert fresh.cancelled_at is None and fresh.cancelled_by_id is None
    assert fresh.cancel_reason == ""
    assert QuotaBalance.objects.get(holder_id=redemption.holder_id).used == 1


def test_the_recorder_cancels_within_the_window_with_a_reason(recorded, agent):
    done = redemption_cancel(redemption=recorded, by=agent, reason="  wrong benefit clicked ")
    assert done.status == RedemptionStatus.CANCELLED
    assert done.cancelled_by_id == agent.pk
    assert done.cancel_reason == "wrong benefit clicked"
    assert QuotaBalance.objects.get(holder_id=recorded.holder_id).used == 0


def test_the_recorder_must_say_why(recorded, agent):
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=recorded, by=agent, reason="   ")
    assert caught.value.code == "cancel_reason_required"
    assert caught.value.status == 400 and caught.value.field == "reason"
    _unchanged(recorded)


def test_after_the_window_the_recorder_is_refused_and_nothing_changes(recorded, agent):
    late = _recorded_ago(recorded, 31)
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=late, by=agent, reason="wrong benefit")
    assert caught.value.code == "cancel_window_passed"
    assert caught.value.status == 403
    assert "30 minutes" in caught.value.message and "supervisor" in caught.value.message
    _unchanged(late)


def test_the_window_is_a_setting(recorded, agent, settings):
    settings.BOOKSHELF_SELF_CANCEL_MINUTES = 5
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=_recorded_ago(recorded, 6), by=agent, reason="x")
    assert caught.value.code == "cancel_window_passed"
    assert "5 minutes" in caught.value.message
    done = redemption_cancel(redemption=_recorded_ago(recorded, 4), by=agent, reason="x")
    assert done.status == RedemptionStatus.CANCELLED


def test_another_agent_may_not_cancel_it(recorded, other_agent):
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=recorded, by=other_agent, reason="not mine")
    assert caught.value.code == "cancel_not_allowed"
    assert caught.value.status == 403
    _unchanged(recorded)


def test_an_agent_may_not_cancel_a_use_the_app_recorded(agent):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    by_app = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=by_app, by=agent, reason="the customer asked")
    assert caught.value.code == "cancel_not_allowed"
    _unchanged(by_app)


def test_a_supervisor_cancels_any_use_any_time_and_is_recorded(recorded, supervisor):
    old = _recorded_ago(recorded, 60 * 24 * 3)
    done = redemption_cancel(redemption=old, by=supervisor, reason="duplicate entry")
    assert done.status == RedemptionStatus.CANCELLED
    assert (done.cancelled_by_id, done.cancel_reason) == (supervisor.pk, "duplicate entry")
    assert QuotaBalance.objects.get(holder_id=recorded.holder_id).used == 0


def test_a_supervisor_needs_no_reason(recorded, supervisor):
    # The API (a supervisor's session) sends none; it cancels as it always has.
    done = redemption_cancel(redemption=recorded, by=supervisor)
    assert done.status == RedemptionStatus.CANCELLED and done.cancel_reason == ""


class _ApiPrincipal:
    """What the API hands the service for its app client: a principal without a key."""

    pk = None
    is_authenticated = True


@pytest.mark.parametrize("by", [None, _ApiPrincipal()], ids=["system", "api-client"])
def test_the_system_and_the_api_client_cancel_as_before(recorded, by):
    late = _recorded_ago(recorded, 60 * 24)
    done = redemption_cancel(redemption=late, by=by)
    assert done.status == RedemptionStatus.CANCELLED
    assert done.cancelled_by_id is None and done.cancel_reason == ""


def test_a_reason_past_the_limit_is_refused(recorded, agent):
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=recorded, by=agent, reason="x" * 301)
    assert caught.value.code == "invalid" and caught.value.field == "reason"
    _unchanged(recorded)


def test_a_cancelled_use_is_not_cancelled_twice_by_its_recorder(recorded, agent):
    redemption_cancel(redemption=recorded, by=agent, reason="mis-click")
    with pytest.raises(DomainError) as caught:
        redemption_cancel(redemption=recorded, by=agent, reason="mis-click")
    assert caught.value.code == "already_cancelled"
    assert QuotaBalance.objects.get(holder_id=recorded.holder_id).used == 0


def test_the_uses_a_user_may_still_cancel(recorded, agent, other_agent, django_assert_num_queries):
    customer = recorded.holder
    benefit_code = recorded.benefit_code
    second = redemption_create(
        customer=customer, benefit_code=benefit_code, recorded_by=agent
    ).redemption
    _recorded_ago(second, 20)
    # Not the agent's to cancel: recorded by someone else, too old, or already cancelled.
    redemption_create(customer=customer, benefit_code=benefit_code, recorded_by=other_agent)
    with django_assert_num_queries(1):
        listed = redemptions_self_cancellable(customer=customer, user=agent)
    assert [u.redemption.pk for u in listed] == [recorded.pk, second.pk]
    assert listed[0].minutes_left == 30 and listed[1].minutes_left == 10
    assert listed[0].redemption.benefit.code == benefit_code  # no query per row
    _recorded_ago(second, 31)
    redemption_cancel(redemption=recorded, by=agent, reason="mis-click")
    assert redemptions_self_cancellable(customer=customer, user=agent) == []
    assert redemptions_self_cancellable(customer=customer, user=None) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_recorder_racing_themselves_gives_the_use_back_once():
    agent = _staff("racer", AGENT)
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    use = redemption_create(
        customer=customer, benefit_code=benefit.code, recorded_by=agent
    ).redemption
    redemption_create(customer=customer, benefit_code=benefit.code)

    def work() -> None:
        redemption_cancel(
            redemption=Redemption.objects.get(pk=use.pk),
            by=get_user_model().objects.get(pk=agent.pk),
            reason="double click",
        )

    outcomes = _race(work)
    assert outcomes == Counter({"ok": 1, "already_cancelled": THREADS - 1})
    assert QuotaBalance.objects.get().used == 1
    assert Redemption.objects.get(pk=use.pk).cancelled_by_id == agent.pk
