"""The closed NPS loop: every answer of 0 to 6 opens one follow-up for the customer's agent,
due within `SurveySettings.followup_hours`; the agent records each call and its outcome; a
follow-up still open when due goes to the agent's supervisor, once.

Exactly once, whatever is replayed: one answer per use (the feedback row is unique per
redemption), one follow-up per answer (unique per feedback), one `feedback.detractor`
webhook (emitted with the follow-up, in its transaction), one escalation (a conditional
UPDATE on `escalated_at IS NULL`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError
from config.users import acting_user
from customers.models import Agent
from customers.selectors import user_sees_all_customers

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from ..ledger.models import Redemption, RedemptionFeedback
from ..ledger.services import redemption_feedback_create
from .error_codes import ReachErrorCode
from .models import DetractorFollowUp, FollowUpCall, FollowUpOutcome, SurveySettings

# A score of 0 to 6 is a detractor's (NPS: 9-10 promoters, 7-8 passives).
DETRACTOR_MAX = 6
# Calls that found nobody before the follow-up is closed as unreachable.
UNREACHABLE_AFTER = 3


def survey_settings_get() -> SurveySettings:
    settings_row, _created = SurveySettings.objects.get_or_create(pk=1)
    return settings_row


@dataclass(frozen=True)
class FeedbackResult:
    feedback: RedemptionFeedback
    followup: DetractorFollowUp | None


@transaction.atomic
def feedback_record(
    *,
    redemption: Redemption,
    score: int,
    comment: str = "",
    created_at: datetime | None = None,
) -> FeedbackResult:
    """The customer's answer for one use (through the app, or an invitation's token): the
    ledger records it once; a detractor's opens their agent's follow-up, in the same
    transaction."""
    feedback = redemption_feedback_create(
        redemption=redemption, score=score, comment=comment, created_at=created_at
    )
    followup = followup_open(feedback=feedback) if feedback.score <= DETRACTOR_MAX else None
    return FeedbackResult(feedback=feedback, followup=followup)


def followup_open(*, feedback: RedemptionFeedback) -> DetractorFollowUp:
    """One follow-up per detractor answer, and its `feedback.detractor` webhook (the score,
    never the comment: that stays in the admin)."""
    hours = survey_settings_get().followup_hours
    opened = feedback.created_at
    followup, created = DetractorFollowUp.objects.get_or_create(
        feedback=feedback,
        defaults={
            "customer_id": feedback.customer_id,
            "agent_id": feedback.agent_id,
            "benefit_id": feedback.benefit_id,
            "redemption_id": feedback.redemption_id,
            "score": feedback.score,
            "opened_at": opened,
            "due_at": opened + timedelta(hours=hours),
        },
    )
    if created:
        event_emit(WebhookEventType.FEEDBACK_DETRACTOR, _detractor_payload(followup, feedback))
    return followup


def _detractor_payload(followup: DetractorFollowUp, feedback: RedemptionFeedback) -> dict[str, Any]:
    customer_no = (
        type(feedback.customer)
        .objects.filter(pk=feedback.customer_id)
        .values_list("customer_no", flat=True)
        .first()
    )
    agent_no = followup.agent.agent_no if followup.agent_id is not None and followup.agent else None
    return {
        "followup_id": followup.pk,
        "redemption_id": feedback.redemption_id,
        "customer_no": customer_no,
        "benefit": feedback.benefit.code,
        "score": feedback.score,
        "agent_no": agent_no,
        "answered_at": feedback.created_at.isoformat(),
        "due_at": followup.due_at.isoformat(),
    }


def followup_call_record(
    *,
    followup_id: int,
    outcome: str,
    note: str = "",
    by: Any = None,
    now: datetime | None = None,
) -> DetractorFollowUp:
    """The agent called the customer back. Resolved, compensated or escalated closes the
    follow-up; unreachable leaves it open for another try, and closes it as unreachable at
    the third. A closed follow-up takes no more calls (409 `followup_closed`)."""
    if outcome not in FollowUpOutcome.values:
        raise DomainError(ReachErrorCode.INVALID, _("Unknown outcome."), field="outcome")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(
            ReachErrorCode.INVALID, _("Keep the note under 500 characters."), field="note"
        )
    if outcome == FollowUpOutcome.COMPENSATED and not note:
        raise DomainError(
            ReachErrorCode.INVALID, _("Say what the customer was given."), field="note"
        )
    now = now or timezone.now()
    with transaction.atomic():
        followup = DetractorFollowUp.objects.select_for_update().get(pk=followup_id)
        if followup.closed_at is not None:
            raise Conflict(ReachErrorCode.FOLLOWUP_CLOSED, _("This follow-up is already closed."))
        FollowUpCall.objects.create(
            followup=followup, outcome=outcome, note=note, called_by=acting_user(by), called_at=now
        )
        # Locked: the count read is the count.
        followup.attempts += 1
        fields = ["attempts"]
        reached = outcome != FollowUpOutcome.UNREACHABLE
        if reached and followup.first_contact_at is None:
            followup.first_contact_at = now
            fields.append("first_contact_at")
        if reached or followup.attempts >= UNREACHABLE_AFTER:
            followup.outcome = outcome
            followup.closed_at = now
            fields += ["outcome", "closed_at"]
        followup.save(update_fields=fields)
    return followup


def followups_escalate(*, now: datetime | None = None) -> int:
    """Open follow-ups past due go to the agent's supervisor (an item on their worklist):
    each once, by one conditional UPDATE, however often this runs and however many run it
    (a second sweep racing re-checks `escalated_at IS NULL` on the locked row and skips it).
    A follow-up closed meanwhile is not escalated; one whose agent has no supervisor is
    marked escalated to nobody."""
    now = now or timezone.now()
    supervisor = Agent.objects.filter(pk=OuterRef("agent_id")).values("supervisor_id")[:1]
    return DetractorFollowUp.objects.filter(
        closed_at__isnull=True, escalated_at__isnull=True, due_at__lt=now
    ).update(escalated_at=now, escalated_to_id=Subquery(supervisor))


def followups_visible_to(user: Any) -> QuerySet[DetractorFollowUp]:
    """The follow-ups a staff user may read: an agent their own, a supervisor their team's and
    those escalated to them, whoever sees every customer all of them; anyone else none."""
    qs = DetractorFollowUp.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user_sees_all_customers(user):
        return qs
    agent = getattr(user, "agent", None)
    if agent is None:
        return qs.none()
    return qs.filter(Q(agent=agent) | Q(agent__supervisor=agent) | Q(escalated_to=agent))
