"""Pushing a benefit to a customer (权益找客户), and delivering the push at least once.

`push_create` records the push and its outbox message in one transaction and enqueues the
delivery after commit. `push_deliver` claims the message through the outbox with a lease
(bookshelf.integrations.outbox): one conditional UPDATE, so a retried or duplicated task
finds nothing to claim while another worker holds it; a worker that dies mid-send is
replaced once its lease ends, and the message is sent again. So a gateway may see a message
twice, always with the same idempotency key, the outbox row's id (`push_idempotency_key`),
by which it drops the duplicate. The sender is pluggable (settings.BOOKSHELF_PUSH_SENDER).

PIPL: a push needs the customer's valid consent for its channel (`PUSH_CONSENT`), checked
when it is made and again when it is sent: a consent withdrawn after the push was queued
stops the send, and the message ends `refused`, never retried.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from prometheus_client import Counter

from benefits.models import Benefit
from benefits.selectors import benefit_get
from config.exceptions import Conflict, DomainError, NotAllowed
from config.users import acting_user
from customers.models import ConsentPurpose, Customer
from customers.selectors import consent_valid

from .. import jobs
from ..integrations.models import WebhookEventType
from ..integrations.services import Lease, Outbox, event_emit, outbox_register
from ..ledger.selectors import bookshelf_for_customer
from .error_codes import ReachErrorCode
from .models import OutboxMessage, OutboxStatus, Push, PushChannel, SurveyInvitation

log = logging.getLogger(__name__)

# The consent each push channel needs.
PUSH_CONSENT: dict[str, str] = {
    PushChannel.APP_MESSAGE: ConsentPurpose.MARKETING_APP_MESSAGE,
    PushChannel.SMS: ConsentPurpose.MARKETING_SMS,
}
# What was not sent, or not suggested, for want of consent, by where it was stopped.
CONSENT_REFUSALS = Counter(
    "bookshelf_consent_refusals_total",
    "Pushes refused and suggestions skipped for want of the customer's consent",
    ["where"],
)

# The namespace (first key) of the advisory lock that serialises pushes of one benefit to one
# customer on PostgreSQL: "PUSH" in ASCII, so it is told apart from any other lock.
PUSH_LOCK_NAMESPACE = 0x50555348
# Messages to customers are written in their language: the insurer's customers read Chinese.
CUSTOMER_LANGUAGE = "zh-hans"
# The push outbox: the same lease as webhook deliveries, counted by the same backlog gauge.
PUSH_OUTBOX = outbox_register(
    Outbox(
        name="pushes",
        model=OutboxMessage,
        pending=OutboxStatus.PENDING,
        sending=OutboxStatus.SENDING,
    )
)


class TransientSendError(Exception):
    """The gateway is briefly unavailable: the task retries the message later."""


class PushSender(Protocol):
    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        """Deliver the message; return the gateway's reference. Raise TransientSendError to
        have it retried, anything else to mark it failed.

        Delivery is at least once: a retry, or a worker taking over from one that died
        mid-send, sends the message again. `idempotency_key` is the outbox row's id,
        `bookshelf-push-<id>`, the same on every attempt: hand it to the gateway as its
        idempotency (deduplication) reference, so it delivers the message once. Time out
        well within BOOKSHELF_OUTBOX_LEASE_SECONDS, or another worker takes over meanwhile.
        """
        ...


class DatabaseLogSender:
    """The default sender: the message stays in the database outbox (where the app's message
    centre reads it; a repeated send is the same row, which is what dedupes it) and the
    delivery, with its key, is written to the log."""

    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        log.info(
            "push delivered: outbox=%s key=%s channel=%s recipient=%s",
            message.pk,
            idempotency_key,
            message.channel,
            message.recipient,
        )
        return f"outbox:{message.pk}"


def push_idempotency_key(outbox_id: int) -> str:
    """What every send of this outbox message carries to the gateway, on every attempt."""
    return f"bookshelf-push-{outbox_id}"


@cache
def _sender_class(path: str) -> Any:
    return import_string(path)


def push_sender() -> PushSender:
    return _sender_class(settings.BOOKSHELF_PUSH_SENDER)()  # type: ignore[no-any-return]


def consent_required_error(channel: str) -> NotAllowed:
    """The refusal of a push on `channel` the customer has not (or no longer) consented to."""
    return NotAllowed(
        ReachErrorCode.CONSENT_REQUIRED,
        _("No consent from the customer for %(purpose)s: nothing can be pushed by %(channel)s.")
        % {
            "purpose": ConsentPurpose(PUSH_CONSENT[channel]).label,
            "channel": PushChannel(channel).label,
        },
        field="channel",
    )


def _message_body(*, push: Push, remaining: int | None) -> str:
    benefit = push.benefit
    with translation.override(CUSTOMER_LANGUAGE):
        name = benefit.display_name
        if remaining is None:
            body = _("You can use %(benefit)s (%(code)s) now.") % {
                "benefit": name,
                "code": benefit.code,
            }
        else:
            body = _("You can use %(benefit)s (%(code)s) now: %(n)s left this period.") % {
                "benefit": name,
                "code": benefit.code,
                "n": remaining,
            }
        if benefit.how_to_use:
            body += " " + benefit.how_to_use
        if push.note:
            body += " " + push.note
    return body


def push_duplicate_window() -> timedelta:
    return timedelta(seconds=settings.BOOKSHELF_PUSH_DUPLICATE_WINDOW_SECONDS)


def _push_lock(*, customer_id: int, benefit_id: int) -> None:
    """Serialise pushes of one benefit to one customer until the transaction ends, so two
    agents (or a double click) pushing at once cannot both pass the duplicate check.

    A transaction-scoped advisory lock on PostgreSQL rather than the customer's row: it
    holds nothing a use, a consent or a tier change of the customer waits for. SQLite
    serialises writers on its own."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # The two-key form: (this lock's namespace, the pair folded into 32 bits).
        key = (customer_id * 1_000_003 + benefit_id) % 2**31
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PUSH_LOCK_NAMESPACE, key])


