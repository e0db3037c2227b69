"""Everything held about one customer, as one JSON document: the customer's own copy (PIPL
right of access), so their numbers are in it unmasked.

The document is a list of named sections, each read by one function with one query, so an
export costs the same number of queries whatever the customer holds. A room that adds data
about customers adds its section with `export_section_register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from customers.models import (
    Consent,
    Customer,
    FamilyLink,
    PiiAccessLog,
    Policy,
    TierChange,
    TierOverride,
)

from ..fulfilment.models import Fulfilment, FulfilmentEvent
from ..integrations.models import WebhookEvent
from ..ledger.models import Purchase, QuotaBalance, Redemption, RedemptionFeedback, UsageMonth
from ..reach.models import AgentSuggestion, CustomerEvent, Push
from ..review.models import DemandSignal
from .models import PrivacyRequest

# Bump when a section is renamed or a field changes meaning; adding a section or a field
# keeps the version (readers ignore what they don't know).
EXPORT_SCHEMA = "bookshelf.customer-data-export"
EXPORT_SCHEMA_VERSION = 1

SectionReader = Callable[[Customer], Any]


@dataclass(frozen=True)
class ExportSection:
    name: str
    read: SectionReader


EXPORT_SECTIONS: list[ExportSection] = []


def export_section_register(name: str, read: SectionReader) -> SectionReader:
    """Add a section to every export (one query, JSON-ready values). Registering a name again
    replaces its reader, so a module reloaded in tests does not add it twice."""
    EXPORT_SECTIONS[:] = [s for s in EXPORT_SECTIONS if s.name != name]
    EXPORT_SECTIONS.append(ExportSection(name=name, read=read))
    return read


def _rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    return list(queryset.order_by("pk").values(*fields))


def _profile(customer: Customer) -> dict[str, Any]:
    """The record itself, numbers unmasked (the lookup hashes are derived from them and left
    out). The agent is read with the customer (no query here)."""
    agent = customer.agent
    return {
        "customer_no": customer.customer_no,
        "name": customer.name,
        "gender": customer.gender,
        "birth_date": customer.birth_date,
        "city": customer.city,
        "phone": customer.phone,
        "id_number": customer.id_number,
        "tier": customer.tier,
        "tier_label": customer.tier_label,
        "tier_set_at": customer.tier_set_at,
        "tier_reason": customer.tier_reason,
        "tier_downgrade_due": customer.tier_downgrade_due,
        "tags": list(customer.tags or []),
        "agent": {"agent_no": agent.agent_no, "name": agent.name} if agent else None,
        "legal_hold": customer.legal_hold,
        "legal_hold_reason": customer.legal_hold_reason,
        "erased_at": customer.erased_at,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def _policies(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        Policy.objects.filter(customer=customer),
        "policy_no", "product_line", "annual_premium", "status", "start_date", "end_date",
        "created_at",
    )  # fmt: skip


def _family_links(customer: Customer) -> list[dict[str, Any]]:
    # Links are kept in both directions: the customer's own side says who each relative is.
    return _rows(
        FamilyLink.objects.filter(customer=customer),
        "relative__customer_no", "relation", "created_at",
    )  # fmt: skip


def _balances(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        QuotaBalance.objects.filter(holder=customer),
        "benefit__code", "period_start", "period_end", "used", "family_used",
    )  # fmt: skip


def _purchases(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        Purchase.objects.filter(customer=customer),
        "benefit_code", "quantity", "unit_price", "total_price", "uses_granted", "uses_used",
        "valid_from", "valid_until", "payment_reference", "created_at",
    )  # fmt: skip


def _uses(customer: Customer) -> list[dict[str, Any]]:
    """Uses the customer made, and uses of their allowance by family members."""
    return _rows(
        Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer)),
        "id", "holder__customer_no", "beneficiary__customer_no", "benefit_code", "source",
        "channel", "status", "period_start", "period_end", "tier_snapshot", "remaining_after",
        "created_at", "cancelled_at", "cancel_reason",
    )  # fmt: skip


def _fulfilments(customer: Customer) -> list[dict[str, Any]]:
    """Where each of their booked or issued uses stands: who delivers it, when and where."""
    return _rows(
        Fulfilment.objects.filter(Q(holder=customer) | Q(beneficiary=customer)),
        "redemption_id", "benefit__code", "supplier__code", "supplier__name_en",
        "supplier__name_zh_hans", "kind", "state", "appointment_at", "place",
        "supplier_reference", "created_at", "updated_at",
    )  # fmt: skip


def _fulfilment_events(customer: Customer) -> list[dict[str, Any]]:
    """Each step of those uses: when, from which state to which, and why."""
    return _rows(
        FulfilmentEvent.objects.filter(
            Q(fulfilment__holder=customer) | Q(fulfilment__beneficiary=customer)
        ),
        "fulfilment__redemption_id", "at", "from_state", "to_state", "actor_kind",
        "appointment_at", "reason",
    )  # fmt: skip


def _monthly_uses(customer: Customer) -> list[dict[str, Any]]:
    return _rows(UsageMonth.objects.filter(customer=customer), "benefit__code", "month", "uses")


def _feedback(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        RedemptionFeedback.objects.filter(customer=customer),
        "redemption_id", "benefit__code", "score", "comment", "created_at",
    )  # fmt: skip


def _pushes(customer: Customer) -> list[dict[str, Any]]:
    """Benefits pushed to the customer, each with the message the outbox holds for it."""
    return _rows(
        Push.objects.filter(customer=customer),
        "benefit_code", "channel", "note", "pushed_by__username", "created_at",
        "outbox__body", "outbox__status", "outbox__sent_at",
    )  # fmt: skip


def _events(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        CustomerEvent.objects.filter(customer=customer),
        "kind", "occurred_at", "note", "source", "external_id", "created_at",
    )  # fmt: skip


def _suggestions(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        AgentSuggestion.objects.filter(customer=customer),
        "agent__agent_no", "benefit__code", "reason_en", "reason_zh_hans", "status", "created_at",
        "resolved_at",
    )  # fmt: skip


def _demand(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        DemandSignal.objects.filter(customer=customer),
        "text", "category__path_code", "benefit__code", "source", "tier_snapshot", "created_at",
    )  # fmt: skip


def _tier_changes(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        TierChange.objects.filter(customer=customer),
        "from_tier", "to_tier", "reason", "created_at",
    )  # fmt: skip


def _tier_overrides(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        TierOverride.objects.filter(customer=customer),
        "tier", "reason", "expires_at", "created_by__username", "created_at",
    )  # fmt: skip


def _webhook_events(customer: Customer) -> list[dict[str, Any]]:
    """Events about the customer sent to subscribed systems (their payload names the customer
    number). A scan of the events table: exports are rare, the table is pruned."""
    return _rows(
        WebhookEvent.objects.filter(payload__customer_no=customer.customer_no),
        "id", "type", "payload", "created_at",
    )  # fmt: skip


def _personal_data_accesses(customer: Customer) -> list[dict[str, Any]]:
    """Who saw the customer's numbers unmasked, where and when."""
    return _rows(
        PiiAccessLog.objects.filter(customer=customer),
        "username", "fields", "view_name", "created_at",
    )  # fmt: skip


