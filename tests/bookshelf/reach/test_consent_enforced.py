"""PIPL: nothing is pushed to a customer without their valid consent for the channel, when
the push is made and again when it is sent; the jobs that make suggestions to push skip
customers who consent to no push channel, and count them; the recommendations say whether
their "push" action is open, and why not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookshelf.models import AgentSuggestion, OutboxMessage, OutboxStatus, Push, SuggestionStatus
from bookshelf.reach.selectors import recommendations_for_customer
from bookshelf.reach.services import (
    customer_event_record,
    outbox_message_retry,
    outbox_requeue_pending,
    push_create,
    push_deliver,
    quota_expiring_sweep,
    suggestion_accept,
)
from config.exceptions import DomainError
from customers.models import ConsentPurpose, Tier
from customers.selectors import consent_valid
from customers.services import consent_withdraw
from tests.bookshelf.admin.senders import RecordingSender, attempts
from tests.factories import AgentFactory, give_consents, make_benefit, make_customer

pytestmark = pytest.mark.django_db

RECORDING = "tests.bookshelf.admin.senders.RecordingSender"
SMS = ConsentPurpose.MARKETING_SMS
APP = ConsentPurpose.MARKETING_APP_MESSAGE


@pytest.fixture(autouse=True)
def _recording(settings):
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    RecordingSender.sent.clear()
    attempts.clear()


def test_a_push_without_consent_for_its_channel_is_refused_and_nothing_is_written():
    benefit = make_benefit(cells={Tier.GOLD: 2})
    never_asked = make_customer(tier=Tier.GOLD, consent=False)
    sms_only = make_customer(tier=Tier.GOLD, consent=False)
    give_consents(sms_only, [SMS])
    refused = [(never_asked, "sms"), (never_asked, "app_message"), (sms_only, "app_message")]
    for customer, channel in refused:
        with pytest.raises(DomainError) as exc:
            push_create(customer=customer, benefit_code=benefit.code, channel=channel)
        assert (exc.value.code, exc.value.status, exc.value.field) == (
            "consent_required",
            403,
            "channel",
        )
    assert not Push.objects.exists() and not OutboxMessage.objects.exists()
    assert push_create(customer=sms_only, benefit_code=benefit.code, channel="sms")


def test_a_consent_withdrawn_after_the_push_was_queued_stops_the_send_for_good(
    django_capture_on_commit_callbacks,
):
    benefit = make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD)
    with django_capture_on_commit_callbacks(execute=False):
        push = push_create(customer=customer, benefit_code=benefit.code, channel="sms")
    consent_withdraw(customer=customer, purpose=SMS, channel="app")
    assert push_deliver(outbox_id=push.outbox.pk) == "refused"
    message = OutboxMessage.objects.get(pk=push.outbox.pk)
    assert (message.status, message.last_error, message.locked_until) == (
        OutboxStatus.REFUSED,
        "no consent",
        None,
    )
    assert attempts == []  # the gateway never saw it
    # Not retried: neither the sweep nor a staff retry picks it up, a second run skips it.
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(1))
    assert outbox_requeue_pending(older_than_seconds=0) == 0
    assert outbox_message_retry(message=message) is False
    assert push_deliver(outbox_id=message.pk) == "skipped"
    assert attempts == []


def test_a_withdrawal_of_one_channel_leaves_the_other_channels_pushes_alone():
    benefit = make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD)
    push = push_create(customer=customer, benefit_code=benefit.code, channel="app_message")
    consent_withdraw(customer=customer, purpose=SMS, channel="app")
    assert push_deliver(outbox_id=push.outbox.pk) == "sent"


def test_the_expiring_sweep_skips_and_counts_customers_who_consent_to_no_push():
    agent = AgentFactory()
    consenting = make_customer(tier=Tier.GOLD, agent=agent)
    sms_only = make_customer(tier=Tier.GOLD, agent=agent, consent=False)
    give_consents(sms_only, [SMS])
    never = make_customer(tier=Tier.GOLD, agent=agent, consent=False)
    withdrawn = make_customer(tier=Tier.GOLD, agent=agent)
    for purpose in (SMS, APP):
        consent_withdraw(customer=withdrawn, purpose=purpose, channel="app")
    make_benefit(cells={Tier.GOLD: 2}, period="calendar_month")
    report = quota_expiring_sweep(days=31)
    assert (report.customers, report.suggestions, report.skipped_no_consent) == (4, 2, 2)
    assert set(AgentSuggestion.objects.values_list("customer_id", flat=True)) == {
        consenting.pk,
        sms_only.pk,
    }
    assert never.pk and withdrawn.pk


def test_an_event_of_a_customer_who_consents_to_no_push_makes_no_suggestion(
    django_capture_on_commit_callbacks, celery_eager
):
    agent = AgentFactory()
    make_benefit(cells={Tier.GOLD: 2}, category_code="MED", name="Hospital escort")
    silent = make_customer(tier=Tier.GOLD, agent=agent, consent=False)
    open_to_it = make_customer(tier=Tier.GOLD, agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        for customer in (silent, open_to_it):
            customer_event_record(
                customer=customer,
                kind="claim_filed",
                occurred_at=timezone.now() - timedelta(days=1),
            )
    assert list(AgentSuggestion.objects.values_list("customer_id", flat=True)) == [open_to_it.pk]
    assert silent.events.get().suggested_at is not None  # done with, not retried every morning


def test_acting_on_a_suggestion_without_consent_pushes_nothing_and_leaves_it_open():
    agent = AgentFactory()
    benefit = make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    suggestion = AgentSuggestion.objects.create(
        agent=agent, customer=customer, benefit=benefit, reason="r", dedupe_key="k"
    )
    consent_withdraw(customer=customer, purpose=APP, channel="app")
    with pytest.raises(DomainError) as exc:
        suggestion_accept(suggestion=suggestion, channel="app_message")
    assert exc.value.code == "consent_required"
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN and not Push.objects.exists()


def test_each_recommendation_says_whether_it_can_be_pushed_and_why_not():
    usable = make_benefit(cells={Tier.GOLD: 2}, tags=["fitness"])
    make_benefit(kind="paid", price=Decimal("99.00"), tags=["fitness"], name="Gym pass")
    customer = make_customer(tier=Tier.GOLD, tags=["fitness"], consent=False)
    result = recommendations_for_customer(customer=customer)
    [rec] = [r for r in result.recommendations if r.code == usable.code]
    assert not rec.push.available and rec.push.code == "consent_required"
    assert "Marketing SMS" in rec.push.reason
    [addon] = result.you_might_add
    assert not addon.push.available and addon.push.code == "push_benefit_not_usable"
    give_consents(customer, [SMS])
    result = recommendations_for_customer(customer=customer)
    [rec] = [r for r in result.recommendations if r.code == usable.code]
    assert rec.push.available and rec.push.channels == ("sms",) and not rec.push.code


def test_the_api_recommendations_carry_the_push_flag(app_api):
    make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD, consent=False)
    url = f"/api/v1/customers/{customer.customer_no}/recommendations"
    [rec] = app_api.get(url).json()["recommendations"]
    assert rec["push"]["available"] is False
    assert rec["push"]["code"] == "consent_required" and rec["push"]["channels"] == []
    give_consents(customer)
    [rec] = app_api.get(url).json()["recommendations"]
    assert rec["push"] == {
        "available": True,
        "channels": ["app_message", "sms"],
        "code": None,
        "reason": None,
    }


def test_the_demo_gives_consent_to_most_customers_once():
    from bookshelf.devtools.demo_consents import demo_consents_give

    customers = [make_customer(consent=False) for _ in range(10)]
    asked = [c for c in customers if int("".join(filter(str.isdigit, c.customer_no))) % 5]
    assert demo_consents_give(batch_size=3) == 2 * len(asked)
    assert demo_consents_give() == 0
    assert {c.pk for c in customers if consent_valid(customer=c, purpose=SMS)} == {
        c.pk for c in asked
    }
