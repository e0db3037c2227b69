"""The demo's morning (issue 19): the login agent finds suggestions they can push, an overdue
detractor and a fulfilment case; follow-ups, calls, escalations and survey invitations are
what the services would have made. (Seeded once for the module, rolled back at its end.)"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bookshelf.devtools.demo_day import FOLLOWUP_WINDOW
from bookshelf.ledger.models import Redemption, RedemptionFeedback, RedemptionStatus
from bookshelf.models import (
    AgentSuggestion,
    DetractorFollowUp,
    FollowUpOutcome,
    InvitationStatus,
    OperationsCase,
    PushChannel,
    SuggestionStatus,
    SurveyInvitation,
    SurveyThrottle,
)
from bookshelf.reach.followups import DETRACTOR_MAX, UNREACHABLE_AFTER
from bookshelf.reach.services import followups_escalate, push_create, survey_settings_get
from customers.models import Agent, Customer

pytestmark = pytest.mark.django_db

SENT = {InvitationStatus.SENT, InvitationStatus.ANSWERED}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command(
                "seed_demo", customers=40, seed=3, no_progress=True, force=True, stdout=out
            )
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _login(username: str) -> Agent:
    return Agent.objects.get(user__username=username)


def _handed_over(seeded: str) -> str:
    line = next(x for x in seeded.splitlines() if x.strip().startswith("handed_over:"))
    return line.split(":", 1)[1].strip()


def test_the_login_agent_can_push_their_suggestions(seeded):
    agent = _login("agent")
    mine = AgentSuggestion.objects.filter(
        customer__agent=agent, status=SuggestionStatus.OPEN
    ).select_related("customer", "benefit")
    moments = [s for s in mine if s.event_id is not None]
    expiring = [s for s in mine if s.dedupe_key.startswith("expiring:")]
    assert len(moments) >= 2, len(moments)
    # Each distinct (customer, benefit) pushes on app messages: consent given, usable now.
    pairs = {(s.customer_id, s.benefit.code): s.customer for s in moments + expiring[:3]}
    for (_customer_id, code), customer in pairs.items():
        push = push_create(customer=customer, benefit_code=code, channel=PushChannel.APP_MESSAGE)
        assert push.pk


def test_the_login_agent_has_an_overdue_detractor_and_a_case(seeded):
    agent, supervisor = _login("agent"), _login("supervisor")
    now = timezone.now()
    overdue = DetractorFollowUp.objects.filter(agent=agent, closed_at__isnull=True, due_at__lt=now)
    assert overdue.exists()
    # Escalated to the supervisor login, who finds it on their worklist.
    assert overdue.filter(escalated_to=supervisor).exists()
    cases = OperationsCase.objects.filter(
        closed_at__isnull=True, fulfilment__beneficiary__agent=agent
    )
    assert cases.exists()


def test_every_recent_detractor_answer_has_one_followup_as_the_service_makes_it(seeded):
    now = timezone.now()
    hours = survey_settings_get().followup_hours
    # A day's margin either side of the window: the seed's clock ran a little before ours.
    recent = RedemptionFeedback.objects.filter(created_at__gte=now - FOLLOWUP_WINDOW + timedelta(1))
    detractors = recent.filter(score__lte=DETRACTOR_MAX)
    assert detractors.count() >= 5
    assert not recent.filter(score__gt=DETRACTOR_MAX, followup__isnull=False).exists()
    older = RedemptionFeedback.objects.filter(created_at__lt=now - FOLLOWUP_WINDOW - timedelta(1))
    assert not older.filter(followup__isnull=False).exists()
    for answer in detractors.select_related("followup"):
        followup = answer.followup  # one-to-one: exactly one
        assert (followup.customer_id, followup.agent_id, followup.benefit_id) == (
            answer.customer_id,
            answer.agent_id,
            answer.benefit_id,
        )
        assert (followup.redemption_id, followup.score) == (answer.redemption_id, answer.score)
        assert followup.opened_at == answer.created_at
        assert followup.due_at == answer.created_at + timedelta(hours=hours)


def test_calls_are_what_followup_call_record_makes_of_them(seeded):
    now = timezone.now()
    calls = defaultdict(list)
    followups = list(DetractorFollowUp.objects.prefetch_related("calls"))
    outcomes = set()
    for followup in followups:
        made = list(followup.calls.all())
        assert followup.attempts == len(made)
        assert all(followup.opened_at < c.called_at <= now for c in made)
        reached = [c for c in made if c.outcome != FollowUpOutcome.UNREACHABLE]
        assert followup.first_contact_at == (reached[0].called_at if reached else None)
        if followup.closed_at is None:
            assert not reached and len(made) < UNREACHABLE_AFTER
        else:
            last = made[-1]
            assert (followup.outcome, followup.closed_at) == (last.outcome, last.called_at)
            # Closed at the first reached call or the third that found nobody: no call after.
            assert reached[:1] == [last] or (
                not reached and len(made) == UNREACHABLE_AFTER and last.outcome == "unreachable"
            )
            outcomes.add(followup.outcome)
        for call in made:
            calls[call.outcome].append(call)
            if call.outcome == FollowUpOutcome.COMPENSATED:
                assert call.note  # the service refuses a compensation without a note
    assert {"resolved", "compensated", "unreachable"} <= outcomes
    assert any(f.closed_at is None and f.due_at < now for f in followups)


def test_escalations_are_the_sweeps(seeded):
    now = timezone.now()
    supervisors = dict(Agent.objects.values_list("pk", "supervisor_id"))
    escalated = DetractorFollowUp.objects.filter(escalated_at__isnull=False)
    assert escalated.exists()
    for followup in escalated:
        assert followup.agent_id is not None and followup.escalated_at is not None
        assert followup.escalated_to_id == supervisors[followup.agent_id]
        assert followup.due_at < followup.escalated_at <= now
        assert followup.closed_at is None or followup.closed_at > followup.escalated_at
    # Closed in time (by due) never escalates.
    closed_in_time = DetractorFollowUp.objects.filter(closed_at__isnull=False)
    for followup in closed_in_time:
        assert followup.closed_at is not None
        if followup.closed_at <= followup.due_at:
            assert followup.escalated_at is None
    # The sweep, run now, finds nothing the demo left out (but what fell due since its last
    # run, ten minutes at most before the seed).
    pending = DetractorFollowUp.objects.filter(
        closed_at__isnull=True, escalated_at__isnull=True, due_at__lt=now
    )
    assert not pending.filter(due_at__lt=now - timedelta(minutes=15)).exists()
    assert followups_escalate(now=now) == pending.count()


def test_invitations_are_decided_once_sampled_and_throttled(seeded):
    settings_row = survey_settings_get()
    throttle = timedelta(days=settings_row.throttle_days)
    rows = list(SurveyInvitation.objects.order_by("created_at"))
    assert {r.status for r in rows} == set(InvitationStatus.values)
    uses = {
        r.pk: r
        for r in Redemption.objects.filter(pk__in=[i.redemption_id for i in rows]).only(
            "pk", "status", "beneficiary_id", "benefit_id", "created_at", "cancelled_at"
        )
    }
    last_sent: dict[int, datetime] = {}
    for invitation in rows:
        use = uses[invitation.redemption_id]
        assert use.status == RedemptionStatus.COMPLETED and use.cancelled_at is None
        assert (invitation.customer_id, invitation.benefit_id) == (
            use.beneficiary_id,
            use.benefit_id,
        )
        assert invitation.created_at > use.created_at
        before = last_sent.get(invitation.customer_id)
        within = before is not None and invitation.created_at - before < throttle
        if invitation.status in SENT:
            assert not within, "two invitations to one customer within the throttle"
            last_sent[invitation.customer_id] = invitation.created_at
            assert len(invitation.nonce) == 32
            assert invitation.expires_at == invitation.created_at + timedelta(
                days=settings_row.valid_days
            )
        if invitation.status == InvitationStatus.THROTTLED:
            assert within
        if invitation.status == InvitationStatus.ANSWERED:
            answer = invitation.feedback
            assert answer is not None
            assert answer.redemption_id == invitation.redemption_id
            assert invitation.answered_at == answer.created_at > invitation.created_at
        else:
            assert invitation.feedback_id is None
    throttles = dict(SurveyThrottle.objects.values_list("customer_id", "invited_at"))
    assert throttles == last_sent
    sent = sum(r.status in SENT for r in rows)
    answered = sum(r.status == InvitationStatus.ANSWERED for r in rows)
    assert 0 < answered < sent


def test_answers_snapshot_their_use(seeded):
    moved = _handed_over(seeded)
    answers = RedemptionFeedback.objects.select_related("redemption")
    agents = dict(Customer.objects.exclude(customer_no=moved).values_list("pk", "agent_id"))
    checked = 0
    for answer in answers:
        use = answer.redemption
        assert (answer.channel, answer.supplier_id) == (use.channel, use.supplier_id)
        if use.beneficiary_id in agents and use.holder_id in agents:
            assert answer.agent_id == (agents[use.beneficiary_id] or agents[use.holder_id])
            checked += 1
    assert checked > 100
    assert answers.filter(supplier__isnull=False).exists()


def test_the_worklist_shows_the_morning(seeded):
    """Through the worklist selector (reach.worklist, the "worklist" helper's)."""
    from bookshelf.reach.worklist import worklist

    agent, supervisor = _login("agent"), _login("supervisor")
    page = worklist(agent_ids=[agent.pk])
    assert page.counts["moment"] + page.counts["expiring"] >= 2
    assert page.counts["detractor"] >= 1 and page.overdue >= 1
    assert page.counts["fulfilment"] >= 1
    assert worklist(agent_ids=[supervisor.pk]).counts["escalation"] >= 1


def test_suggestions_are_due(seeded):
    """`due_on` as the services set it (the "worklist" helper's change to moments/expiring):
    a week after the event, the end of the expiring period."""
    today = timezone.localdate()
    rows = AgentSuggestion.objects.select_related("event")
    assert rows.exists()
    for s in rows:
        if s.event is not None:
            assert s.due_on == timezone.localdate(s.event.occurred_at) + timedelta(days=7)
        else:
            assert s.due_on is not None and s.due_on >= today
