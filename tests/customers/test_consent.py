"""PIPL consent records: every grant and withdrawal kept, with time, channel, text version and
who recorded it; the state of a purpose at any moment is its latest record then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.exceptions import DomainError
from customers.models import Consent, ConsentChannel, ConsentPurpose, ConsentText
from customers.selectors import (
    consent_history,
    consent_valid,
    consents_current,
    customers_consenting,
)
from customers.services import consent_give, consent_record, consent_withdraw
from tests.factories import UserFactory, make_customer

pytestmark = pytest.mark.django_db

SMS = ConsentPurpose.MARKETING_SMS
APP = ConsentPurpose.MARKETING_APP_MESSAGE


def test_a_grant_then_a_withdrawal_are_both_kept_and_the_latest_one_counts():
    customer = make_customer(consent=False)
    agent = UserFactory(username="ann")
    assert not consent_valid(customer=customer, purpose=SMS)
    given, created = consent_give(
        customer=customer,
        purpose=SMS,
        channel=ConsentChannel.AGENT_DESK,
        text_version="sms-v1",
        recorded_by=agent,
    )
    assert created and given.granted and given.text_version == "sms-v1"
    assert given.recorded_by == agent and given.recorded_by_name == "ann"
    assert consent_valid(customer=customer, purpose=SMS)
    assert not consent_valid(customer=customer, purpose=APP)  # one purpose at a time
    between = timezone.now()
    withdrawn, created = consent_withdraw(
        customer=customer, purpose=SMS, channel=ConsentChannel.APP, client_name="customer-app"
    )
    assert created and not withdrawn.granted
    assert withdrawn.recorded_by is None and withdrawn.recorded_by_name == "api-client:customer-app"
    assert not consent_valid(customer=customer, purpose=SMS)
    # The proof: both records, newest first, and the state as it was at a past moment.
    assert [r.granted for r in consent_history(customer=customer)] == [False, True]
    assert consent_valid(customer=customer, purpose=SMS, at=between)
    assert not consent_valid(customer=customer, purpose=SMS, at=given.created_at - timedelta(1))


def test_giving_again_on_the_same_text_or_withdrawing_what_is_not_given_records_nothing():
    customer = make_customer(consent=False)
    assert consent_withdraw(customer=customer, purpose=SMS, channel="app") == (None, False)
    first, created = consent_give(
        customer=customer, purpose=SMS, channel="app", text_version="sms-v1"
    )
    again, created_again = consent_give(
        customer=customer, purpose=SMS, channel="phone", text_version="sms-v1"
    )
    assert created and not created_again and again == first
    consent_withdraw(customer=customer, purpose=SMS, channel="app")
    latest, created = consent_withdraw(customer=customer, purpose=SMS, channel="app")
    assert not created and not latest.granted
    assert Consent.objects.filter(customer=customer).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"purpose": "newsletter"}, "consent_purpose_unknown", "purpose"),
        ({"channel": "carrier_pigeon"}, "invalid", "channel"),
        ({"text_version": "sms-v9"}, "consent_text_unknown", "text_version"),
        ({"text_version": "app-message-v1"}, "consent_text_unknown", "text_version"),
        ({"text_version": ""}, "consent_text_unknown", "text_version"),
    ],
)
def test_a_grant_needs_a_known_purpose_channel_and_current_text(kwargs, code, field):
    customer = make_customer(consent=False)
    args = {"purpose": SMS, "channel": "app", "text_version": "sms-v1", **kwargs}
    with pytest.raises(DomainError) as exc:
        consent_give(customer=customer, **args)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Consent.objects.filter(customer=customer).exists()


def test_a_retired_text_takes_no_new_grants_and_its_grants_lapse_from_then():
    customer = make_customer(consent=False)
    given, _c = consent_give(customer=customer, purpose=SMS, channel="app", text_version="sms-v1")
    retired_at = timezone.now()
    ConsentText.objects.filter(purpose=SMS, version="sms-v1").update(retired_at=retired_at)
    ConsentText.objects.create(purpose=SMS, version="sms-v2", text="New wording.")
    assert not consent_valid(customer=customer, purpose=SMS)
    assert consent_valid(customer=customer, purpose=SMS, at=given.created_at)
    state = consents_current(customer=customer).states[SMS]
    assert state.granted and state.lapsed
    with pytest.raises(DomainError):
        consent_give(customer=customer, purpose=SMS, channel="app", text_version="sms-v1")
    _r, created = consent_give(customer=customer, purpose=SMS, channel="app", text_version="sms-v2")
    assert created and consent_valid(customer=customer, purpose=SMS)


def test_the_channel_a_caller_may_claim_is_limited():
    customer = make_customer(consent=False)
    with pytest.raises(DomainError) as exc:  # a system may not say an agent took it
        consent_record(
            customer=customer,
            purpose=SMS,
            granted=True,
            channel=ConsentChannel.AGENT_DESK,
            text_version="sms-v1",
            client_name="app",
        )
    assert exc.value.code == "consent_channel_not_allowed" and exc.value.status == 403
    with pytest.raises(DomainError):  # nor an agent that the customer used the app
        consent_record(
            customer=customer, purpose=SMS, granted=True, channel="app", text_version="sms-v1"
        )
    assert not Consent.objects.exists()


def test_who_consents_is_one_query_for_a_whole_batch(django_assert_num_queries):
    sms_only = make_customer(consent=False)
    consent_give(customer=sms_only, purpose=SMS, channel="app", text_version="sms-v1")
    both = make_customer()
    withdrawn = make_customer()
    for purpose in (SMS, APP):
        consent_withdraw(customer=withdrawn, purpose=purpose, channel="app")
    never = make_customer(consent=False)
    ids = [sms_only.pk, both.pk, withdrawn.pk, never.pk]
    with django_assert_num_queries(1):
        assert customers_consenting(customer_ids=ids, purposes=[SMS, APP]) == {
            sms_only.pk,
            both.pk,
        }
    assert customers_consenting(customer_ids=ids, purposes=[APP]) == {both.pk}
