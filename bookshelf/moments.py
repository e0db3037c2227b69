"""Moments that matter: events other systems post, and the suggestions they become on the
agent's desk ("claim filed yesterday: offer the hospital escort"), plus the sweep for
benefits whose period ends soon with uses left. Every suggestion is made once (unique key)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.exceptions import DomainError
from customers.models import Customer

from .error_codes import BookshelfErrorCode
from .models import (
    AgentSuggestion,
    CustomerEvent,
    EventKind,
    QuotaBalance,
    SuggestionStatus,
    WebhookEventType,
)
from .periods import period_bounds
from .recommendations import EVENT_AFFINITY, recommendations_for_customer
from .selectors import shelf_cells_for_tiers
from .webhooks import events_emit_many

# Events worth an agent's call; the others only feed the ranking.
SUGGESTING_EVENTS = {
    EventKind.CLAIM_FILED,
    EventKind.HOSPITAL_VISIT,
    EventKind.TRIP_BOOKED,
    EventKind.NEW_FAMILY_MEMBER,
    EventKind.BIRTHDAY,
}
SUGGESTIONS_PER_EVENT = 2
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
        raise DomainError(BookshelfErrorCode.INVALID, _("Unknown event kind."), field="kind")
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise DomainError(
            BookshelfErrorCode.INVALID,
            _("An event cannot happen in the future."),
            field="occurred_at",
        )
    if occurred_at < now - EVENT_MAX_AGE:
        raise DomainError(
            BookshelfErrorCode.INVALID,
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
    transaction.on_commit(lambda: _enqueue_event(event.pk))
    return event, True


def _enqueue_event(event_id: int) -> None:
    from config.celery import enqueue

    from .tasks import suggestions_for_event

    enqueue(suggestions_for_event, event_id)  # broker down: the morning sweep picks it up


def bilingual(build: Callable[[bool], str]) -> tuple[str, str]:
    """A stored sentence in English and Chinese; `build(zh)` writes it in the active language.
    Jobs have no reader: the desk shows the reader's language."""
    with translation.override("en"):
        english = build(False)[:255]
    with translation.override("zh-hans"):
        chinese = build(True)[:255]
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
    """Turn one important event into suggestions for the customer's agent (once)."""
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
    if event.kind in SUGGESTING_EVENTS:
        affinity = EVENT_AFFINITY.get(event.kind, {})
        recs = recommendations_for_customer(customer=event.customer, limit=50, today=today)
        from benefits.models import Benefit

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

            def build(zh: bool, r: Any = r) -> str:
                return _("%(event)s %(when)s: offer %(benefit)s") % {
                    "event": EventKind(event.kind).label,
                    "when": _when(day, today),
                    "benefit": (r.name_zh or r.name) if zh else r.name,
                }

            english, chinese = bilingual(build)
            rows.append(
                AgentSuggestion(
                    agent=event.customer.agent,
                    customer=event.customer,
                    benefit=benefits[r.code],
                    event=event,
                    reason=english,
                    reason_zh=chinese,
                    dedupe_key=f"event:{event.pk}:{benefits[r.code].pk}",
                )
            )
        made = len(AgentSuggestion.objects.bulk_create(rows, ignore_conflicts=True))
    event.suggested_at = timezone.now()
    event.save(update_fields=["suggested_at"])
    return made