def _consents(customer: Customer) -> list[dict[str, Any]]:
    """Every grant and withdrawal, with the text version the customer saw and who recorded it."""
    return _rows(
        Consent.objects.filter(customer=customer),
        "purpose", "granted", "channel", "text_version", "text__text", "recorded_by_name",
        "created_at",
    )  # fmt: skip


def _privacy_requests(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        PrivacyRequest.objects.filter(customer=customer),
        "kind", "username", "via", "reason", "created_at",
    )  # fmt: skip


for _name, _reader in (
    ("profile", _profile),
    ("policies", _policies),
    ("family_links", _family_links),
    ("balances", _balances),
    ("purchases", _purchases),
    ("uses", _uses),
    ("fulfilments", _fulfilments),
    ("fulfilment_events", _fulfilment_events),
    ("monthly_uses", _monthly_uses),
    ("feedback", _feedback),
    ("pushes", _pushes),
    ("events", _events),
    ("suggestions", _suggestions),
    ("demand_signals", _demand),
    ("tier_changes", _tier_changes),
    ("tier_overrides", _tier_overrides),
    ("webhook_events", _webhook_events),
    ("consents", _consents),
    ("personal_data_accesses", _personal_data_accesses),
    ("privacy_requests", _privacy_requests),
):
    export_section_register(_name, _reader)


def customer_data_document(*, customer: Customer, now: datetime) -> dict[str, Any]:
    """The export document (JSON-ready with `DjangoJSONEncoder`). `customer` should come with
    its agent (`select_related("agent")`): then one query per section after the profile."""
    return {
        "schema": EXPORT_SCHEMA,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": now,
        "customer_no": customer.customer_no,
        # An erased customer's copy says so: what is left is not a live person's record.
        "erased": customer.erased_at is not None,
        "sections": {section.name: section.read(customer) for section in EXPORT_SECTIONS},
    }
