"""Rebooking and the cutoff (bookshelf.fulfilment.rebooking, .cutoff): a booked request moves
booked → booked for staff within the rules; past BOOKSHELF_REBOOK_CUTOFF_HOURS before its
appointment neither a rebooking nor a cancel (use_cancel, for staff and the app's client)
goes through, except for a supervisor; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import (
    Actor,
    Change,
    fulfilment_rebook,
    fulfilment_transition,
    use_cancel,
    use_request,
)
from bookshelf.models import (
    ActorKind,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    QuotaBalance,
    RedemptionStatus,
)
from bookshelf.roles import AGENT, AGENT_SUPERVISOR, PRODUCT_STAFF, staff_groups_sync
from config.exceptions import DomainError
from customers.models import Tier
from tests.bookshelf.admin.conftest import staff_user
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _groups(db: Any) -> None:
    staff_groups_sync()


@pytest.fixture
def escort() -> Any:
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[benefit], confirm_hours=4, deliver_hours=72)
    return benefit, supplier


def _booked(escort: Any, *, hours_ahead: float = 24) -> Fulfilment:
    benefit, supplier = escort
    customer = make_customer(tier=Tier.GOLD)
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(appointment_at=timezone.now() + timedelta(hours=hours_ahead), place="Ward 3"),
    )
    return Fulfilment.objects.get(pk=fulfilment.pk)


def _refused(code: str, work: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        work()
    assert caught.value.code == code, caught.value.message
    return caught.value


def _unchanged(fulfilment: Fulfilment) -> None:
    now = Fulfilment.objects.get(pk=fulfilment.pk)
    assert (now.state, now.appointment_at, now.place) == (
        fulfilment.state,
        fulfilment.appointment_at,
        fulfilment.place,
    )


def test_an_agent_rebooks_a_booked_request_as_booked_to_booked(escort):
    fulfilment = _booked(escort)
    agent = staff_user("ann", AGENT)
    new_time = timezone.now() + timedelta(hours=30)
    result = fulfilment_rebook(
        fulfilment_id=fulfilment.pk, appointment_at=new_time, place="Clinic 2", by=agent
    )
    moved = Fulfilment.objects.get(pk=fulfilment.pk)
    assert (moved.state, moved.appointment_at, moved.place) == ("booked", new_time, "Clinic 2")
    event = result.event
    assert (event.from_state, event.to_state, event.actor_kind) == ("booked", "booked", "staff")
    assert (event.actor_user, event.appointment_at) == (agent, new_time)
    # An empty place keeps the current one.
    fulfilment_rebook(
        fulfilment_id=fulfilment.pk, appointment_at=new_time + timedelta(hours=1), by=agent
    )
    assert Fulfilment.objects.get(pk=fulfilment.pk).place == "Clinic 2"


def test_past_the_cutoff_an_agent_neither_rebooks_nor_cancels_but_a_supervisor_does(escort):
    fulfilment = _booked(escort, hours_ahead=1.5)  # within the default 2 hours
    agent = staff_user("ann", AGENT)
    later = timezone.now() + timedelta(hours=30)
    error = _refused(
        "change_cutoff_passed",
        lambda: fulfilment_rebook(
            fulfilment_id=fulfilment.pk, appointment_at=later, place="x", by=agent
        ),
    )
    assert error.status == 409 and error.extra == {"state": "booked"}
    _refused(
        "change_cutoff_passed",
        lambda: use_cancel(redemption=fulfilment.redemption, by=agent, reason="changed plans"),
    )
    # The app's API cancel goes through use_cancel: the same rule.
    _refused("change_cutoff_passed", lambda: use_cancel(redemption=fulfilment.redemption))
    _unchanged(fulfilment)
    balance = QuotaBalance.objects.get(holder=fulfilment.holder)
    assert (balance.used, balance.held) == (1, 1)
    supervisor = staff_user("sup", AGENT_SUPERVISOR)
    use_cancel(redemption=fulfilment.redemption, by=supervisor, reason="supplier never came")
    balance.refresh_from_db()
    assert (balance.used, balance.held) == (0, 0)


def test_before_the_cutoff_the_app_and_the_agent_cancel(escort, settings):
    settings.BOOKSHELF_REBOOK_CUTOFF_HOURS = 5
    soon = _booked(escort, hours_ahead=4)
    _refused("change_cutoff_passed", lambda: use_cancel(redemption=soon.redemption))
    settings.BOOKSHELF_REBOOK_CUTOFF_HOURS = 2
    use_cancel(redemption=soon.redemption)  # 4 hours ahead: the app may
    assert Fulfilment.objects.get(pk=soon.pk).state == FulfilmentState.CANCELLED
    other = _booked(escort)
    use_cancel(redemption=other.redemption, by=staff_user("ann", AGENT), reason="not needed")
    assert Fulfilment.objects.get(pk=other.pk).state == FulfilmentState.CANCELLED


def test_a_new_time_must_be_far_enough_ahead_and_within_the_service_level(escort):
    fulfilment = _booked(escort)
    agent = staff_user("ann", AGENT)
    now = timezone.now()
    for when, code in (
        (now - timedelta(hours=1), "appointment_too_soon"),
        (now + timedelta(hours=1), "appointment_too_soon"),  # inside the cutoff
        (now + timedelta(hours=80), "appointment_outside_service_level"),  # 72 h to deliver
    ):
        _refused(
            code,
            lambda when=when: fulfilment_rebook(
                fulfilment_id=fulfilment.pk, appointment_at=when, place="x", by=agent
            ),
        )
    _refused(
        "invalid",
        lambda: fulfilment_rebook(
            fulfilment_id=fulfilment.pk,
            appointment_at=(now + timedelta(hours=30)).replace(tzinfo=None),
            by=agent,
        ),
    )
    _unchanged(fulfilment)
    assert FulfilmentEvent.objects.filter(fulfilment=fulfilment).count() == 2


def test_only_a_booked_request_is_rebooked(escort):
    benefit, supplier = escort
    agent = staff_user("ann", AGENT)
    when = timezone.now() + timedelta(hours=30)
    requested = use_request(
        customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code
    ).fulfilment
    _refused(
        "not_booked",
        lambda: fulfilment_rebook(fulfilment_id=requested.pk, appointment_at=when, by=agent),
    )
    settled = _booked(escort)
    fulfilment_transition(
        fulfilment_id=settled.pk,
        target=FulfilmentState.FULFILLED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
    )
    error = _refused(
        "illegal_transition",
        lambda: fulfilment_rebook(fulfilment_id=settled.pk, appointment_at=when, by=agent),
    )
    assert error.extra == {"state": "fulfilled"}
    assert settled.redemption.__class__.objects.get(pk=settled.redemption_id).status == (
        RedemptionStatus.COMPLETED
    )
    _refused(
        "fulfilment_not_found",
        lambda: fulfilment_rebook(fulfilment_id=10**9, appointment_at=when, by=agent),
    )


def test_staff_who_neither_record_nor_cancel_uses_change_nothing(escort):
    fulfilment = _booked(escort)
    product = staff_user("pat", PRODUCT_STAFF)
    when = timezone.now() + timedelta(hours=30)
    _refused(
        "change_not_allowed",
        lambda: fulfilment_rebook(fulfilment_id=fulfilment.pk, appointment_at=when, by=product),
    )
    _refused(
        "change_not_allowed",
        lambda: use_cancel(redemption=fulfilment.redemption, by=product, reason="x"),
    )
    _unchanged(fulfilment)
