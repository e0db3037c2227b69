"""The closed NPS loop's services: a detractor's answer opens one follow-up (and one
`feedback.detractor` webhook), the agent's calls close it, an overdue one goes to the
supervisor once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookshelf.ledger.error_codes import LedgerErrorCode
from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    DetractorFollowUp,
    FollowUpCall,
    FollowUpOutcome,
    RedemptionFeedback,
    SurveySettings,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
)
from bookshelf.reach.error_codes import ReachErrorCode
from bookshelf.reach.services import feedback_record, followup_call_record, followups_escalate
from config.exceptions import Conflict, DomainError
from customers.models import Tier
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _listener(db):
    """Operators' own subscription (no client): hears every event, so each is recorded."""
    from bookshelf.integrations import webhooks

    webhooks.subscription_create(name="ops", url="https://hooks.example.com/nps")


@pytest.fixture
def supervisor():
    return AgentFactory(name="Sue")


@pytest.fixture
def agent(supervisor):
    return AgentFactory(name="Ann", supervisor=supervisor)


@pytest.fixture
def use(agent):
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    return redemption_create(customer=customer, benefit_code=benefit.code).redemption


def detractor_events() -> int:
    return WebhookEvent.objects.filter(type=WebhookEventType.FEEDBACK_DETRACTOR).count()


def detractor_deliveries() -> int:
    return WebhookDelivery.objects.filter(event__type=WebhookEventType.FEEDBACK_DETRACTOR).count()


@pytest.mark.parametrize("score", [0, 3, 6])
def test_a_detractor_answer_opens_one_followup_due_in_48_hours_with_one_webhook(use, agent, score):
    result = feedback_record(redemption=use, score=score, comment="Nobody came")
    followup = DetractorFollowUp.objects.get()
    assert result.followup == followup
    assert followup.feedback == result.feedback
    assert (followup.agent, followup.score, followup.customer_id) == (
        agent,
        score,
        use.beneficiary_id,
    )
    assert followup.due_at - followup.opened_at == timedelta(hours=48)
    assert followup.opened_at == result.feedback.created_at
    assert followup.closed_at is None and followup.attempts == 0
    assert detractor_events() == 1
    assert detractor_deliveries() == 1
    payload = WebhookEvent.objects.get(type=WebhookEventType.FEEDBACK_DETRACTOR).payload
    assert payload["score"] == score and payload["followup_id"] == followup.pk
    assert payload["agent_no"] == agent.agent_no
    assert "comment" not in payload  # the comment stays in the admin


def test_the_deadline_follows_the_survey_settings(use):
    SurveySettings.objects.update_or_create(pk=1, defaults={"followup_hours": 24})
    feedback_record(redemption=use, score=2)
    followup = DetractorFollowUp.objects.get()
    assert followup.due_at - followup.opened_at == timedelta(hours=24)


@pytest.mark.parametrize("score", [7, 8, 9, 10])
def test_passives_and_promoters_open_nothing(use, score):
    result = feedback_record(redemption=use, score=score)
    assert result.followup is None
    assert not DetractorFollowUp.objects.exists()
    assert detractor_events() == 0


def test_a_replayed_answer_is_refused_and_adds_nothing(use):
    feedback_record(redemption=use, score=1)
    with pytest.raises(Conflict) as exc:
        feedback_record(redemption=use, score=1)
    assert exc.value.code == LedgerErrorCode.FEEDBACK_EXISTS.value
    assert exc.value.status == 409
    assert RedemptionFeedback.objects.count() == 1
    assert DetractorFollowUp.objects.count() == 1
    assert detractor_events() == 1 and detractor_deliveries() == 1


@pytest.fixture
def followup(use):
    return feedback_record(redemption=use, score=2, comment="Late").followup


