"""Survey invitations: after a use is fulfilled (instant, or held and fulfilled or redeemed),
the beat sweep decides it once (sent, not sampled, or throttled); the message has no push,
is in Chinese with the survey link, and is delivered without marketing consent, but never to
an erased customer; a cancelled or already rated use is not asked about."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import Actor, fulfilment_transition, use_request
from bookshelf.ledger.services import redemption_cancel, redemption_create
from bookshelf.models import (
    ActorKind,
    BenefitSurveyRate,
    FulfilmentState,
    InvitationStatus,
    OutboxMessage,
    OutboxStatus,
    SurveyInvitation,
    SurveySettings,
    SurveyThrottle,
)
from bookshelf.reach.invitations import (
    SWEEP_OVERLAP,
    invitation_sampled,
    survey_token,
    survey_token_read,
)
from bookshelf.reach.services import feedback_record, push_deliver, survey_invitations_sweep
from customers.models import Customer, Tier
from tests.bookshelf.admin.senders import RecordingSender
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

RECORDING = "tests.bookshelf.admin.senders.RecordingSender"


@pytest.fixture(autouse=True)
def _always(settings):
    """Every fulfilled use is sampled unless a test says otherwise."""
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    RecordingSender.sent.clear()
    SurveySettings.objects.update_or_create(pk=1, defaults={"sample_rate": 1.0})


@pytest.fixture
def benefit():
    return make_benefit(cells={Tier.GOLD: None}, name="Dental check", name_zh_hans="口腔检查")


def _use(customer, benefit):
    return redemption_create(customer=customer, benefit_code=benefit.code).redemption


def _sweep(minutes=1):
    return survey_invitations_sweep(now=timezone.now() + timedelta(minutes=minutes))


def test_an_instant_use_is_invited_once_with_a_chinese_message_and_a_signed_link(
    benefit, settings, django_capture_on_commit_callbacks
):
    settings.BOOKSHELF_SURVEY_URL = "https://h5.example.cn/s/{token}"
    customer = make_customer(tier=Tier.GOLD, consent=False)  # no marketing consent at all
    use = _use(customer, benefit)
    with django_capture_on_commit_callbacks() as enqueued:
        report = _sweep()
    assert (report.sent, report.not_sampled, report.throttled) == (1, 0, 0)
    invitation = SurveyInvitation.objects.get()
    assert (invitation.redemption_id, invitation.customer_id, invitation.benefit_id) == (
        use.pk,
        customer.pk,
        benefit.pk,
    )
    assert invitation.status == InvitationStatus.SENT
    assert invitation.used_at == use.created_at
    assert invitation.expires_at == invitation.created_at + timedelta(days=14)
    message = invitation.outbox
    assert message.push is None
    assert (message.channel, message.recipient) == ("app_message", customer.customer_no)
    token = survey_token(invitation)
    assert f"https://h5.example.cn/s/{token}" in message.body
    assert "口腔检查" in message.body and "Dental check" not in message.body
    # Its delivery is enqueued after commit; it is sent although the customer gave no
    # marketing consent.
    assert len(enqueued) == 1
    assert push_deliver(outbox_id=message.pk) == "sent"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert RecordingSender.sent == [message.pk]
    # Decided: the next sweeps (within the overlap, and later) ask nothing again.
    assert _sweep(2).decided == 0
    assert survey_invitations_sweep(now=timezone.now() + timedelta(days=3)).decided == 0
    assert SurveyInvitation.objects.count() == OutboxMessage.objects.count() == 1


def test_the_token_names_the_invitation_and_any_change_breaks_it(benefit):
    _use(make_customer(tier=Tier.GOLD), benefit)
    _sweep()
    invitation = SurveyInvitation.objects.get()
    token = survey_token(invitation)
    assert survey_token_read(token) == (invitation.pk, invitation.nonce)
    signed, signature = token.rsplit(":", 1)
    other = signed.replace(f"{invitation.pk}.", f"{invitation.pk + 1}.", 1)
    for bad in (f"{other}:{signature}", token[:-1], "", "x" * 300, f"{signed}:"):
        assert survey_token_read(bad) is None


def test_a_held_use_is_invited_when_fulfilled_but_not_when_the_customer_did_not_come():
    booked = make_benefit(cells={Tier.GOLD: None}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[booked])
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    came, stayed_away = make_customer(tier=Tier.GOLD), make_customer(tier=Tier.GOLD)
    fulfilments = {}
    for customer in (came, stayed_away):
        fulfilment = use_request(customer=customer, benefit_code=booked.code).fulfilment
        fulfilment_transition(
            fulfilment_id=fulfilment.pk, target=FulfilmentState.BOOKED, actor=actor
        )
        fulfilments[customer.pk] = fulfilment
    # Held, not fulfilled yet: nothing to ask about.
    assert _sweep().decided == 0
    fulfilment_transition(
        fulfilment_id=fulfilments[came.pk].pk, target=FulfilmentState.FULFILLED, actor=actor
    )
    fulfilment_transition(
        fulfilment_id=fulfilments[stayed_away.pk].pk, target=FulfilmentState.NO_SHOW, actor=actor
    )
    assert _sweep(2).sent == 1
    invitation = SurveyInvitation.objects.get()
    assert invitation.customer_id == came.pk
    fulfilments[came.pk].refresh_from_db()
    assert invitation.used_at == fulfilments[came.pk].updated_at


def test_cancelled_rated_and_erased_customers_uses_are_not_asked_about(benefit):
    cancelled = _use(make_customer(tier=Tier.GOLD), benefit)
    redemption_cancel(redemption=cancelled)
    rated = _use(make_customer(tier=Tier.GOLD), benefit)
    feedback_record(redemption=rated, score=9)
    erased = make_customer(tier=Tier.GOLD)
    _use(erased, benefit)
    # What `customer_erase` leaves (a customer whose policy has ended): the flag the sweep reads.
    Customer.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    assert _sweep().decided == 0
    assert not SurveyInvitation.objects.exists() and not OutboxMessage.objects.exists()


def test_a_benefits_own_rate_replaces_the_default_and_the_roll_is_the_same_every_time(
    benefit,
):
    never = make_benefit(cells={Tier.GOLD: None}, name="Never asked")
    BenefitSurveyRate.objects.create(benefit=never, sample_rate=0.0)
    customer = make_customer(tier=Tier.GOLD)
    skipped = _use(customer, never)
    report = _sweep()
    assert (report.sent, report.not_sampled) == (0, 1)
    assert SurveyInvitation.objects.get(redemption_id=skipped.pk).status == "not_sampled"
    # Not sampled uses take no throttle: the customer's next use is asked about.
    assert not SurveyThrottle.objects.exists()
    _use(customer, benefit)
    assert _sweep(2).sent == 1
    # Deterministic: the roll of an id never changes, and follows the rate.
    rolls = [invitation_sampled(redemption_id=n, rate=0.3) for n in range(1, 2001)]
    assert rolls == [invitation_sampled(redemption_id=n, rate=0.3) for n in range(1, 2001)]
    assert 500 < sum(rolls) < 700
    assert not any(invitation_sampled(redemption_id=n, rate=0.0) for n in range(1, 200))
    assert all(invitation_sampled(redemption_id=n, rate=1.0) for n in range(1, 200))


def test_the_seed_decides_who_is_sampled(settings):
    first = [invitation_sampled(redemption_id=n, rate=0.5) for n in range(1, 201)]
    settings.BOOKSHELF_SURVEY_SAMPLE_SEED = "another seed"
    assert first != [invitation_sampled(redemption_id=n, rate=0.5) for n in range(1, 201)]


def test_one_invitation_per_customer_per_throttle_period(benefit):
    customer = make_customer(tier=Tier.GOLD)
    t0 = timezone.now()
    _use(customer, benefit)
    _use(customer, benefit)
    report = survey_invitations_sweep(now=t0 + timedelta(minutes=1))
    assert (report.sent, report.throttled) == (1, 1)
    statuses = sorted(SurveyInvitation.objects.values_list("status", flat=True))
    assert statuses == ["sent", "throttled"]
    assert SurveyThrottle.objects.get(customer=customer).invited_at == t0 + timedelta(minutes=1)

    def used_at(when):
        use = _use(customer, benefit)
        type(use).objects.filter(pk=use.pk).update(created_at=when - timedelta(minutes=5))
        return use

    # 29 days on: still asked recently; 31 days on: asked again, and the period restarts.
    used_at(t0 + timedelta(days=29))
    assert survey_invitations_sweep(now=t0 + timedelta(days=29)).throttled == 1
    again = used_at(t0 + timedelta(days=31))
    assert survey_invitations_sweep(now=t0 + timedelta(days=31)).sent == 1
    assert SurveyInvitation.objects.get(redemption_id=again.pk).status == "sent"
    assert SurveyThrottle.objects.get(customer=customer).invited_at == t0 + timedelta(days=31)


def test_a_use_committed_after_the_sweep_read_but_dated_before_it_is_still_asked(benefit):
    customer = make_customer(tier=Tier.GOLD)
    now = timezone.now()
    survey_invitations_sweep(now=now)
    assert SurveySettings.objects.get().invitations_swept_to == now
    # A use whose transaction began before that sweep and committed after it.
    late = _use(customer, benefit)
    type(late).objects.filter(pk=late.pk).update(created_at=now - SWEEP_OVERLAP / 2)
    assert survey_invitations_sweep(now=now + timedelta(minutes=10)).sent == 1
    assert SurveyInvitation.objects.get().redemption_id == late.pk


def test_the_watermark_never_moves_back():
    now = timezone.now()
    survey_invitations_sweep(now=now)
    survey_invitations_sweep(now=now - timedelta(hours=1))
    assert SurveySettings.objects.get().invitations_swept_to == now


def test_an_invitation_queued_for_a_customer_erased_since_is_never_sent(benefit):
    customer = make_customer(tier=Tier.GOLD)
    _use(customer, benefit)
    _sweep()
    message = OutboxMessage.objects.get()
    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    assert push_deliver(outbox_id=message.pk) == "refused"
    message.refresh_from_db()
    assert (message.status, message.last_error) == (OutboxStatus.REFUSED, "customer erased")
    assert RecordingSender.sent == []


def test_a_sweep_of_many_unsampled_uses_takes_a_fixed_number_of_queries(
    benefit, django_assert_num_queries
):
    SurveySettings.objects.filter(pk=1).update(sample_rate=0.0)
    customers = [make_customer(tier=Tier.GOLD, consent=False) for _ in range(3)]
    for customer in customers:
        _use(customer, benefit)
    now = timezone.now() + timedelta(minutes=1)
    # settings, rates, instant uses, benefits, insert of the batch, held uses, watermark.
    with django_assert_num_queries(7):
        assert survey_invitations_sweep(now=now).not_sampled == 3
    for customer in customers:
        _use(customer, benefit)
        _use(customer, benefit)
    with django_assert_num_queries(7):
        assert survey_invitations_sweep(now=now + timedelta(minutes=10)).not_sampled == 6
