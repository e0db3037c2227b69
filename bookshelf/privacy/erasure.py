"""Erasure on request (PIPL): the customer's personal data is replaced or removed, while the
rows the statistics count stay, so the shelf review and the usage rollups give the same
numbers before and after.

What goes, and what stays (and why):
- the record: name, phone, ID number, their lookup hashes and last four digits, city, profile
  tags (they can say "pregnant", "chronic condition") and the tier's reason go; the birth
  date keeps its year only (1 January: the peer-usage age bands count by year); gender and
  tier stay (statistics); the customer number stays (the key of the insurer's own records,
  which the law makes it keep, and the reference of the erasure's audit row);
- links to other people: family links in both directions and the assigned agent go;
- free text that may hold personal data: feedback comments, push notes, the outbox's message
  bodies (and an unsent message is never sent), life-event notes, why a use was cancelled,
  override and tier-change reasons, where and under which reference a supplier serves them
  and why a fulfilment moved (its events' reasons, its cases' notes), and the reasons and
  places in the webhook events' payloads; phone
  and ID numbers (and the name) in demand texts are masked, in their grouping keys too, and
  in proposal titles quoting them (the request stays in a group of the same size);
- uses, purchases, balances, monthly rollups, feedback scores, pushes, demand signals and the
  personal-data access log stay (what the review counts, and the audit trail);
- open suggestions for the customer are dismissed (nobody should contact them about them).
The customer model keeps no history (no django-simple-history on it); the history models of
the shelf and the benefits hold no customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from config.exceptions import Conflict
from config.logs import scrub
from config.replicas import customer_wrote
from customers.models import (
    Customer,
    FamilyLink,
    Policy,
    PolicyStatus,
    TierChange,
    TierOverride,
)

from ..fulfilment.models import Fulfilment, FulfilmentEvent, OperationsCase
from ..integrations.models import WebhookEvent
from ..ledger.models import Redemption, RedemptionFeedback
from ..reach.models import (
    AgentSuggestion,
    CustomerEvent,
    OutboxMessage,
    OutboxStatus,
    Push,
    SuggestionStatus,
)
from ..review.models import DemandSignal, Proposal
from ..review.selectors import demand_text_key
from .error_codes import PrivacyErrorCode

# What replaces a reason that could name the customer (tier changes, overrides, webhooks).
ERASED_TEXT = "erased"


def erasure_blockers_check(*, customer: Customer) -> None:
    """Raise `Conflict` with the reason the customer cannot be erased now, if any."""
    if customer.erased_at is not None:
        raise Conflict(
            PrivacyErrorCode.ALREADY_ERASED,
            _("This customer's personal data was already erased on %(day)s.")
            % {"day": customer.erased_at.date().isoformat()},
        )
    if customer.legal_hold:
        raise Conflict(
            PrivacyErrorCode.LEGAL_HOLD,
            _("This customer is under a legal hold (%(reason)s): their data may not be erased.")
            % {"reason": customer.legal_hold_reason or _("no reason given")},
        )
    in_force = list(
        Policy.objects.filter(customer=customer, status=PolicyStatus.IN_FORCE)
        .order_by("policy_no")
        .values_list("policy_no", flat=True)[:5]
    )
    if in_force:
        raise Conflict(
            PrivacyErrorCode.POLICY_IN_FORCE,
            _(
                "This customer has a policy in force (%(policies)s): their data is needed "
                "to serve it and may not be erased until it ends."
            )
            % {"policies": ", ".join(in_force)},
        )


@dataclass
class ErasureReport:
    """How many rows of each kind the erasure changed (numbers only: the audit keeps it)."""

    rows: dict[str, int] = field(default_factory=dict)


def erasure_reason_scrub(reason: str, *, customer: Customer) -> str:
    """The operator's reason for the audit row, with the customer's own details taken out
    (an operator may paste "asked by 张三, 13812345678") and any other number masked."""
    text = reason.strip()
    for value in (customer.name, customer.phone, customer.id_number):
        if value and len(value) >= 2:
            text = re.sub(re.escape(value), "***", text, flags=re.IGNORECASE)
    return scrub(text)[:255]


def _customer_anonymise(customer: Customer, now: datetime) -> None:
    Customer.objects.filter(pk=customer.pk).update(
        name="",
        birth_date=date(customer.birth_date.year, 1, 1),
        city="",
        phone="",
        phone_last4="",
        phone_hash="",
        id_number="",
        id_number_hash="",
        agent=None,
        tags=[],
        tier_reason="",
        erased_at=now,
        updated_at=now,
    )


def _free_text_clear(customer: Customer, report: ErasureReport) -> None:
    rows = report.rows
    rows["family_links"], _unused = FamilyLink.objects.filter(
        Q(customer=customer) | Q(relative=customer)
    ).delete()
    rows["feedback_comments"] = (
        RedemptionFeedback.objects.filter(customer=customer).exclude(comment="").update(comment="")
    )
    rows["push_notes"] = Push.objects.filter(customer=customer).exclude(note="").update(note="")
    outbox = OutboxMessage.objects.filter(
        Q(push__customer=customer) | Q(invitation__customer=customer)
    )
    # A message not sent yet is never sent: a worker holding it finds its lease gone.
    rows["outbox_unsent"] = outbox.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).update(status=OutboxStatus.FAILED, locked_until=None, last_error=ERASED_TEXT)
    rows["outbox_bodies"] = outbox.exclude(body="").update(body="")
    rows["event_notes"] = (
        CustomerEvent.objects.filter(customer=customer).exclude(note="").update(note="")
    )
    rows["suggestions_dismissed"] = AgentSuggestion.objects.filter(
        customer=customer, status=SuggestionStatus.OPEN
    ).update(status=SuggestionStatus.DISMISSED)
    rows["tier_override_reasons"] = TierOverride.objects.filter(customer=customer).update(
        reason=ERASED_TEXT
    )
    rows["tier_change_reasons"] = TierChange.objects.filter(customer=customer).update(
        reason=ERASED_TEXT
    )
    # Why an agent cancelled a use is free text too ("customer called from 139...").
    rows["cancel_reasons"] = (
        Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
        .exclude(cancel_reason="")
        .update(cancel_reason=ERASED_TEXT)
    )


def _fulfilment_texts_clear(customer: Customer, report: ErasureReport) -> None:
    """A booking's place and the supplier's reference can say where the customer lives or
    is treated; an event's reason and a case's note are typed by people."""
    rows = report.rows
    fulfilments = Fulfilment.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
    rows["fulfilment_places"] = fulfilments.exclude(place="", supplier_reference="").update(
        place="", supplier_reference=""
    )
    rows["fulfilment_event_reasons"] = (
        FulfilmentEvent.objects.filter(fulfilment__in=fulfilments.values("pk"))
        .exclude(reason="")
        .update(reason=ERASED_TEXT)
    )
    rows["operations_case_notes"] = (
        OperationsCase.objects.filter(fulfilment__in=fulfilments.values("pk"))
        .exclude(note="")
        .update(note=ERASED_TEXT)
    )


def _demand_texts_mask(customer: Customer, report: ErasureReport) -> None:
    """Numbers (and the customer's name) in what the customer asked for are masked, in the
    text and in its grouping key: the request stays in a group of the same size, so the
    review counts it as before. Proposals whose title quoted such a text are masked too."""
    changed = []
    for signal in DemandSignal.objects.filter(customer=customer).only("pk", "text", "text_key"):
        masked = erasure_reason_scrub(signal.text, customer=customer)
        if masked != signal.text:
            signal.text = masked
            signal.text_key = demand_text_key(masked)
            changed.append(signal)
    DemandSignal.objects.bulk_update(changed, ["text", "text_key"])
    report.rows["demand_texts"] = len(changed)
    quoted = Q()
    for value in (customer.phone, customer.id_number):
        if value:
            quoted |= Q(title__contains=value) | Q(key__contains=value)
    proposals = list(Proposal.objects.filter(quoted).only("pk", "title", "key")) if quoted else []
    for proposal in proposals:
        proposal.title = erasure_reason_scrub(proposal.title, customer=customer)
        proposal.key = erasure_reason_scrub(proposal.key, customer=customer)
    Proposal.objects.bulk_update(proposals, ["title", "key"])
    report.rows["proposal_titles"] = len(proposals)


def _webhook_reasons_clear(customer: Customer, report: ErasureReport) -> None:
    changed: list[Any] = []
    events = WebhookEvent.objects.filter(payload__customer_no=customer.customer_no)
    for event in events.only("id", "payload"):
        if not isinstance(event.payload, dict):
            continue
        # A use's events carry the cancel reason; a fulfilment's, the booking's place too.
        cleared = {k: ERASED_TEXT for k in ("reason", "place") if event.payload.get(k)}
        if cleared:
            event.payload = {**event.payload, **cleared}
            changed.append(event)
    WebhookEvent.objects.bulk_update(changed, ["payload"])
    report.rows["webhook_reasons"] = len(changed)


def customer_data_erase(*, customer: Customer, now: datetime) -> ErasureReport:
    """Erase a customer locked by the caller (`select_for_update`) after
    `erasure_blockers_check`; the caller holds the transaction and writes the audit row."""
    report = ErasureReport()
    _free_text_clear(customer, report)
    _fulfilment_texts_clear(customer, report)
    _demand_texts_mask(customer, report)
    _webhook_reasons_clear(customer, report)
    _customer_anonymise(customer, now)
    customer_wrote(customer.customer_no)  # gone to every read at once, not after the lag
    return report