@pytest.mark.parametrize(
    "outcome", [FollowUpOutcome.RESOLVED, FollowUpOutcome.COMPENSATED, FollowUpOutcome.ESCALATED]
)
def test_reaching_the_customer_closes_the_followup(followup, outcome):
    closed = followup_call_record(followup_id=followup.pk, outcome=outcome, note="A voucher")
    followup.refresh_from_db()
    assert followup.outcome == outcome
    assert followup.closed_at is not None
    assert followup.first_contact_at == followup.closed_at
    assert followup.attempts == 1
    assert closed.closed_at == followup.closed_at
    call = FollowUpCall.objects.get()
    assert (call.outcome, call.note) == (outcome, "A voucher")


def test_unreachable_leaves_it_open_and_the_third_closes_it(followup):
    for attempt in (1, 2):
        followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.UNREACHABLE)
        followup.refresh_from_db()
        assert followup.closed_at is None, attempt
        assert followup.attempts == attempt
    followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.UNREACHABLE)
    followup.refresh_from_db()
    assert followup.closed_at is not None
    assert followup.outcome == FollowUpOutcome.UNREACHABLE
    assert followup.first_contact_at is None  # nobody was ever reached
    assert FollowUpCall.objects.count() == 3


def test_a_call_after_unreachable_ones_records_the_first_contact(followup):
    followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.UNREACHABLE)
    later = timezone.now() + timedelta(hours=3)
    followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.RESOLVED, now=later)
    followup.refresh_from_db()
    assert followup.first_contact_at == later == followup.closed_at
    assert followup.attempts == 2


def test_a_closed_followup_refuses_calls(followup):
    followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.RESOLVED)
    with pytest.raises(Conflict) as exc:
        followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.RESOLVED)
    assert exc.value.code == ReachErrorCode.FOLLOWUP_CLOSED.value
    assert exc.value.status == 409
    assert FollowUpCall.objects.count() == 1
    followup.refresh_from_db()
    assert followup.attempts == 1


@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [
        (FollowUpOutcome.COMPENSATED, "  ", "note"),
        ("shouted", "", "outcome"),
        (FollowUpOutcome.RESOLVED, "x" * 501, "note"),
    ],
)
def test_bad_calls_are_refused_and_change_nothing(followup, outcome, note, field):
    with pytest.raises(DomainError) as exc:
        followup_call_record(followup_id=followup.pk, outcome=outcome, note=note)
    assert exc.value.field == field
    assert exc.value.status == 400
    assert not FollowUpCall.objects.exists()
    followup.refresh_from_db()
    assert (followup.attempts, followup.closed_at) == (0, None)


def test_an_overdue_followup_goes_to_the_supervisor_once(followup, supervisor):
    later = followup.due_at + timedelta(minutes=1)
    assert followups_escalate(now=followup.due_at - timedelta(minutes=1)) == 0
    assert followups_escalate(now=later) == 1
    assert followups_escalate(now=later + timedelta(hours=1)) == 0
    followup.refresh_from_db()
    assert followup.escalated_at == later
    assert followup.escalated_to == supervisor
    assert followup.closed_at is None  # still to be called back


def test_a_followup_closed_in_time_never_escalates(followup):
    followup_call_record(followup_id=followup.pk, outcome=FollowUpOutcome.RESOLVED)
    assert followups_escalate(now=followup.due_at + timedelta(days=5)) == 0
    followup.refresh_from_db()
    assert followup.escalated_at is None and followup.escalated_to is None


def test_an_agent_without_supervisor_is_escalated_to_nobody_once(agent, followup):
    agent.supervisor = None
    agent.save(update_fields=["supervisor"])
    later = followup.due_at + timedelta(minutes=1)
    assert followups_escalate(now=later) == 1
    assert followups_escalate(now=later) == 0
    followup.refresh_from_db()
    assert followup.escalated_at == later and followup.escalated_to is None


def test_the_escalation_task_runs_the_sweep(followup, celery_eager):
    from bookshelf import jobs
    from config.celery import app

    DetractorFollowUp.objects.filter(pk=followup.pk).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    assert app.tasks[jobs.FOLLOWUPS_ESCALATE].delay().get() == 1
    followup.refresh_from_db()
    assert followup.escalated_at is not None
