"""Moments that matter: events other systems post, and the suggestions they become on the
agent's desk ("claim filed yesterday: offer the hospital escort"). Every suggestion is made
once (unique key), and only for a customer who may be pushed to on some channel (PIPL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from benefits.models import Benefit
from benefits.text import translated
from config.exceptions import DomainError
from config.replicas import customer_wrote
from customers.models import Customer
from customers.selectors import customers_consenting

from .. import jobs
from .error_codes import ReachErrorCode
from .models import AgentSuggestion, CustomerEvent, EventKind
from .pushes import CONSENT_REFUSALS, PUSH_CONSENT
from .recommendations import EVENT_AFFINITY, recommendations_for_customer

# Events worth an agent's call; the others only feed the ranking.
SUGGESTING_EVENTS = {
    EventKind.CLAIM_FILED,
    EventKind.HOSPITAL_VISIT,
    EventKind.TRIP_BOOKED,
    EventKind.NEW_FAMILY_MEMBER,
    EventKind.BIRTHDAY,
}


SUGGESTIONS_PER_EVENT = 2
# A suggestion made of a moment is due a week after it.
MOMENT_DUE = timedelta(days=7)


# A moment is recent: older events are refused (and dates before 1901 have no sane offset).
EVENT_MAX_AGE = timedelta(days=3653)


def customer_event_record(
    *,
    customer: Customer,
    kind: str,
    occurred_at: datetime | None = None,
    note: str = "",
    source: str = "",
    external_id: str = "",
) -> tuple[CustomerEvent, bool]:
    """Store an event; the same (source, external_id) again returns the first one."""
    if kind not in EventKind.values:
        raise DomainError(ReachErrorCode.INVALID, _("Unknown event kind."), field="kind")
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise DomainError(
            ReachErrorCode.INVALID,
            _("An event cannot happen in the future."),
            field="occurred_at",
        )
    if occurred_at < now - EVENT_MAX_AGE:
        raise DomainError(
            ReachErrorCode.INVALID,
            _("An event older than ten years is not a moment to act on."),
            field="occurred_at",
        )
    if external_id:
        existing = CustomerEvent.objects.filter(
            customer=customer, source=source, external_id=external_id
        ).first()
        if existing is not None:
            return existing, False
    event = CustomerEvent(
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        note=note[:255],
        source=source[:100],
        external_id=external_id[:100],
    )
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        existing = CustomerEvent.objects.get(
            customer=customer, source=source, external_id=external_id
        )
        return existing, False
    # Broker down: the morning sweep picks it up.
    jobs.enqueue_on_commit(jobs.SUGGESTIONS_FOR_EVENT, event.pk)
    customer_wrote(customer.customer_no)  # their recommendations read it at once
    return event, True


def bilingual(build: Callable[[], str]) -> tuple[str, str]:
    """A stored sentence in English and Chinese; `build()` writes it in the active language.
    Jobs have no reader: the desk shows the reader's language."""
    with translation.override("en"):
        english = build()[:255]
    with translation.override("zh-hans"):
        chinese = build()[:255]
    return english, chinese


def _when(day: date, today: date) -> str:
    days = (today - day).days
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return _("%(n)s days ago") % {"n": days}


@transaction.atomic
def event_suggestions_create(*, event_id: int, today: date | None = None) -> int:
    """Turn one important event into suggestions for the customer's agent (once). A customer
    with no valid consent for any push channel gets none (counted in
    `bookshelf_consent_refusals_total{where="event_suggestions"}`): the event is done."""
    event = (
        CustomerEvent.objects.select_for_update(of=("self",))
        .select_related("customer", "customer__agent")
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.suggested_at is not None:
        return 0
    today = today or timezone.localdate()
    made = 0
    if event.kind in SUGGESTING_EVENTS and not customers_consenting(
        customer_ids=[event.customer_id], purposes=PUSH_CONSENT.values()
    ):
        CONSENT_REFUSALS.labels(where="event_suggestions").inc()
    elif event.kind in SUGGESTING_EVENTS:
        affinity = EVENT_AFFINITY.get(event.kind, {})
        recs = recommendations_for_customer(customer=event.customer, limit=50, today=today)
        codes = [r.code for r in recs.recommendations]
        benefits = {b.code: b for b in Benefit.objects.filter(code__in=codes)}
        fitting = [
            r
            for r in recs.recommendations
            if r.category.split(".")[0] in affinity.get("categories", set())
            or set(benefits[r.code].tags or []) & affinity.get("tags", set())
        ][:SUGGESTIONS_PER_EVENT]
        day = timezone.localdate(event.occurred_at)
        rows = []
        for r in fitting:

            def build(r: Any = r) -> str:
                return _("%(event)s %(when)s: offer %(benefit)s") % {
                    "event": EventKind(event.kind).label,
                    "when": _when(day, today),
                    "benefit": translated(r, "name"),
                }

            english, chinese = bilingual(build)
            rows.append(
                AgentSuggestion(
                    agent=event.customer.agent,
                    customer=event.customer,
                    benefit=benefits[r.code],
                    event=event,
                    reason_en=english,
                    reason_zh_hans=chinese,
                    dedupe_key=f"event:{event.pk}:{benefits[r.code].pk}",
                    # A moment is worth acting on for a week (the worklist ranks by it).
                    due_on=day + MOMENT_DUE,
                )
            )
        made = len(AgentSuggestion.objects.bulk_create(rows, ignore_conflicts=True))
    event.suggested_at = timezone.now()
    event.save(update_fields=["suggested_at"])
    return made


def events_pending(limit: int = 1000) -> list[int]:
    """Ids of the events not yet turned into suggestions, in the order they were stored
    (the morning sweep catches up on what the broker missed)."""
    return list(
        CustomerEvent.objects.filter(suggested_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
