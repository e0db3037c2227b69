"""The morning sweep for benefits whose period ends soon with uses left: one suggestion per
(customer, benefit, period) for their agent, and a `quota.expiring` webhook, each once.

It asks what the benefit centre asks: the customer's own tier cells they may draw on
(`household_draws`: the eligibility rules, with their in-force product lines and age), each
period as the centre bounds it (a policy year from the customer's anniversary, the earliest
in-force policy start) and what is left as the centre counts it (`Allowance.remaining`). So it
never suggests a benefit the push would refuse; nor a customer the push would refuse for want
of consent (PIPL): customers with no valid consent for any push channel are skipped, and
counted (`SweepReport.skipped_no_consent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.text import translated
from customers.models import Customer, Policy, PolicyStatus
from customers.selectors import customers_consenting

from ..integrations.models import WebhookEventType
from ..integrations.services import events_emit_many
from ..ledger.models import QuotaBalance
from ..ledger.selectors import (
    Balances,
    Household,
    draw_allowance,
    household_draws,
    policy_facts,
)
from ..shelf.selectors import CellView, period_bounds, shelf_cells_for_tiers
from .models import AgentSuggestion
from .moments import bilingual
from .pushes import CONSENT_REFUSALS, PUSH_CONSENT


@dataclass
class SweepReport:
    customers: int = 0
    suggestions: int = 0
    skipped_no_consent: int = 0  # customers who may not be pushed to on any channel


@dataclass(frozen=True)
class Expiring:
    """Uses left of one of the customer's own tier cells, in a period that ends soon."""

    view: CellView
    start: date
    end: date
    left: int
    quota: int


@dataclass
class Batch:
    """A keyset batch of customers with what the sweep reads about them, in a fixed number
    of queries: their tiers' cells, their in-force policies and their running balances."""

    customers: list[Customer]
    consenting: set[int]  # of those, who may be pushed to on some channel
    cells: dict[int, list[CellView]]
    lines: Mapping[int, set[str]]
    anchors: Mapping[int, date]
    balances: Balances


def _batch_load(*, after: int, size: int, today: date) -> Batch | None:
    """The next `size` customers with an agent after the primary key `after` (None: no
    more), with who of them consents to pushes, their policies and running balances: four
    queries, and the tiers' cells from the shelf's cache."""
    customers = list(
        Customer.objects.filter(pk__gt=after, agent__isnull=False)
        .order_by("pk")
        .only("pk", "customer_no", "tier", "agent_id", "birth_date")[:size]
    )
    if not customers:
        return None
    consenting = customers_consenting(
        customer_ids=[c.pk for c in customers], purposes=PUSH_CONSENT.values()
    )
    lines, anchors = policy_facts(
        list(
            Policy.objects.filter(customer__in=customers, status=PolicyStatus.IN_FORCE).values_list(
                "customer_id", "product_line", "start_date"
            )
        )
    )
    balances = {
        (holder, benefit, start): (used, family_used)
        for holder, benefit, start, used, family_used in QuotaBalance.objects.filter(
            holder__in=customers
        )
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=today))
        .values_list("holder_id", "benefit_id", "period_start", "used", "family_used")
    }
    return Batch(
        customers=customers,
        consenting=consenting,
        cells=shelf_cells_for_tiers({c.tier for c in customers}),
        lines=lines,
        anchors=anchors,
        balances=balances,
    )


def expiring_for(
    customer: Customer, batch: Batch, *, today: date, horizon: date, limit: int
) -> list[Expiring]:
    """The customer's own tier cells they may use, with uses left in a period that ends by
    `horizon`: the largest share left first (then by code), at most `limit`."""
    household = Household(
        customer=customer,
        relatives=[],
        product_lines={customer.pk: batch.lines.get(customer.pk, set())},
        anchors={customer.pk: batch.anchors[customer.pk]} if customer.pk in batch.anchors else {},
    )
    found = []
    for draw in household_draws(household, batch.cells, today=today):
        view = draw.view
        start, end = period_bounds(view.period, today, household.anchors.get(customer.pk))
        if view.quota is None or end is None or end > horizon:
            continue
        used, family_used = batch.balances.get((customer.pk, view.benefit_id, start), (0, 0))
        left = draw_allowance(
            draw, period=(start, end), used=used, family_used=family_used
        ).remaining
        if left:
            found.append(Expiring(view=view, start=start, end=end, left=left, quota=view.quota))
    found.sort(key=lambda e: (-e.left / e.quota, e.view.code))
    return found[:limit]


def _suggestion(customer: Customer, expiring: Expiring) -> AgentSuggestion:
    view = expiring.view

    def build() -> str:
        return _("%(left)s of %(quota)s %(benefit)s unused, period ends %(end)s") % {
            "left": expiring.left,
            "quota": expiring.quota,
            "benefit": translated(view, "name"),
            "end": expiring.end.isoformat(),
        }

    english, chinese = bilingual(build)
    return AgentSuggestion(
        agent_id=customer.agent_id,
        customer=customer,
        benefit_id=view.benefit_id,
        reason_en=english,
        reason_zh_hans=chinese,
        dedupe_key=f"expiring:{customer.pk}:{view.benefit_id}:{expiring.start.isoformat()}",
        # Acting on it is useless once the period is over (the worklist ranks by it).
        due_on=expiring.end,
    )


def _event(customer: Customer, expiring: Expiring) -> tuple[str, dict[str, Any]]:
    return (
        WebhookEventType.QUOTA_EXPIRING,
        {
            "customer_no": customer.customer_no,
            "benefit": expiring.view.code,
            "remaining": expiring.left,
            "quota": expiring.quota,
            "period_end": expiring.end.isoformat(),
        },
    )


@transaction.atomic
def _record_once(rows: list[AgentSuggestion], events: list[tuple[str, dict[str, Any]]]) -> int:
    """Write the suggestions not made before and send their events; returns how many."""
    known = set(
        AgentSuggestion.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list(
            "dedupe_key", flat=True
        )
    )
    fresh = [(r, e) for r, e in zip(rows, events, strict=True) if r.dedupe_key not in known]
    AgentSuggestion.objects.bulk_create([r for r, _e in fresh], ignore_conflicts=True)
    events_emit_many([e for _r, e in fresh])
    return len(fresh)


def quota_expiring_sweep(
    *, days: int = 30, per_customer: int = 2, today: date | None = None, batch_size: int = 1000
) -> SweepReport:
    """Customers with uses left of a benefit they may use whose period (calendar month or
    year, or their policy year) ends within `days`: one suggestion per (customer, benefit,
    period) for their agent, and a `quota.expiring` event; customers without a valid consent
    for any push channel are skipped and counted. Keyset batches: the same few
    queries per batch of customers, whatever its size and the shelf's."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=days)
    report = SweepReport()
    last = 0
    while (batch := _batch_load(after=last, size=batch_size, today=today)) is not None:
        last = batch.customers[-1].pk
        rows: list[AgentSuggestion] = []
        events: list[tuple[str, dict[str, Any]]] = []
        for customer in batch.customers:
            if customer.pk not in batch.consenting:
                report.skipped_no_consent += 1
                continue
            for expiring in expiring_for(
                customer, batch, today=today, horizon=horizon, limit=per_customer
            ):
                rows.append(_suggestion(customer, expiring))
                events.append(_event(customer, expiring))
        report.customers += len(batch.customers)
        report.suggestions += _record_once(rows, events)
    CONSENT_REFUSALS.labels(where="quota_expiring_sweep").inc(report.skipped_no_consent)
    return report