def _push_duplicate_check(*, customer: Customer, benefit: Benefit) -> None:
    """Refuse a push of a benefit already pushed to this customer within the window, by any
    agent on any channel. Call inside the transaction that creates the push."""
    _push_lock(customer_id=customer.pk, benefit_id=benefit.pk)
    window = push_duplicate_window()
    last = (
        Push.objects.filter(
            customer=customer, benefit=benefit, created_at__gt=timezone.now() - window
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return
    again = timezone.localtime(last + window)
    raise Conflict(
        ReachErrorCode.DUPLICATE_PUSH,
        _(
            "%(benefit)s was already pushed to this customer at %(when)s: it can be pushed "
            "again after %(again)s."
        )
        % {
            "benefit": benefit.display_name,
            "when": formats.date_format(timezone.localtime(last), "SHORT_DATETIME_FORMAT"),
            "again": formats.date_format(again, "SHORT_DATETIME_FORMAT"),
        },
        field="benefit",
    )


def push_create(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str,
    note: str = "",
    pushed_by: Any = None,
    today: date | None = None,
) -> Push:
    """Push a benefit the customer can use now; it is delivered after the commit.

    Refused (`duplicate_push`, 409) if the benefit was pushed to the customer within
    BOOKSHELF_PUSH_DUPLICATE_WINDOW_SECONDS, on any channel by anyone."""
    if channel not in PushChannel.values:
        raise DomainError(ReachErrorCode.INVALID, _("Unknown channel."), field="channel")
    if not consent_valid(customer=customer, purpose=PUSH_CONSENT[channel]):
        CONSENT_REFUSALS.labels(where="push_create").inc()
        raise consent_required_error(channel)
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError(
            ReachErrorCode.INVALID, _("Keep the note under 300 characters."), field="note"
        )
    benefit = benefit_get(code=benefit_code)
    shelf = bookshelf_for_customer(customer=customer, today=today)
    usable = [
        e
        for e in shelf.entries
        if e.benefit_id == benefit.pk and (e.remaining is None or e.remaining > 0)
    ]
    if not usable:
        raise NotAllowed(
            ReachErrorCode.PUSH_NOT_USABLE,
            _("The customer cannot use this benefit now, so it cannot be pushed."),
            field="benefit",
        )
    remaining = (
        None if any(e.remaining is None for e in usable) else sum(e.remaining or 0 for e in usable)
    )
    with transaction.atomic():
        _push_duplicate_check(customer=customer, benefit=benefit)
        push = Push.objects.create(
            customer=customer,
            benefit=benefit,
            benefit_code=benefit.code,
            channel=channel,
            note=note,
            pushed_by=acting_user(pushed_by),
        )
        message = OutboxMessage.objects.create(
            push=push,
            channel=channel,
            recipient=customer.customer_no,
            body=_message_body(push=push, remaining=remaining),
        )
        event_emit(
            WebhookEventType.BENEFIT_PUSHED,
            {
                "push_id": push.pk,
                "customer_no": customer.customer_no,
                "benefit": benefit.code,
                "channel": channel,
                "pushed_at": push.created_at.isoformat(),
            },
        )
        # With the broker down it waits in the outbox; the periodic requeue sends it later.
        jobs.enqueue_on_commit(jobs.PUSH_DELIVER, message.pk)
    return push


def push_deliver(*, outbox_id: int, final_attempt: bool = True) -> str:
    """Send one outbox message (a pushed benefit or a survey invitation) if it is pending, or
    its last claim expired (the worker died). Returns what happened: "sent", "failed",
    "refused" (`_refusal`: the customer's consent for a push's channel is no longer valid,
    or the customer was erased: not sent, not retried) or "skipped" (already done, or held by
    a live claim); a transient error before the final attempt puts it back to pending and
    raises TransientSendError, so the task retries it."""
    lease = PUSH_OUTBOX.claim(outbox_id)
    if lease is None:
        return "skipped"
    message = OutboxMessage.objects.select_related("push__customer", "invitation__customer").get(
        pk=outbox_id
    )
    refusal = _refusal(message)
    if refusal:
        _release(lease, status=OutboxStatus.REFUSED, last_error=refusal)
        log.info("push %s refused: %s (%s)", outbox_id, refusal, message.channel)
        return "refused"
    key = push_idempotency_key(message.pk)
    try:
        reference = push_sender().send(message, idempotency_key=key)
    except TransientSendError as exc:
        status = OutboxStatus.FAILED if final_attempt else OutboxStatus.PENDING
        _release(lease, status=status, last_error=str(exc)[:300])
        log.warning("push %s not sent (%s): %s", outbox_id, status, exc)
        if final_attempt:
            return "failed"
        raise
    except Exception as exc:
        _release(lease, status=OutboxStatus.FAILED, last_error=str(exc)[:300] or type(exc).__name__)
        log.exception("push %s failed", outbox_id)
        return "failed"
    _release(
        lease, status=OutboxStatus.SENT, sent_at=timezone.now(), delivery_ref=str(reference)[:100]
    )
    return "sent"


def _refusal(message: OutboxMessage) -> str:
    """Why the message may not be sent now ("" if it may): the last moment to stop it is
    before the gateway sees it.

    A pushed benefit is marketing: it needs the customer's consent for its channel, still
    valid now (withdrawn since the push was queued: refused). A survey invitation (no push)
    asks about a service the customer used: service communication, no marketing consent;
    but a customer whose data was erased since it was queued is never sent it."""
    if message.push is not None:
        purpose = PUSH_CONSENT.get(message.channel)
        if purpose is None or not consent_valid(customer=message.push.customer, purpose=purpose):
            CONSENT_REFUSALS.labels(where="push_deliver").inc()
            return "no consent"
        return ""
    invitation: SurveyInvitation | None = getattr(message, "invitation", None)
    if invitation is None:
        return "no push or invitation"
    if invitation.customer.erased_at is not None:
        return "customer erased"
    return ""


def _release(lease: Lease, **outcome: Any) -> None:
    if not lease.release(**outcome):
        # Another worker claimed it after the lease ran out; its outcome is the record.
        log.warning("push %s: lease expired during the send", lease.pk)


def outbox_requeue_pending(*, older_than_seconds: int = 300) -> int:
    """Re-enqueue messages still pending after a while (an enqueue lost with the broker down)
    and claims whose lease expired (their worker died mid-send). Safe to repeat: a message
    claimed meanwhile is skipped by the delivery."""
    ids = PUSH_OUTBOX.due(limit=1000, waited=timedelta(seconds=older_than_seconds))
    for pk in ids:
        jobs.enqueue(jobs.PUSH_DELIVER, pk)
    return len(ids)


def outbox_message_retry(*, message: OutboxMessage) -> bool:
    """Queue a failed message again (failed -> pending), once; False if it was not failed."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.FAILED).update(
            status=OutboxStatus.PENDING, last_error=""
        )
        if updated:
            jobs.enqueue_on_commit(jobs.PUSH_DELIVER, message.pk)
    return bool(updated)