def events_pending(limit: int = 1000) -> list[int]:
    return list(
        CustomerEvent.objects.filter(suggested_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass
class SweepReport:
    customers: int = 0
    suggestions: int = 0


def quota_expiring_sweep(
    *, days: int = 30, per_customer: int = 2, today: date | None = None, batch_size: int = 1000
) -> SweepReport:
    """Customers with uses left of a benefit whose period ends within `days`: one suggestion
    per (customer, benefit, period) for their agent, and a `quota.expiring` event. Keyset
    batches: a few queries per batch of customers, whatever the shelf's size."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=days)
    report = SweepReport()
    last = 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last, agent__isnull=False)
            .order_by("pk")
            .only("pk", "customer_no", "tier", "agent_id")[:batch_size]
        )
        if not batch:
            break
        last = batch[-1].pk
        cells = shelf_cells_for_tiers({c.tier for c in batch})
        used: dict[tuple[int, int, date], int] = {}
        for b in QuotaBalance.objects.filter(holder__in=batch).filter(
            Q(period_end__isnull=True) | Q(period_end__gte=today)
        ):
            used[(b.holder_id, b.benefit_id, b.period_start)] = b.used
        rows: list[AgentSuggestion] = []
        events: list[tuple[str, dict[str, Any]]] = []
        for customer in batch:
            options = []
            for view in cells.get(customer.tier, []):
                if view.quota is None or view.period == "policy_year":
                    continue  # unlimited; policy years are swept per customer anniversary
                start, end = period_bounds(view.period, today)
                if end is None or end > horizon:
                    continue
                left = view.quota - used.get((customer.pk, view.benefit_id, start), 0)
                if left > 0:
                    options.append((left / view.quota, view.code, view, start, end, left))
            options.sort(key=lambda o: (-o[0], o[1]))
            for _share, _code, view, start, end, left in options[:per_customer]:

                def build(zh: bool, view: Any = view, end: date = end, left: int = left) -> str:
                    return _("%(left)s of %(quota)s %(benefit)s unused, period ends %(end)s") % {
                        "left": left,
                        "quota": view.quota,
                        "benefit": (view.name_zh or view.name) if zh else view.name,
                        "end": end.isoformat(),
                    }

                english, chinese = bilingual(build)
                rows.append(
                    AgentSuggestion(
                        agent_id=customer.agent_id,
                        customer=customer,
                        benefit_id=view.benefit_id,
                        reason=english,
                        reason_zh=chinese,
                        dedupe_key=f"expiring:{customer.pk}:{view.benefit_id}:{start.isoformat()}",
                    )
                )
                events.append(
                    (
                        WebhookEventType.QUOTA_EXPIRING,
                        {
                            "customer_no": customer.customer_no,
                            "benefit": view.code,
                            "remaining": left,
                            "quota": view.quota,
                            "period_end": end.isoformat(),
                        },
                    )
                )
        with transaction.atomic():
            keys = [r.dedupe_key for r in rows]
            known = set(
                AgentSuggestion.objects.filter(dedupe_key__in=keys).values_list(
                    "dedupe_key", flat=True
                )
            )
            fresh = [(r, e) for r, e in zip(rows, events, strict=True) if r.dedupe_key not in known]
            AgentSuggestion.objects.bulk_create([r for r, _e in fresh], ignore_conflicts=True)
            events_emit_many([e for _r, e in fresh])
        report.customers += len(batch)
        report.suggestions += len(fresh)
    return report


@transaction.atomic
def suggestion_accept(
    *, suggestion: AgentSuggestion, channel: str, note: str = "", by: Any = None
) -> AgentSuggestion:
    """The agent acts on a suggestion: the benefit is pushed (once) and the suggestion closed."""
    from .pushes import push_create

    locked = AgentSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != SuggestionStatus.OPEN:
        raise DomainError(
            BookshelfErrorCode.INVALID,
            _("This suggestion was already handled."),
            status_code=409,
        )
    push = push_create(
        customer=locked.customer,
        benefit_code=locked.benefit.code,
        channel=channel,
        note=note or locked.reason,
        pushed_by=by,
    )
    locked.status = SuggestionStatus.ACCEPTED
    locked.push = push
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "push", "resolved_at"])
    return locked


def suggestion_dismiss(*, suggestion: AgentSuggestion) -> AgentSuggestion:
    AgentSuggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.OPEN).update(
        status=SuggestionStatus.DISMISSED, resolved_at=timezone.now()
    )
    suggestion.refresh_from_db()
    return suggestion


def open_suggestions_by_customer(*, customer_ids: list[int]) -> dict[int, list[AgentSuggestion]]:
    grouped: dict[int, list[AgentSuggestion]] = defaultdict(list)
    for s in AgentSuggestion.objects.filter(
        customer_id__in=customer_ids, status=SuggestionStatus.OPEN
    ).select_related("benefit"):
        grouped[s.customer_id].append(s)
    return grouped
