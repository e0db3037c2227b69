"""The morning sweep for benefits whose period ends soon with uses left: one suggestion per
(customer, benefit, period) for their agent, and a `quota.expiring` webhook, each once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer

from ..integrations.models import WebhookEventType
from ..integrations.services import events_emit_many
from ..ledger.models import QuotaBalance
from ..shelf.selectors import period_bounds, shelf_cells_for_tiers
from .models import AgentSuggestion
from .moments import bilingual


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
