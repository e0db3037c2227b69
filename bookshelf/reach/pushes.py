"""Pushing a benefit to a customer (权益找客户), and delivering the push exactly once.

`push_create` records the push and its outbox message in one transaction and enqueues the
delivery after commit. `push_deliver` claims the message with a conditional UPDATE
(pending -> sending), so a retried or duplicated task finds nothing to claim and never sends
twice; the sender is pluggable (settings.BOOKSHELF_PUSH_SENDER).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from benefits.selectors import benefit_get
from config.exceptions import DomainError, NotAllowed
from config.users import acting_user
from customers.models import Customer

from .. import jobs
from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from ..ledger.selectors import bookshelf_for_customer
from .error_codes import ReachErrorCode
from .models import OutboxMessage, OutboxStatus, Push, PushChannel

log = logging.getLogger(__name__)

# Messages to customers are written in their language: the insurer's customers read Chinese.
CUSTOMER_LANGUAGE = "zh-hans"


class TransientSendError(Exception):
    """The gateway is briefly unavailable: the task retries the message later."""


class PushSender(Protocol):
    def send(self, message: OutboxMessage) -> str:
        """Deliver the message; return the gateway's reference. Raise TransientSendError to
        have it retried, anything else to mark it failed."""
        ...


class DatabaseLogSender:
    """The default sender: the message stays in the database outbox (where the app's message
    centre reads it) and the delivery is written to the log."""

    def send(self, message: OutboxMessage) -> str:
        log.info(
            "push delivered: outbox=%s channel=%s recipient=%s",
            message.pk,
            message.channel,
            message.recipient,
        )
        return f"outbox:{message.pk}"


@cache
def _sender_class(path: str) -> Any:
    return import_string(path)


def push_sender() -> PushSender:
    return _sender_class(settings.BOOKSHELF_PUSH_SENDER)()  # type: ignore[no-any-return]


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


def push_create(
    *,
    customer: Customer,
    benefit_code: str,
    channel: str,
    note: str = "",
    pushed_by: Any = None,
    today: date | None = None,
) -> Push:
    """Push a benefit the customer can use now; it is delivered after the commit."""
    if channel not in PushChannel.values:
        raise DomainError(ReachErrorCode.INVALID, _("Unknown channel."), field="channel")
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
    """Send one outbox message if nobody has claimed it yet. Returns what happened:
    "sent", "retry" (transient error, back to pending), "failed" or "skipped"."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=outbox_id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.select_related("push").get(pk=outbox_id)
    mine = OutboxMessage.objects.filter(pk=outbox_id, status=OutboxStatus.SENDING)
    try:
        reference = push_sender().send(message)
    except TransientSendError as exc:
        status = OutboxStatus.FAILED if final_attempt else OutboxStatus.PENDING
        mine.update(status=status, last_error=str(exc)[:300])
        log.warning("push %s not sent (%s): %s", outbox_id, status, exc)
        if final_attempt:
            return "failed"
        raise
    except Exception as exc:
        mine.update(status=OutboxStatus.FAILED, last_error=str(exc)[:300] or type(exc).__name__)
        log.exception("push %s failed", outbox_id)
        return "failed"
    mine.update(status=OutboxStatus.SENT, sent_at=timezone.now(), delivery_ref=str(reference)[:100])
    return "sent"


def outbox_requeue_pending(*, older_than_seconds: int = 300) -> int:
    """Re-enqueue messages still pending after a while (an enqueue lost with the broker down).
    Safe to repeat: a message already claimed is skipped by the delivery."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
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
