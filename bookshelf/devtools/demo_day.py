"""The agent's morning in the demo (issue 19): what the worklist shows when `agent` logs in.

After the history, the deliveries and the consents (`DemoBuilder.run()`):

- **Answers' suppliers.** The history's answers snapshot their use's channel and agent when
  written (`DemoBuilder.build_feedback`); the supplier is known once the money has priced the
  history, so it is copied then, in one UPDATE.
- **A fulfilment case** for the login agent: if none of the demo's open cases is about one of
  their customers, the customer of the first one moves to them (a handover; their earlier
  answers keep the agent of the day, as snapshots do).
- **Moments and expiring quotas**, through the services: a few customers had an event in the
  last days (claims, hospital visits, trips, births, birthdays: `event_suggestions_create`
  turns each into suggestions, consent checked), two of them the login agent's who agreed to
  app messages; then the morning's `quota_expiring_sweep`. The suggestions' `due_on` is the
  services'.
- **Detractor follow-ups**: every answer of 0-6 of the last four weeks has its follow-up, with
  the values `followup_open` gives (due `followup_hours` after the answer), written in bulk
  (no webhooks in the demo: it subscribes none). Most were called back in time (resolved,
  compensated, or three calls that found nobody), some late, a few still open; those not
  closed when due were escalated to the agent's supervisor as `followups_escalate` does ten
  minutes after (so a sweep run after the seed escalates nothing more). The login agent has
  one answer of three days ago still waiting: overdue, escalated to `supervisor`.
- **Survey invitations** for the uses of the last 60 days, each decided once: sampled at the
  survey rate, at most one per customer per `throttle_days`, answered when the use was
  rated (the answer linked), so the NPS report shows response rates. The demo's own rolls
  (not the invitation sweep's keyed hash) and no outbox messages: these were sent long ago.
- **Customer value profiles** last (`reach.value.customer_values_refresh`), as the nightly job
  computes them, so the worklist ranks by them.

Deterministic: every roll comes from a stream keyed by the seed and the row's natural key
(customer number, benefit code, time), never a database id. Texts are data, in Chinese.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Subquery

from customers.models import Agent, ConsentPurpose, Customer
from customers.selectors import customers_consenting

from ..fulfilment.models import Fulfilment, FulfilmentState, OperationsCase
from ..ledger.models import Redemption, RedemptionFeedback, RedemptionStatus
from ..reach.followups import DETRACTOR_MAX, UNREACHABLE_AFTER
from ..reach.models import (
    AgentSuggestion,
    CustomerEvent,
    DetractorFollowUp,
    EventKind,
    FollowUpCall,
    FollowUpOutcome,
    InvitationStatus,
    SuggestionStatus,
    SurveyInvitation,
    SurveyThrottle,
)
from ..reach.services import (
    event_suggestions_create,
    feedback_record,
    quota_expiring_sweep,
    survey_settings_get,
)
from ..reach.value import customer_values_refresh

BATCH = 2000
FOLLOWUP_WINDOW = timedelta(days=28)
INVITATION_WINDOW = timedelta(days=60)
ESCALATION_LAG = (1, 10)  # minutes after due: the escalation sweep runs every 10 minutes
EVENT_EVERY = 40  # one customer in forty had a moment in the last days (each costs a ranking)
LOGIN_MOMENTS = 2  # moments for the login agent's customers
# The event, what the other system wrote about it, and who reported it: data, in Chinese.
EVENTS: tuple[tuple[str, str, str], ...] = (
    (EventKind.CLAIM_FILED, "门诊理赔已受理", "理赔系统"),
    (EventKind.HOSPITAL_VISIT, "住院：骨科，预计五天", "健康服务平台"),
    (EventKind.TRIP_BOOKED, "已预订出境游，七天", "差旅平台"),
    (EventKind.NEW_FAMILY_MEMBER, "新生儿加入家庭", "客户关系系统"),
    (EventKind.BIRTHDAY, "", "客户关系系统"),
)
# How call-backs went, and what the agent wrote down: (outcomes of the calls, notes).
CALL_PLANS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((FollowUpOutcome.RESOLVED,), ("已向客户致歉，并重新预约",)),
    (
        (FollowUpOutcome.UNREACHABLE,) * UNREACHABLE_AFTER,
        ("电话无人接听", "关机", "再次无人接听，已发短信"),
    ),
    ((FollowUpOutcome.COMPENSATED,), ("赠送一次免费洗牙作为补偿",)),
    ((FollowUpOutcome.UNREACHABLE, FollowUpOutcome.RESOLVED), ("电话无人接听", "已解释原因")),
    ((FollowUpOutcome.RESOLVED,), ("客户表示理解，问题已解决",)),
)
LOGIN_COMPLAINT = "等了四十分钟才有人接待，服务态度也不好"


@dataclass
class DayReport:
    events: int = 0
    suggestions: int = 0
    followups: int = 0
    followup_calls: int = 0
    escalated: int = 0
    invitations: int = 0
    handed_over: str = ""  # the customer whose open case moved to the login agent


def _roll(seed: int, *key: Any) -> random.Random:
    """A stream of its own for one row: the same rolls whatever order or ids."""
    return random.Random(":".join(str(k) for k in (seed, *key)))


@dataclass
class _Call:
    outcome: str
    note: str
    at: datetime


class DemoDayBuilder:
    def __init__(self, *, seed: int, today: date, now: datetime, login_agent: Agent) -> None:
        self.seed = seed
        self.today = today
        self.now = now
        self.login_agent = login_agent
        self.report = DayReport()

    def run(self) -> DayReport:
        self.snapshot_suppliers()
        self.hand_over_case()
        self.build_suggestions()
        self.build_followups()
        self.build_invitations()
        customer_values_refresh()  # the value profiles the worklist ranks by
        return self.report

    # -- answers and cases -------------------------------------------------------------------
    def snapshot_suppliers(self) -> None:
        supplier = Redemption.objects.filter(pk=OuterRef("redemption_id")).values("supplier_id")
        RedemptionFeedback.objects.filter(supplier__isnull=True).update(
            supplier_id=Subquery(supplier[:1])
        )

    def hand_over_case(self) -> None:
        cases = list(
            OperationsCase.objects.filter(closed_at__isnull=True)
            .order_by("fulfilment__redemption_created_at", "kind")
            .values_list("fulfilment__beneficiary_id", "fulfilment__beneficiary__agent_id")
        )
        if cases and all(agent_id != self.login_agent.pk for _pk, agent_id in cases):
            customer = Customer.objects.get(pk=cases[0][0])
            customer.agent = self.login_agent
            customer.save(update_fields=["agent", "updated_at"])
            self.report.handed_over = customer.customer_no

    # -- suggestions ---------------------------------------------------------------------------
    def _login_moment_customers(self) -> list[int]:
        mine = list(
            Customer.objects.filter(agent=self.login_agent)
            .order_by("customer_no")
            .values_list("pk", flat=True)
        )
        app = customers_consenting(
            customer_ids=mine, purposes=[ConsentPurpose.MARKETING_APP_MESSAGE]
        )
        return [pk for pk in mine if pk in app][:LOGIN_MOMENTS]

    def build_suggestions(self) -> None:
        login = self._login_moment_customers()
        rows = Customer.objects.order_by("customer_no").values_list("pk", "customer_no")
        events: list[CustomerEvent] = []
        for pk, customer_no in rows:
            rng = _roll(self.seed, "event", customer_no)
            kind, note, source = EVENTS[rng.randrange(len(EVENTS))]
            if pk in login:  # moments that make an offer: a claim, a hospital stay
                kind, note, source = EVENTS[login.index(pk) % 2]
            elif rng.randrange(EVENT_EVERY):
                continue
            at = self.now - timedelta(hours=rng.uniform(6, 5 * 24))
            events.append(
                CustomerEvent(
                    customer_id=pk,
                    kind=kind,
                    occurred_at=at,
                    created_at=at + timedelta(minutes=rng.randint(1, 30)),
                    note=note,
                    source=source,
                )
            )
        made = CustomerEvent.objects.bulk_create(events, batch_size=BATCH)
        self.report.events = len(made)
        for event in made:
            self.report.suggestions += event_suggestions_create(event_id=event.pk, today=self.today)
        self.report.suggestions += quota_expiring_sweep(today=self.today).suggestions

    # -- detractor follow-ups ------------------------------------------------------------------
    def _login_complaint(self) -> None:
        """One answer of three days ago by a customer of the login agent, still waiting for
        a call: through `feedback_record`, as the app or an invitation records it."""
        since = self.now - timedelta(days=14)
        until = self.now - timedelta(days=3)
        rated = RedemptionFeedback.objects.filter(redemption_id=OuterRef("pk"))
        use = (
            Redemption.objects.filter(
                beneficiary__agent=self.login_agent,
                status=RedemptionStatus.COMPLETED,
                created_at__gte=since,
                created_at__lt=until,
            )
            .exclude(Exists(rated))
            .order_by("-created_at", "benefit_code")
            .first()
        )
        if use is None:
            return
        feedback_record(
            redemption=use,
            score=3,
            comment=LOGIN_COMPLAINT,
            created_at=use.created_at + timedelta(hours=2),
        )

    def build_followups(self) -> None:
        self._login_complaint()
        hours = survey_settings_get().followup_hours
        users = dict(Agent.objects.filter(user__isnull=False).values_list("pk", "user_id"))
        supervisors: dict[int, int | None] = dict(Agent.objects.values_list("pk", "supervisor_id"))
        answers = (
            RedemptionFeedback.objects.filter(
                score__lte=DETRACTOR_MAX, created_at__gte=self.now - FOLLOWUP_WINDOW
            )
            .filter(followup__isnull=True)
            .order_by("created_at", "benefit__code", "customer__customer_no")
            .values_list(
                "pk",
                "customer_id",
                "customer__customer_no",
                "agent_id",
                "benefit_id",
                "benefit__code",
                "redemption_id",
                "score",
                "created_at",
            )
        )
        rows: list[DetractorFollowUp] = []
        calls: dict[int, list[_Call]] = {}
        turns = {True: 0, False: 0}
        for pk, customer_id, no, agent_id, benefit_id, code, redemption_id, score, at in answers:
            followup = DetractorFollowUp(
                feedback_id=pk,
                customer_id=customer_id,
                agent_id=agent_id,
                benefit_id=benefit_id,
                redemption_id=redemption_id,
                score=score,
                opened_at=at,
                due_at=at + timedelta(hours=hours),
            )
            rng = _roll(self.seed, "followup", no, code, at.isoformat())
            # The plans in turn (the answers past due apart), so a small demo shows each.
            turn = turns[followup.due_at <= self.now]
            turns[followup.due_at <= self.now] += 1
            made = self._calls(followup, CALL_PLANS[turn % len(CALL_PLANS)], rng)
            self._close(followup, made)
            self._escalate(followup, supervisors, rng)
            rows.append(followup)
            calls[pk] = made
        created = DetractorFollowUp.objects.bulk_create(rows, batch_size=BATCH)
        call_rows = [
            FollowUpCall(
                followup=followup,
                outcome=call.outcome,
                note=call.note,
                called_by_id=users.get(followup.agent_id) if followup.agent_id else None,
                called_at=call.at,
            )
            for followup in created
            for call in calls[followup.feedback_id]
        ]
        FollowUpCall.objects.bulk_create(call_rows, batch_size=BATCH)
        self._login_complaint_escalate(supervisors)
        self.report.followups = DetractorFollowUp.objects.count()
        self.report.followup_calls = len(call_rows)
        self.report.escalated = DetractorFollowUp.objects.filter(escalated_at__isnull=False).count()

    def _calls(
        self, followup: DetractorFollowUp, plan: tuple[tuple[str, ...], ...], rng: random.Random
    ) -> list[_Call]:
        """The calls so far: in time for most, late for some, none yet for a few."""
        outcomes, notes = plan
        window = (followup.due_at - followup.opened_at).total_seconds() / 3600
        luck = rng.random()
        if luck < 0.08:  # still waiting
            return []
        late = luck < 0.2
        at = (followup.due_at if late else followup.opened_at) + timedelta(
            hours=rng.uniform(0.5, window * 0.6)
        )
        made = []
        for outcome, note in zip(outcomes, notes, strict=True):
            if at > self.now:
                break
            made.append(_Call(outcome=outcome, note=note, at=at))
            at += timedelta(hours=rng.uniform(2, 9))
        return made

    @staticmethod
    def _close(followup: DetractorFollowUp, calls: list[_Call]) -> None:
        """What `followup_call_record` makes of these calls, one after the other."""
        for call in calls:
            followup.attempts += 1
            reached = call.outcome != FollowUpOutcome.UNREACHABLE
            if reached and followup.first_contact_at is None:
                followup.first_contact_at = call.at
            if reached or followup.attempts >= UNREACHABLE_AFTER:
                followup.outcome = call.outcome
                followup.closed_at = call.at
                return

    def _escalate(
        self, followup: DetractorFollowUp, supervisors: dict[int, int | None], rng: random.Random
    ) -> None:
        """As `followups_escalate` does when it next runs after the due time: open then,
        to the agent's supervisor, once."""
        at = followup.due_at + timedelta(minutes=rng.randint(*ESCALATION_LAG))
        if at > self.now or (followup.closed_at is not None and followup.closed_at <= at):
            return
        followup.escalated_at = at
        followup.escalated_to_id = supervisors.get(followup.agent_id) if followup.agent_id else None

    def _login_complaint_escalate(self, supervisors: dict[int, int | None]) -> None:
        """The login agent's complaint (opened by the service) is overdue: escalated too."""
        for followup in DetractorFollowUp.objects.filter(
            agent=self.login_agent,
            closed_at__isnull=True,
            escalated_at__isnull=True,
            due_at__lt=self.now - timedelta(minutes=ESCALATION_LAG[1]),
        ):
            followup.escalated_at = followup.due_at + timedelta(minutes=ESCALATION_LAG[1])
            followup.escalated_to_id = supervisors.get(self.login_agent.pk)
            followup.save(update_fields=["escalated_at", "escalated_to"])

    # -- survey invitations ----------------------------------------------------------------------
    def _fulfilled_uses(self) -> Iterable[tuple[Any, ...]]:
        """Uses of the window that were fulfilled: instant ones when made, held ones when
        their supplier fulfilled them; with the answer when the use was rated."""
        since = self.now - INVITATION_WINDOW
        held = Fulfilment.objects.filter(redemption_id=OuterRef("pk"))
        answer = RedemptionFeedback.objects.filter(redemption_id=OuterRef("pk"))
        return (
            Redemption.objects.filter(
                status=RedemptionStatus.COMPLETED,
                cancelled_at__isnull=True,
                created_at__gte=since,
                created_at__lt=self.now - timedelta(minutes=10),
            )
            .filter(
                ~Exists(held)
                | Exists(
                    held.filter(state__in=[FulfilmentState.FULFILLED, FulfilmentState.REDEEMED])
                )
            )
            .annotate(
                done_at=Subquery(held.values("updated_at")[:1]),
                answer_id=Subquery(answer.values("pk")[:1]),
                answered_at=Subquery(answer.values("created_at")[:1]),
            )
            .order_by("created_at", "benefit_code", "beneficiary__customer_no")
            .values_list(
                "pk",
                "beneficiary_id",
                "beneficiary__customer_no",
                "benefit_id",
                "benefit_code",
                "created_at",
                "done_at",
                "answer_id",
                "answered_at",
            )
            .iterator(chunk_size=BATCH)
        )

    def build_invitations(self) -> None:
        settings_row = survey_settings_get()
        throttle = timedelta(days=settings_row.throttle_days)
        valid = timedelta(days=settings_row.valid_days)
        last_invited: dict[int, datetime] = {}
        rows: list[SurveyInvitation] = []
        uses = []
        for (
            pk,
            customer_id,
            no,
            benefit_id,
            code,
            used_at,
            done_at,
            answer_id,
            answered_at,
        ) in self._fulfilled_uses():
            rng = _roll(self.seed, "invite", no, code, used_at.isoformat())
            decided = (done_at or used_at) + timedelta(minutes=rng.randint(1, 10))
            uses.append(
                (decided, no, code, pk, customer_id, benefit_id, answer_id, answered_at, rng)
            )
        uses.sort(key=lambda u: u[:3])  # in the order the sweep met them
        for decided, _no, _code, pk, customer_id, benefit_id, answer_id, answered_at, rng in uses:
            row = SurveyInvitation(
                redemption_id=pk, customer_id=customer_id, benefit_id=benefit_id, created_at=decided
            )
            if rng.random() >= settings_row.sample_rate:
                row.status = InvitationStatus.NOT_SAMPLED
            elif decided - last_invited.get(customer_id, decided - throttle) < throttle:
                row.status = InvitationStatus.THROTTLED
            else:
                last_invited[customer_id] = decided
                row.status = InvitationStatus.SENT
                row.nonce = f"{rng.getrandbits(128):032x}"
                row.expires_at = decided + valid
                if answer_id is not None and answered_at > decided:
                    row.status = InvitationStatus.ANSWERED
                    row.feedback_id = answer_id
                    row.answered_at = answered_at
            rows.append(row)
        SurveyInvitation.objects.bulk_create(rows, batch_size=BATCH)
        SurveyThrottle.objects.bulk_create(
            [SurveyThrottle(customer_id=c, invited_at=at) for c, at in last_invited.items()],
            batch_size=BATCH,
        )
        self.report.invitations = len(rows)


def open_suggestions(agent: Agent) -> dict[str, int]:
    """The login agent's open suggestions by kind (moment, expiring): for the report."""
    counts: dict[str, int] = defaultdict(int)
    for event_id in AgentSuggestion.objects.filter(
        agent=agent, status=SuggestionStatus.OPEN
    ).values_list("event_id", flat=True):
        counts["moment" if event_id else "expiring"] += 1
    return dict(counts)
